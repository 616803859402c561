"""What the output declares and holds beyond the fused values: its nodata (a value or a mask band), the
rescaling of a Byte output, and warnings for inputs whose values cannot be sharpened meaningfully."""
from __future__ import annotations

import numpy as np

from .errors import InputError
from .methods.base import SceneInfo
from .raster_io import DTYPE_RANGES
from .scene import Scene

NAN_WARNING = ("The inputs hold NaN (not-a-number) pixels without declaring nodata: they are treated as nodata "
               "and written as nodata.")


def output_nodata(scene: Scene, dtype: str) -> tuple[float | None, bool]:
    """(nodata value, use a mask band) of the output.  A nodata value only where an input declares one that
    fits the output type; inputs whose invalid pixels come from masks, alpha, NaN or a value the type cannot
    hold get NaN in a float output and an internal mask band in an integer one (so no valid value, such as a
    real 0 in 8-bit data, is reserved).  (None, False) when every input pixel is valid."""
    if not scene.has_masks():
        return None, False
    lo, hi = DTYPE_RANGES[dtype]
    declared = [scene.lr_info.nodata[b - 1] for b in scene.lr_bands] + \
               [scene.hr_info.nodata[b - 1] for b in scene.hr_bands]
    for nd in declared:
        if nd is None:
            continue
        if np.isnan(nd):
            if dtype.startswith("float"):
                return float(nd), False
        elif lo <= nd <= hi:
            return float(nd), False
    if dtype.startswith("float"):
        return float("nan"), False
    return None, True


def data_bit_depth(scene: Scene, info: SceneInfo) -> int:
    """Radiometric depth of the LR data: the sensor preset's, else the smallest depth >= 8 bits holding the
    sampled maximum."""
    if info.sensor != "generic" and info.bit_depth:
        return int(info.bit_depth)
    top = max(float(scene.lr_range[:, 1].max()), 1.0)
    return max(8, int(np.ceil(np.log2(top + 1))))


def output_value_factor(scene: Scene, info: SceneInfo, out_dtype: str) -> float:
    """Factor applied to the values written: a Byte output of deeper integer data is rescaled by the data's
    bit depth (otherwise nearly every pixel clips to 255); float data that does not fit 0-255 is refused."""
    lr_dtype = scene.lr_info.dtype
    if out_dtype != "uint8" or lr_dtype == "uint8":
        return 1.0
    lo, hi = float(scene.lr_range[:, 0].min()), float(scene.lr_range[:, 1].max())
    if lr_dtype.startswith("float"):
        if lo < 0 or hi > 255:
            raise InputError(f"The {scene.lr_role} holds floating-point values from {lo:g} to {hi:g}, which do "
                             "not fit a Byte output (0-255) and have no bit depth to rescale by. Choose the "
                             "output type Float32 (or UInt16), or rescale the input to 0-255 first.")
        return 1.0
    bits = data_bit_depth(scene, info)
    return 1.0 if bits <= 8 else 255.0 / (2 ** bits - 1)


def input_value_warnings(scene: Scene) -> list[str]:
    """Warnings for inputs that cannot be sharpened meaningfully: all zero or constant over the sampled valid
    pixels (an empty or saturated image, or the wrong band)."""
    out = []
    for role, rng, bands in ((scene.hr_role, scene.hr_range, scene.hr_bands),
                             (scene.lr_role, scene.lr_range, scene.lr_bands)):
        skip = set(scene.lr_bad) if role == scene.lr_role else set()      # bad bands hold 0 by design
        flat = [(b, lo) for i, (b, (lo, hi)) in enumerate(zip(bands, rng)) if lo == hi and i not in skip]
        if not flat:
            continue
        plural = len(flat) > 1
        which = "" if len(bands) == 1 else (" bands " if plural else " band ") + ", ".join(str(b) for b, _ in flat)
        values = sorted({v for _, v in flat})
        if values == [0.0]:
            what = ("hold" if plural else "holds") + " only zeros"
        else:
            what = ("are" if plural else "is") + " constant (" + ", ".join(f"{v:g}" for v in values) + ")"
        consequence = ("there is no detail to inject" if role == scene.hr_role
                       else "the output carries only the detail, with no information of its own")
        out.append(f"The {role}{which} {what} over the valid pixels: {consequence}. Check that you picked the "
                   "right file and band.")
    return out
