"""Cut both inputs down to the map view for a quick "Preview" run (GDAL only, no QGIS).

Each input is cut with a VRT on its own pixel grid (whole source pixels, nothing resampled), so the engine
pairs the two clips exactly as it pairs the full rasters.  The low-resolution clip gets a margin of LR
pixels so the interpolator has context at the preview's edges.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass

from osgeo import gdal, osr

from .i18n import tr

gdal.UseExceptions()

LR_MARGIN = 12                    # LR pixels, as the engine's LR_MARGIN
MAX_PREVIEW_SIDE = 1536           # HR pixels per side; larger views are cut around their centre


class PreviewError(ValueError):
    """The map view does not show the inputs (or too little of them)."""


@dataclass
class PreviewInputs:
    hr_path: str
    lr_path: str
    width: int                    # HR pixels of the clip
    height: int
    shrunk: bool                  # True when the view was larger than MAX_PREVIEW_SIDE


def _window(ds: gdal.Dataset, bounds: tuple[float, float, float, float], margin: int = 0):
    """Pixel window (xoff, yoff, xsize, ysize) of whole pixels covering ``bounds``, clamped to the raster."""
    gt = ds.GetGeoTransform()
    xmin, ymin, xmax, ymax = bounds
    cols = sorted(((xmin - gt[0]) / gt[1], (xmax - gt[0]) / gt[1]))
    rows = sorted(((ymax - gt[3]) / gt[5], (ymin - gt[3]) / gt[5]))
    x0 = max(0, math.floor(cols[0]) - margin)
    y0 = max(0, math.floor(rows[0]) - margin)
    x1 = min(ds.RasterXSize, math.ceil(cols[1]) + margin)
    y1 = min(ds.RasterYSize, math.ceil(rows[1]) + margin)
    return x0, y0, x1 - x0, y1 - y0


def _transform_bounds(bounds, src: osr.SpatialReference, dst: osr.SpatialReference):
    if src is None or dst is None or src.IsSame(dst):
        return bounds
    for s in (src, dst):
        s.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, dst)
    xmin, ymin, xmax, ymax = bounds
    pts = [(xmin + (xmax - xmin) * i / 8, ymin + (ymax - ymin) * j / 8) for i in range(9) for j in range(9)]
    out = [ct.TransformPoint(x, y)[:2] for x, y in pts]
    xs, ys = [p[0] for p in out], [p[1] for p in out]
    return min(xs), min(ys), max(xs), max(ys)


def clip_to_view(hr_path: str, lr_path: str, view_bounds: tuple[float, float, float, float],
                 view_wkt: str, work_dir: str, max_side: int = MAX_PREVIEW_SIDE) -> PreviewInputs:
    """VRT clips of both inputs covering ``view_bounds`` (xmin, ymin, xmax, ymax in the CRS ``view_wkt``)."""
    hr = gdal.Open(hr_path)
    lr = gdal.Open(lr_path)
    view_srs = osr.SpatialReference(wkt=view_wkt) if view_wkt else None
    hr_srs, lr_srs = hr.GetSpatialRef(), lr.GetSpatialRef()
    x0, y0, w, h = _window(hr, _transform_bounds(view_bounds, view_srs, hr_srs))
    if w < 8 or h < 8:
        raise PreviewError(tr("The map view does not show enough of the inputs: zoom or pan to them, then try again."))
    shrunk = w > max_side or h > max_side
    if shrunk:
        x0, y0 = x0 + max(0, (w - max_side) // 2), y0 + max(0, (h - max_side) // 2)
        w, h = min(w, max_side), min(h, max_side)
    gt = hr.GetGeoTransform()
    hr_bounds = (gt[0] + x0 * gt[1], gt[3] + (y0 + h) * gt[5], gt[0] + (x0 + w) * gt[1], gt[3] + y0 * gt[5])
    lx0, ly0, lw, lh = _window(lr, _transform_bounds(hr_bounds, hr_srs, lr_srs), margin=LR_MARGIN)
    if lw < 2 or lh < 2:
        raise PreviewError(tr("The low-resolution input does not cover the map view: pan to where both inputs "
                              "overlap."))
    os.makedirs(work_dir, exist_ok=True)
    hr_vrt = os.path.join(work_dir, "preview_hr.vrt")
    lr_vrt = os.path.join(work_dir, "preview_lr.vrt")
    gdal.Translate(hr_vrt, hr, format="VRT", srcWin=[x0, y0, w, h])
    gdal.Translate(lr_vrt, lr, format="VRT", srcWin=[lx0, ly0, lw, lh])
    return PreviewInputs(hr_vrt, lr_vrt, w, h, shrunk)
