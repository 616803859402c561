"""Wald's protocol: from a full-resolution PAN/MS pair, write the reduced-resolution pair and the reference.

  reduced MS  = MS blurred with each band's sensor MTF, decimated by r (toolbox phase r//2);
  reduced PAN = PAN blurred with the PAN MTF, decimated by r at the PAN pixels on the MS pixel centres;
  reference   = the MS itself, on the reduced PAN's grid.
A method fused on (reduced PAN, reduced MS) lands on the MS grid and is scored against the reference.

The reduced PAN is georeferenced on the MS grid (PAN sample k at MS pixel k), as the toolboxes do; where
the PAN samples are not exactly on the MS centres (grids sharing a corner at even ratios) that is a
sub-pixel approximation of at most half a PAN pixel.  Work is done in strips, so memory stays bounded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

from .errors import Cancelled, InputError
from .filters import mtf_filter_decimate, mtf_radius
from .raster_io import read_window
from .scene import Scene
from .sensors import preset_for_bands
from .writer import OutputRaster

STRIP_ROWS = 128          # output rows per strip


@dataclass
class DegradeResult:
    pan_path: str
    ms_path: str
    reference_path: str
    ratio: int
    reduced_size: tuple[int, int]        # (width, height) of the reduced PAN / reference


def _strip_degrade(ds, bands, gains, r, row_phase, col_phase, n_rows, n_cols, out: OutputRaster,
                   is_cancelled, progress, p_lo, p_hi):
    """Filter+decimate ``ds`` so that output pixel (i, j) is input pixel (row_phase + r*i, col_phase + r*j)."""
    height, width = ds.RasterYSize, ds.RasterXSize
    reach = mtf_radius(r)          # MTF kernel half-width: input pixels read around each kept one
    c0 = max(0, col_phase - reach)
    c1 = min(width, col_phase + r * (n_cols - 1) + reach + 1)
    for i0 in range(0, n_rows, STRIP_ROWS):
        if is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        i1 = min(n_rows, i0 + STRIP_ROWS)
        y0 = max(0, row_phase + r * i0 - reach)
        y1 = min(height, row_phase + r * (i1 - 1) + reach + 1)
        data, valid = read_window(ds, bands, c0, y0, c1 - c0, y1 - y0)
        phase = (row_phase + r * i0 - y0, col_phase - c0)
        low = mtf_filter_decimate(data, gains, r, phase)[:, :i1 - i0, :n_cols]
        ok = valid[phase[0]::r, phase[1]::r][:i1 - i0, :n_cols]
        out.write(i0, 0, low, ok)
        progress(p_lo + (p_hi - p_lo) * i1 / n_rows)


def degrade_pair(pan_path: str, ms_path: str, out_pan: str, out_ms: str, out_reference: str,
                 sensor: str = "generic", pan_band: int = 1, ms_bands: list[int] | None = None,
                 progress: Callable[[float], None] | None = None,
                 is_cancelled: Callable[[], bool] | None = None, task: str = "pansharpen") -> DegradeResult:
    """``task`` "hsms": the HR input is an MSI (all its bands, each blurred with the preset's PAN MTF) and the
    LR input an HSI; the outputs are the reduced MSI, the reduced HSI and the reference HSI."""
    progress = progress or (lambda _p: None)
    is_cancelled = is_cancelled or (lambda: False)
    scene = Scene(pan_path, ms_path, [pan_band] if task == "pansharpen" else None, ms_bands, task)
    hr_role, lr_role = scene.hr_role, scene.lr_role
    r = scene.ratio
    if r < 2:
        raise InputError(f"The {hr_role} and {lr_role} have the same resolution: there is nothing to degrade.")
    preset = preset_for_bands(sensor, len(scene.lr_bands))
    ms, pan = scene.lr_info, scene.hr_info
    a_row, a_col = (int(round(c)) for c in scene.pairing.lr_origin)
    # MS pixels k whose PAN sample a + r*k lies inside the PAN raster.
    k_col0, k_row0 = max(0, math.ceil(-a_col / r)), max(0, math.ceil(-a_row / r))
    k_col1 = min(ms.width, (pan.width - 1 - a_col) // r + 1)
    k_row1 = min(ms.height, (pan.height - 1 - a_row) // r + 1)
    n_cols, n_rows = k_col1 - k_col0, k_row1 - k_row0
    if n_cols < 4 * r or n_rows < 4 * r:
        raise InputError(f"The overlap of {hr_role} and {lr_role} ({n_cols} x {n_rows} {lr_role} pixels) is too "
                         f"small for a reduced-resolution pair at ratio {r}.")
    mgt = ms.geotransform
    ref_gt = (mgt[0] + k_col0 * mgt[1], mgt[1], 0.0, mgt[3] + k_row0 * mgt[5], 0.0, mgt[5])
    proj = scene.output_projection()
    nodata = None if not scene.has_masks() else 0

    outs = []
    try:
        pan_out = OutputRaster(out_pan, n_cols, n_rows, len(scene.hr_bands), pan.dtype, ref_gt, proj, nodata)
        outs.append(pan_out)
        _strip_degrade(scene.hr_ds, scene.hr_bands, [preset.gnyq_pan], r, a_row + r * k_row0,
                       a_col + r * k_col0, n_rows, n_cols, pan_out, is_cancelled, progress, 0, 40)

        # Reduced MS: MS pixel (k0 + r//2 + r*m) for the MS pixels of the reference grid.
        m_cols, m_rows = (n_cols - r // 2 - 1) // r + 1, (n_rows - r // 2 - 1) // r + 1
        lr_gt = (ref_gt[0] + (r // 2 + 0.5) * mgt[1] - 0.5 * r * mgt[1], r * mgt[1], 0.0,
                 ref_gt[3] + (r // 2 + 0.5) * mgt[5] - 0.5 * r * mgt[5], 0.0, r * mgt[5])
        ms_out = OutputRaster(out_ms, m_cols, m_rows, len(scene.lr_bands), ms.dtype, lr_gt, proj, nodata)
        outs.append(ms_out)
        _strip_degrade(scene.lr_ds, scene.lr_bands, list(preset.gnyq_ms), r, k_row0 + r // 2,
                       k_col0 + r // 2, m_rows, m_cols, ms_out, is_cancelled, progress, 40, 80)

        ref_out = OutputRaster(out_reference, n_cols, n_rows, len(scene.lr_bands), ms.dtype, ref_gt, proj,
                               nodata)
        outs.append(ref_out)
        for i0 in range(0, n_rows, STRIP_ROWS):
            if is_cancelled():
                raise Cancelled("Cancelled by the user; no output was written.")
            h = min(STRIP_ROWS, n_rows - i0)
            data, valid = read_window(scene.lr_ds, scene.lr_bands, k_col0, k_row0 + i0, n_cols, h)
            ref_out.write(i0, 0, data, valid)
        progress(95)
        pick = [b - 1 for b in scene.lr_bands]
        for o in (ms_out, ref_out):
            o.describe_bands([ms.descriptions[i] for i in pick], [ms.band_metadata[i] for i in pick],
                             [ms.scales[i] for i in pick], [ms.offsets[i] for i in pick])
        if task != "pansharpen":
            hr_pick = [b - 1 for b in scene.hr_bands]
            pan_out.describe_bands([pan.descriptions[i] for i in hr_pick], [pan.band_metadata[i] for i in hr_pick],
                                   [pan.scales[i] for i in hr_pick], [pan.offsets[i] for i in hr_pick])
        for o, role in ((pan_out, f"reduced {hr_role}"), (ms_out, f"reduced {lr_role}"),
                        (ref_out, f"reference {lr_role}")):
            o.set_provenance({"wald_role": role, "ratio": r, "sensor": preset.name,
                              "pan_input": pan_path, "ms_input": ms_path})
        for o in outs:
            o.commit()
    except BaseException:
        for o in outs:
            o.discard()
        raise
    progress(100)
    return DegradeResult(out_pan, out_ms, out_reference, r, (n_cols, n_rows))
