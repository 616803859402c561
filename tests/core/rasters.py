"""Small GeoTIFFs for tests: one writer instead of a copy per test module."""
from __future__ import annotations

import numpy as np
from osgeo import gdal, osr


def write_raster(path, arr, pixel: float, origin=(500000.0, 5000000.0), dtype=gdal.GDT_Float32,
                 epsg: int | None = 32633, nodata=None, bad_band: int | None = None, names=None) -> str:
    """Write ``arr`` (bands, rows, cols; a 2-D array is one band) north-up with square ``pixel``s from the
    top-left corner ``origin`` in UTM ``epsg`` (None: no CRS).  Integer types get rounded values; ``bad_band``
    is flagged ``bbl`` = 0; ``names`` become band descriptions."""
    arr = np.asarray(arr)
    if arr.ndim == 2:
        arr = arr[None]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], dtype)
    ds.SetGeoTransform((origin[0], pixel, 0.0, origin[1], 0.0, -pixel))
    if epsg is not None:
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(epsg)
        ds.SetProjection(srs.ExportToWkt())
    integer = dtype not in (gdal.GDT_Float32, gdal.GDT_Float64)
    for b in range(arr.shape[0]):
        band = ds.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if b == bad_band:
            band.SetMetadataItem("bbl", "0")
        if names:
            band.SetDescription(names[b])
        band.WriteArray(np.rint(arr[b]) if integer else arr[b].astype(np.float32))
    ds = None
    return str(path)
