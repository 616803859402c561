"""Whether an output fits on its disk: used by the engine before it starts and by the input doctor."""
from __future__ import annotations

import os
import shutil

from .i18n import N_

BYTES_PER_VALUE = {"uint8": 1, "int16": 2, "uint16": 2, "uint32": 4, "int32": 4, "float32": 4, "float64": 8}
# Compression shrinks fused imagery by well under half (smooth 16-bit bands, DEFLATE level 1 with a
# predictor): an output whose uncompressed size is more than twice the free space cannot fit.
COMPRESSED_SHARE_MIN = 0.5


def format_size(n: float) -> str:
    """A byte count for people: "512 B", "3.4 MB"."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    return f"{n:.1f} TB"


def output_bytes(width: int, height: int, bands: int, dtype: str) -> float:
    """Uncompressed size of an output raster."""
    return float(width) * height * bands * BYTES_PER_VALUE.get(dtype, 4)


def disk_space_problem(folder: str, out_bytes: float, compression: str = "deflate",
                       cog: bool = False) -> tuple[str, str, str] | None:
    """(level, message, fix) when the disk of ``folder`` may be too small for an output of ``out_bytes``
    uncompressed bytes, else None.  "error": it cannot fit even compressed as well as fused data ever is;
    "warning": it fits only if compression does well.  A COG is written twice (a tiled copy, then the COG)."""
    while folder and not os.path.isdir(folder):
        parent = os.path.dirname(folder)
        folder = parent if parent != folder else ""
    if not folder:
        return None
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    need = out_bytes * (2 if cog else 1)
    least = need * (1.0 if compression == "none" else COMPRESSED_SHARE_MIN)
    fix = N_("Choose an output folder on a disk with more free space, or make room on this one.")
    if least > free and compression == "none":
        return ("error", N_("The output needs about {need} but only {free} is free in {folder}.",
                            need=format_size(least), free=format_size(free), folder=folder), fix)
    if least > free:
        return ("error", N_("The output needs about {least} even compressed (up to {need}) but only {free} is "
                            "free in {folder}.", least=format_size(least), need=format_size(need),
                            free=format_size(free), folder=folder), fix)
    if need > free:
        return ("warning", N_("The output may need up to {need} but only {free} is free in {folder}; it fits only "
                              "if compression does well.", need=format_size(need), free=format_size(free),
                              folder=folder), fix)
    return None
