"""Scoring a fused raster: reduced-resolution metrics against a reference, or full-resolution
(no-reference) metrics against the PAN and MS it was made from.

Rasters are aligned by their geotransforms (same pixel size, whole-pixel offset), so a fused raster
that covers only part of the reference is scored on the common part.  Large rasters are scored on a
regular sample of blocks (said in the notes).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np
from osgeo import gdal

from . import metrics
from .errors import InputError
from .raster_io import describe, open_raster, read_window
from .scene import Scene
from .sensors import get_sensor, preset_for_bands
from .tiling import Window

BLOCK = 32                     # Q2n / D_lambda / D_S block size
MAX_WHOLE_PIXELS = 4096 * 4096
SAMPLE_BLOCK = 1024
SAMPLE_GRID = 4
N_PROFILES = 3


@dataclass
class Assessment:
    mode: str                                    # "reduced" or "full"
    metrics: dict                                # name -> value
    band_names: list
    per_band: dict = field(default_factory=dict)  # name -> [value per band]
    profiles: list = field(default_factory=list)  # [{"pixel": (row, col), "fused": [...], "reference": [...]}]
    notes: list = field(default_factory=list)
    ratio: int = 0


def _aligned_windows(a, b) -> tuple[Window, Window]:
    """The windows of the common pixels in rasters a and b, which must share a grid."""
    ga, gb = a.geotransform, b.geotransform
    if abs(ga[1] - gb[1]) > 1e-6 * abs(ga[1]) or abs(ga[5] - gb[5]) > 1e-6 * abs(ga[5]):
        raise InputError(f"The {a.role} ({ga[1]:g} m pixels) and the {b.role} ({gb[1]:g} m pixels) are not "
                         "on the same grid: compare rasters of the same resolution.")
    ox, oy = (gb[0] - ga[0]) / ga[1], (gb[3] - ga[3]) / ga[5]
    if abs(ox - round(ox)) > 0.01 or abs(oy - round(oy)) > 0.01:
        raise InputError(f"The {a.role} and {b.role} grids are shifted by a fraction of a pixel "
                         f"({ox:.2f}, {oy:.2f}); they cannot be compared pixel by pixel.")
    ox, oy = int(round(ox)), int(round(oy))
    x0, y0 = max(0, ox), max(0, oy)
    x1, y1 = min(a.width, ox + b.width), min(a.height, oy + b.height)
    if x1 - x0 < BLOCK or y1 - y0 < BLOCK:
        raise InputError(f"The {a.role} and {b.role} overlap by less than {BLOCK} x {BLOCK} pixels.")
    return Window(y0, x0, y1 - y0, x1 - x0), Window(y0 - oy, x0 - ox, y1 - y0, x1 - x0)


def _blocks(height: int, width: int) -> tuple[list[Window], bool]:
    """Windows to score in a height x width area, trimmed to multiples of the block size; True when sampled."""
    w32, h32 = (width // BLOCK) * BLOCK, (height // BLOCK) * BLOCK
    if w32 * h32 <= MAX_WHOLE_PIXELS:
        return [Window(0, 0, h32, w32)], False
    bs = min(SAMPLE_BLOCK, w32, h32)
    xs = sorted({int(v) // BLOCK * BLOCK for v in np.linspace(0, w32 - bs, SAMPLE_GRID)})
    ys = sorted({int(v) // BLOCK * BLOCK for v in np.linspace(0, h32 - bs, SAMPLE_GRID)})
    return [Window(y, x, bs, bs) for y in ys for x in xs], True


def _combine(reports: list[dict], weights: list[int]) -> dict:
    """Pixel-weighted mean over blocks of each entry (a number, or a list of per-band numbers)."""
    out = {}
    for key in reports[0]:
        vals = np.array([r[key] for r in reports], dtype=float)
        mean = np.average(vals, axis=0, weights=weights) if np.all(np.isfinite(vals)) else np.nan * vals[0]
        out[key] = mean.tolist() if np.ndim(mean) else float(mean)
    return out


def _profiles(fused: np.ndarray, ref: np.ndarray, valid: np.ndarray, origin=(0, 0)) -> list:
    """Spectra at a few valid pixels spread along the diagonal."""
    out = []
    h, w = valid.shape
    for t in np.linspace(0.2, 0.8, N_PROFILES):
        r, c = int(t * (h - 1)), int(t * (w - 1))
        if valid[r, c]:
            out.append({"pixel": (origin[0] + r, origin[1] + c),
                        "fused": fused[:, r, c].tolist(), "reference": ref[:, r, c].tolist()})
    return out


def psnr_peak(path: str, bands: list[int] | None = None, sensor: str = "generic") -> tuple[float | None, str]:
    """The PSNR / SSIM peak of the data in ``path`` and a sentence saying where it comes from.

    The data decide, not the sensor preset: an 8-bit type gives 255, a declared NBITS gives 2**NBITS - 1.
    Otherwise a (non-generic) preset's bit depth is used when the data fit in it, or 255 when the values
    fit in 8 bits; None (the largest reference value of each block) when nothing says the range.
    """
    ds = open_raster(path, "reference")
    bands = bands or list(range(1, ds.RasterCount + 1))
    band = ds.GetRasterBand(bands[0])
    name = os.path.basename(path)
    if band.DataType == gdal.GDT_Byte:
        return 255.0, f"PSNR/SSIM peak 255: {name} is 8-bit (Byte) data"
    nbits = band.GetMetadataItem("NBITS", "IMAGE_STRUCTURE")
    if nbits and nbits.isdigit() and 0 < int(nbits) < 32:
        return float(2 ** int(nbits) - 1), f"PSNR/SSIM peak {2 ** int(nbits) - 1}: {name} declares NBITS={nbits}"
    try:
        preset = get_sensor(sensor)
    except InputError:
        preset = get_sensor("generic")
    if preset.name == "generic":
        return None, "PSNR/SSIM peak: the largest reference value of each scored block (the data declare no bit depth)"
    data_max = max(ds.GetRasterBand(b).ComputeRasterMinMax(False)[1] for b in bands)
    if data_max <= 255 < preset.value_max:
        return 255.0, (f"PSNR/SSIM peak 255: the values of {name} (up to {data_max:g}) fit 8 bits, although "
                       f"the {preset.label} preset delivers {preset.bit_depth}-bit data")
    if data_max <= preset.value_max:
        return preset.value_max, (f"PSNR/SSIM peak {preset.value_max:g}: the {preset.label} preset's "
                                  f"{preset.bit_depth}-bit range (the data reach {data_max:g})")
    return None, (f"PSNR/SSIM peak: the largest reference value of each scored block (the data exceed the "
                  f"{preset.label} preset's {preset.bit_depth}-bit range)")


def assess_reduced(fused_path: str, reference_path: str, ratio: int, value_max: float | None = None,
                   cut: int = 0, sensor: str = "generic", peak_note: str = "") -> Assessment:
    """SAM, ERGAS, Q, Q2n, SCC, PSNR, SSIM of a fused raster against the reference MS (Wald protocol).

    PSNR and SSIM use ``value_max`` as the peak (said in ``peak_note``); without it, the peak of the
    reference's data (:func:`psnr_peak`).  The notes say which peak was used.
    """
    if value_max is None:
        value_max, peak_note = psnr_peak(reference_path, None, sensor)
    elif not peak_note:
        peak_note = f"PSNR/SSIM peak {value_max:g} (given)"
    f_ds, r_ds = open_raster(fused_path, "fused"), open_raster(reference_path, "reference")
    f_info, r_info = describe(f_ds, fused_path, "fused"), describe(r_ds, reference_path, "reference")
    if f_info.count != r_info.count:
        raise InputError(f"The fused raster has {f_info.count} bands, the reference {r_info.count}.")
    fw, rw = _aligned_windows(f_info, r_info)
    bands = list(range(1, f_info.count + 1))
    blocks, sampled = _blocks(fw.height, fw.width)
    reports, weights, per_band, profiles = [], [], [], []
    for b in blocks:
        fused, fv = read_window(f_ds, bands, fw.col_off + b.col_off, fw.row_off + b.row_off, b.width, b.height)
        ref, rv = read_window(r_ds, bands, rw.col_off + b.col_off, rw.row_off + b.row_off, b.width, b.height)
        valid = fv & rv
        if cut:
            sl = (slice(None), slice(cut, -cut), slice(cut, -cut))
            fused, ref, valid = fused[sl], ref[sl], valid[sl[1:]]
        peak = value_max if value_max is not None else float(ref[:, valid].max())
        reports.append(metrics.reduced_resolution_report(fused, ref, ratio, value_max=peak, mask=valid))
        weights.append(int(valid.sum()))
        per_band.append(_per_band_reduced(fused, ref, valid, ratio, peak))
        if not profiles:
            profiles = _profiles(fused, ref, valid, (fw.row_off + b.row_off, fw.col_off + b.col_off))
    if sum(weights) == 0:
        raise InputError("The fused raster and the reference have no valid pixel in common.")
    notes = [f"{len(blocks)} blocks of {blocks[0].width} x {blocks[0].height} pixels sampled"] if sampled else []
    if cut:
        notes.append(f"border cut {cut} pixels")
    notes.append(peak_note)
    return Assessment("reduced", _combine(reports, weights), f_info.descriptions,
                      per_band=_combine(per_band, weights), profiles=profiles, notes=notes, ratio=ratio)


def _per_band_reduced(fused, ref, valid, ratio, peak) -> dict:
    f, r = fused[:, valid].astype(np.float64), ref[:, valid].astype(np.float64)
    rmse = np.sqrt(((f - r) ** 2).mean(axis=1))
    return {"RMSE": rmse.tolist(), "PSNR": (20 * np.log10(peak / np.maximum(rmse, 1e-12))).tolist(),
            "relative RMSE %": (100 * rmse / np.maximum(np.abs(r.mean(axis=1)), 1e-12)).tolist()}


def assess_full(fused_path: str, pan_path: str, ms_path: str, sensor: str = "generic", pan_band: int = 1,
                ms_bands: list[int] | None = None) -> Assessment:
    """D_lambda, D_S, QNR, D_lambda(Khan), HQNR of a fused raster against its own PAN and MS."""
    scene = Scene(pan_path, ms_path, [pan_band], ms_bands, "pansharpen")
    f_ds = open_raster(fused_path, "fused")
    f_info = describe(f_ds, fused_path, "fused")
    if f_info.count != len(scene.lr_bands):
        raise InputError(f"The fused raster has {f_info.count} bands but {len(scene.lr_bands)} MS bands "
                         "were selected.")
    # The fused raster must lie on the PAN grid; score it where it meets the paired output window.
    pan_like = describe(scene.hr_ds, pan_path, "PAN")
    fw, pw = _aligned_windows(f_info, pan_like)
    p = scene.pairing
    x0, y0 = max(pw.col_off, p.x0), max(pw.row_off, p.y0)
    x1, y1 = min(pw.col_end, p.x0 + p.width), min(pw.row_end, p.y0 + p.height)
    if x1 - x0 < BLOCK or y1 - y0 < BLOCK:
        raise InputError("The fused raster does not cover the area where the PAN and MS overlap.")
    gains = list(preset_for_bands(sensor, len(scene.lr_bands)).gnyq_ms)
    blocks, sampled = _blocks(y1 - y0, x1 - x0)
    scene.estimate_fill_values(scene.sample_windows())
    reports, weights, profiles = [], [], []
    lo = hi = None                                # per-band range of the fused values scored
    bands = list(range(1, f_info.count + 1))
    for b in blocks:
        X, Y = x0 + b.col_off, y0 + b.row_off
        tile = scene.read_tile(Window(Y - p.y0, X - p.x0, b.height, b.width), halo=0)
        fused, fv = read_window(f_ds, bands, X - pw.col_off + fw.col_off, Y - pw.row_off + fw.row_off, b.width,
                                b.height)
        valid = fv & tile.valid
        if valid.any():
            values = fused[:, valid]
            lo = np.minimum(lo, values.min(axis=1)) if lo is not None else values.min(axis=1)
            hi = np.maximum(hi, values.max(axis=1)) if hi is not None else values.max(axis=1)
        reports.append(metrics.full_resolution_report(fused, tile.lr_up, tile.pan, scene.ratio, gains, mask=valid))
        weights.append(int(valid.sum()))
        if not profiles:
            profiles = _profiles(fused, tile.lr_up, valid, (Y, X))
    _refuse_empty(fused_path, lo, hi)
    notes = ["reference spectra in the profiles are the interpolated MS"]
    if sampled:
        notes.append(f"{len(blocks)} blocks of {blocks[0].width} x {blocks[0].height} pixels sampled")
    return Assessment("full", _combine(reports, weights), f_info.descriptions, profiles=profiles,
                      notes=notes, ratio=scene.ratio)


def _refuse_empty(fused_path: str, lo, hi) -> None:
    """A fused image without valid pixels, or one value everywhere (a failed run writes zeros), has no
    spectral or spatial structure to distort: QNR would call it perfect, so it is refused."""
    name = os.path.basename(fused_path)
    if lo is None:
        raise InputError(f"The fused image {name} has no valid pixel where the PAN and MS overlap (all nodata).")
    if np.all(hi == lo):
        value = "0" if np.all(hi == 0) else f"{float(hi[0]):g}" if np.all(hi == hi[0]) else "one value per band"
        raise InputError(f"The fused image {name} holds {value} everywhere: there is no image to assess "
                         "(no-reference indexes such as QNR would wrongly rate it perfect). Check that the fusion "
                         "that made it finished and wrote data.")


def ratio_between(fused_path: str, lr_path: str) -> int:
    """Resolution ratio between a fused raster and the LR image it was made from."""
    f = describe(open_raster(fused_path, "fused"), fused_path, "fused")
    m = describe(open_raster(lr_path, "MS"), lr_path, "MS")
    return max(1, int(round(m.pixel_size[0] / f.pixel_size[0])))
