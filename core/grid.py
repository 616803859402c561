"""Pairing a high-resolution (PAN / HR-MSI) grid with a low-resolution (MS / LR-HSI) grid.

Rasters are paired by their geotransforms, never by assuming a shared corner: Landsat's PAN corner is
half a PAN pixel outside the MS corner, Sentinel-2's 10 m and 20 m grids start 10 m apart.  The output
is the HR grid restricted to the HR pixels whose centres lie inside the LR extent.

Coordinates: an HR "position" (row, col) is in HR pixel units with pixel centres at integers.
"""
from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from osgeo import gdal, osr

from .errors import InputError
from .raster_io import RasterInfo, describe

RATIO_TOLERANCE = 0.01      # relative: 2.004 counts as 2, 2.5 does not
ALIGN_TOLERANCE = 1e-6      # HR pixels


@dataclass
class GridPairing:
    ratio: int
    # Output window in HR raster pixels.
    x0: int
    y0: int
    width: int
    height: int
    # HR position (row, col) of the centre of LR pixel (0, 0).
    lr_origin: tuple[float, float]
    lr_dataset: gdal.Dataset          # the LR input, or a warped VRT of it on an aligned grid
    lr_info: RasterInfo
    warnings: list[str]

    @property
    def phase_anchor(self) -> tuple[int, int]:
        """HR (row, col) modulo ratio of the HR pixels nearest the LR pixel centres."""
        r = self.ratio
        return (int(round(self.lr_origin[0])) % r, int(round(self.lr_origin[1])) % r)


def _north_up(info: RasterInfo) -> None:
    gt = info.geotransform
    if gt[2] != 0 or gt[4] != 0:
        raise InputError(f"The {info.role} raster is rotated (its geotransform has rotation terms). "
                         "Warp it to a north-up grid first (Raster > Projections > Warp).")
    if gt[1] <= 0 or gt[5] >= 0:
        raise InputError(f"The {info.role} raster has an unusual pixel orientation (pixel size "
                         f"{gt[1]}, {gt[5]}); warp it to a north-up grid first.")


