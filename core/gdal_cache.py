"""A bounded GDAL block cache while the engine runs.

GDAL's block cache is process-wide and defaults to 5 % of RAM; it keeps every input and output block it
touches until that size is reached, so without a bound a run's memory grows with the scene.  The engine
reads each input block about once and flushes its output row by row, so a small cache costs nothing.
The limit is only ever lowered, and restored when the last concurrent run ends (QGIS renders with the
same cache).
"""
from __future__ import annotations

import functools
import threading

from osgeo import gdal

ENGINE_CACHE_BYTES = 64 * 1024 * 1024

_lock = threading.Lock()
_users = 0
_saved: int | None = None


def acquire(max_bytes: int = ENGINE_CACHE_BYTES) -> None:
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = gdal.GetCacheMax()
            if _saved > max_bytes:
                gdal.SetCacheMax(max_bytes)
        _users += 1


def release() -> None:
    global _users, _saved
    with _lock:
        _users -= 1
        if _users == 0 and _saved is not None:
            gdal.SetCacheMax(_saved)
            _saved = None


def bounded(fn):
    """Decorator: run ``fn`` with the GDAL cache bounded to ENGINE_CACHE_BYTES."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        acquire()
        try:
            return fn(*args, **kwargs)
        finally:
            release()
    return wrapper
