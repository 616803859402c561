"""Run several methods (and GDAL's own Brovey) on one pair and score them side by side."""
from __future__ import annotations

import os
from typing import Callable

from .assess import Assessment, assess_full, assess_reduced, psnr_peak
from .engine import FusionRequest, run_fusion
from .errors import Cancelled, InputError, MissingDependency
from .gdal_brovey import gdal_brovey
from .methods import method_label
from .raster_io import describe, open_raster
from .sensors import preset_for_bands
from .wald import degrade_pair

GDAL_NAME = "GDAL Brovey (gdal:pansharp)"


def compare_methods(pan_path: str, ms_path: str, methods: list[str], work_dir: str, mode: str = "reduced",
                    sensor: str = "generic", pan_band: int = 1, ms_bands: list[int] | None = None,
                    include_gdal: bool = True, tile_size: int = 1024,
                    progress: Callable[[float], None] | None = None,
                    is_cancelled: Callable[[], bool] | None = None,
                    log: Callable[[str], None] | None = None, task: str = "pansharpen") -> dict[str, Assessment]:
    """Fuse with every method in ``methods`` and assess each result.

    mode "reduced": Wald protocol (the pair is degraded by the ratio, results are scored against the
    original MS); mode "full": fused at full resolution and scored without reference (QNR, HQNR).
    Fused rasters are left in ``work_dir``.  ``task`` "hsms": ``pan_path`` is the HR-MSI (all its bands),
    ``ms_path`` the LR-HSI, HS-MS methods; reduced mode only (QNR and HQNR compare each band with one PAN)
    and no GDAL Brovey.
    """
    if task == "hsms":
        if mode != "reduced":
            raise InputError("HS-MS fusion methods are compared at reduced resolution only: the full-resolution "
                             "indexes (QNR, HQNR) compare each band with a single PAN.")
        include_gdal = False
    progress = progress or (lambda _p: None)
    is_cancelled = is_cancelled or (lambda: False)
    log = log or (lambda _m: None)
    os.makedirs(work_dir, exist_ok=True)
    n_ms = len(ms_bands) if ms_bands else describe(open_raster(ms_path, "MS"), ms_path, "MS").count
    preset_for_bands(sensor, n_ms)                 # a preset that does not fit the bands is refused first
    # PSNR peak from the original MS's data type / declared bit depth (the reference is a copy of it).
    peak, peak_note = psnr_peak(ms_path, ms_bands, sensor)
    ref, ratio = None, 0
    if mode == "reduced":
        red_pan, red_ms, ref = (os.path.join(work_dir, n) for n in ("reduced_pan.tif", "reduced_ms.tif",
                                                                     "reference_ms.tif"))
        deg = degrade_pair(pan_path, ms_path, red_pan, red_ms, ref, sensor, pan_band, ms_bands,
                           is_cancelled=is_cancelled, task=task)
        ratio = deg.ratio
        fuse_pan, fuse_ms, fuse_pan_band, fuse_ms_bands = red_pan, red_ms, 1, None
    else:
        fuse_pan, fuse_ms, fuse_pan_band, fuse_ms_bands = pan_path, ms_path, pan_band, ms_bands
    results: dict[str, Assessment] = {}
    runs = list(methods) + ([GDAL_NAME] if include_gdal else [])
    for i, name in enumerate(runs):
        if is_cancelled():
            raise Cancelled("Cancelled by the user.")
        out = os.path.join(work_dir, f"{'gdal_brovey' if name == GDAL_NAME else name}_{mode}.tif")
        if name == GDAL_NAME:
            gdal_brovey(fuse_pan, fuse_ms, out, ms_bands=fuse_ms_bands, pan_band=fuse_pan_band)
            label = GDAL_NAME
        else:
            try:
                run_fusion(FusionRequest(task, fuse_pan, fuse_ms, out, method=name, sensor=sensor,
                                         hr_bands=[fuse_pan_band] if task == "pansharpen" else None,
                                         lr_bands=fuse_ms_bands,
                                         tile_size=tile_size, output_dtype="float32"),
                           is_cancelled=is_cancelled)
            except MissingDependency as exc:      # a deep method without torch: compare the others
                log(f"Warning: {method_label(name)} skipped: {exc}")
                progress(100.0 * (i + 1) / len(runs))
                continue
            label = method_label(name)
        if mode == "reduced":
            results[label] = assess_reduced(out, ref, ratio, value_max=peak, sensor=sensor, peak_note=peak_note)
        else:
            results[label] = assess_full(out, pan_path, ms_path, sensor, pan_band, ms_bands)
        log(f"{label}: " + ", ".join(f"{k} {v:.4f}" for k, v in results[label].metrics.items()))
        progress(100.0 * (i + 1) / len(runs))
    return results