def _same_crs(a: osr.SpatialReference | None, b: osr.SpatialReference | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return bool(a.IsSame(b))


def _warp_lr(lr_ds: gdal.Dataset, hr: RasterInfo, ratio: int) -> gdal.Dataset:
    """A VRT of the LR raster reprojected / resampled onto a grid of ``ratio`` HR pixels aligned with
    the HR grid's pixel edges (cubic resampling; nodata carried)."""
    gt = hr.geotransform
    res_x, res_y = gt[1] * ratio, -gt[5] * ratio
    # Footprint of the LR raster in the HR CRS.
    tmp = gdal.Warp("", lr_ds, format="VRT", dstSRS=hr.crs.ExportToWkt() if hr.crs else None)
    tgt = tmp.GetGeoTransform()
    xmin, ymax = tgt[0], tgt[3]
    xmax, ymin = xmin + tgt[1] * tmp.RasterXSize, ymax + tgt[5] * tmp.RasterYSize
    # Snap the new grid to the HR pixel edges, inside the footprint.
    xmin = gt[0] + math.ceil((xmin - gt[0]) / gt[1] - 1e-9) * gt[1]
    ymax = gt[3] + math.ceil((ymax - gt[3]) / gt[5] - 1e-9) * gt[5]
    nx = int((xmax - xmin) // res_x)
    ny = int((ymax - ymin) // res_y)
    if nx < 1 or ny < 1:
        raise InputError("The PAN and MS rasters do not overlap.")
    # The VRT lives in GDAL's memory file system only while it is opened: nothing is left on disk.
    path = f"/vsimem/dp_lr_warp_{uuid.uuid4().hex}.vrt"
    try:
        out = gdal.Warp(path, lr_ds, format="VRT", dstSRS=hr.crs.ExportToWkt() if hr.crs else None,
                        outputBounds=(xmin, ymax - ny * res_y, xmin + nx * res_x, ymax),
                        width=nx, height=ny, resampleAlg="cubic", multithread=True)
        out.FlushCache()
        out = None
        return gdal.Open(path)
    finally:
        gdal.Unlink(path)


def pair_grids(hr: RasterInfo, lr_ds: gdal.Dataset, lr: RasterInfo, hr_role: str = "PAN",
               lr_role: str = "MS") -> GridPairing:
    _north_up(hr)
    _north_up(lr)
    warnings: list[str] = []
    if (hr.crs is None) != (lr.crs is None):
        raise InputError(f"Only one of the {hr_role} and {lr_role} rasters has a coordinate reference "
                         "system; assign the missing one (Raster > Projections > Assign Projection).")

    same_crs = _same_crs(hr.crs, lr.crs)
    if same_crs:
        rx = lr.geotransform[1] / hr.geotransform[1]
        ry = -lr.geotransform[5] / -hr.geotransform[5]
    else:
        # Pixel size of the LR raster once reprojected into the HR CRS.
        probe = gdal.Warp("", lr_ds, format="VRT", dstSRS=hr.crs.ExportToWkt())
        pgt = probe.GetGeoTransform()
        rx, ry = pgt[1] / hr.geotransform[1], -pgt[5] / -hr.geotransform[5]
    if rx < 1 - RATIO_TOLERANCE or ry < 1 - RATIO_TOLERANCE:
        raise InputError(f"The {lr_role} pixels ({lr.pixel_size[0]:g}) are smaller than the {hr_role} "
                         f"pixels ({hr.pixel_size[0]:g}): the resolution ratio is {rx:.3g} < 1. "
                         f"Check that the {hr_role} and {lr_role} inputs are not swapped.")
    if abs(rx - ry) > RATIO_TOLERANCE * max(rx, ry):
        raise InputError(f"The resolution ratio differs between x ({rx:.4g}) and y ({ry:.4g}); "
                         "warp the inputs to square pixels first.")
    ratio = int(round(rx))
    integer = abs(rx - ratio) <= RATIO_TOLERANCE * ratio and abs(ry - ratio) <= RATIO_TOLERANCE * ratio

    if not same_crs or not integer:
        if not same_crs:
            warnings.append(f"The {lr_role} raster is in another coordinate reference system than the "
                            f"{hr_role}; it was reprojected onto the {hr_role} grid (cubic) before fusion.")
        if not integer:
            warnings.append(f"The resolution ratio {rx:.3f} is not an integer; the {lr_role} was resampled "
                            f"(cubic) to exactly {ratio}x the {hr_role} pixel size before fusion.")
        lr_ds = _warp_lr(lr_ds, hr, ratio)
        lr = describe(lr_ds, lr.path, lr.role)

    hgt, lgt = hr.geotransform, lr.geotransform
    # LR pixel (0,0) centre in HR positions.
    c_col = (lgt[0] + 0.5 * lgt[1] - hgt[0]) / hgt[1] - 0.5
    c_row = (lgt[3] + 0.5 * lgt[5] - hgt[3]) / hgt[5] - 0.5
    # LR extent in HR positions (edges), then HR pixels whose centres lie strictly inside.
    left = (lgt[0] - hgt[0]) / hgt[1] - 0.5
    right = left + lr.width * lgt[1] / hgt[1]
    top = (lgt[3] - hgt[3]) / hgt[5] - 0.5
    bottom = top + lr.height * lgt[5] / hgt[5]
    x0 = max(0, math.floor(left + ALIGN_TOLERANCE) + 1)
    x1 = min(hr.width, math.ceil(right - ALIGN_TOLERANCE))
    y0 = max(0, math.floor(top + ALIGN_TOLERANCE) + 1)
    y1 = min(hr.height, math.ceil(bottom - ALIGN_TOLERANCE))
    if x1 <= x0 or y1 <= y0:
        raise InputError(f"The {hr_role} and {lr_role} rasters do not overlap: their extents are "
                         "disjoint. Check that you picked the right pair of images.")
    if (x1 - x0) < 2 * ratio or (y1 - y0) < 2 * ratio:
        raise InputError(f"The {hr_role} and {lr_role} rasters overlap by only {x1 - x0} x {y1 - y0} "
                         f"{hr_role} pixels, too little to fuse.")
    return GridPairing(ratio=ratio, x0=x0, y0=y0, width=x1 - x0, height=y1 - y0,
                       lr_origin=(c_row, c_col), lr_dataset=lr_ds, lr_info=lr, warnings=warnings)
