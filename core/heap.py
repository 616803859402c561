"""Handing the C heap's free memory back to the system between tiles.

glibc keeps memory freed by other threads (the engine's tile worker, torch's OpenMP threads) in per-thread
arenas and raises its mmap threshold after large frees, so torch's tile-sized buffers stayed resident: a
PanAdapter v2 run's resident set grew by about half a gigabyte over a 2048 x 2048 scene and peaked at 2.1 GB
where a single tile needs 1.4 (bench/results/pan_scet_throughput.md).  ``malloc_trim(0)`` returns those free
pages; elsewhere than glibc this is a no-op.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools


@functools.lru_cache(maxsize=1)
def _malloc_trim():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        fn = libc.malloc_trim
    except (OSError, AttributeError, TypeError):    # not glibc (macOS, Windows, musl)
        return None
    fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
    return fn


def release_free_memory() -> bool:
    """Return the heap's free pages to the system; True when the C library could (glibc)."""
    fn = _malloc_trim()
    if fn is None:
        return False
    fn(0)
    return True
