"""Opening rasters and reading windows with GDAL, with messages an analyst understands."""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import numpy as np
from osgeo import gdal, osr

from .errors import InputError

gdal.UseExceptions()

DTYPE_RANGES = {
    "uint8": (0.0, 255.0),
    "uint16": (0.0, 65535.0),
    "int16": (-32768.0, 32767.0),
    "uint32": (0.0, 4294967295.0),
    "int32": (-2147483648.0, 2147483647.0),
    "float32": (-3.4e38, 3.4e38),
    "float64": (-1.7e308, 1.7e308),
}
GDAL_TYPES = {
    "uint8": gdal.GDT_Byte, "uint16": gdal.GDT_UInt16, "int16": gdal.GDT_Int16,
    "uint32": gdal.GDT_UInt32, "int32": gdal.GDT_Int32, "float32": gdal.GDT_Float32,
    "float64": gdal.GDT_Float64,
}
_NAMES_BY_GDAL = {v: k for k, v in GDAL_TYPES.items()}


@contextlib.contextmanager
def quiet_gdal():
    """GDAL errors raised as exceptions only, not also printed to stderr (one plain message, not a dump)."""
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()


def _looks_remote(path: str) -> bool:
    return path.startswith("/vsi") or "://" in path


def open_raster(path: str, role: str) -> gdal.Dataset:
    """Open ``path`` read-only; ``role`` (e.g. "PAN") names the input in error messages."""
    if not path:
        raise InputError(f"No {role} raster was given.")
    if not _looks_remote(path) and not os.path.exists(path):
        raise InputError(f"The {role} file '{path}' does not exist.")
    try:
        ds = gdal.Open(path, gdal.GA_ReadOnly)
    except RuntimeError as exc:
        raise InputError(f"The {role} file '{path}' is not a raster that GDAL can read ({exc}).") from None
    if ds is None or ds.RasterCount == 0:
        raise InputError(f"The {role} file '{path}' is not a raster that GDAL can read.")
    return ds


@dataclass
class RasterInfo:
    path: str
    role: str
    width: int
    height: int
    count: int
    geotransform: tuple
    crs: osr.SpatialReference | None
    dtype: str
    nodata: list = field(default_factory=list)
    descriptions: list = field(default_factory=list)
    band_metadata: list = field(default_factory=list)
    scales: list = field(default_factory=list)
    offsets: list = field(default_factory=list)
    georeferenced: bool = True          # False: the file has no geotransform (pixel coordinates only)

    @property
    def pixel_size(self) -> tuple[float, float]:
        gt = self.geotransform
        return abs(gt[1]), abs(gt[5])


def describe(ds: gdal.Dataset, path: str, role: str) -> RasterInfo:
    bands = [ds.GetRasterBand(i + 1) for i in range(ds.RasterCount)]
    srs = ds.GetSpatialRef()
    dtype = _NAMES_BY_GDAL.get(bands[0].DataType)
    if dtype is None:
        raise InputError(f"The {role} raster has pixel type {gdal.GetDataTypeName(bands[0].DataType)}, "
                         "which is not supported (use 8/16/32-bit integers or float).")
    gt = ds.GetGeoTransform(can_return_null=True)
    return RasterInfo(
        path=path, role=role, width=ds.RasterXSize, height=ds.RasterYSize, count=ds.RasterCount,
        geotransform=gt or (0.0, 1.0, 0.0, 0.0, 0.0, 1.0), georeferenced=gt is not None,
        crs=srs, dtype=dtype,
        nodata=[b.GetNoDataValue() for b in bands],
        descriptions=[b.GetDescription() for b in bands],
        band_metadata=[b.GetMetadata() or {} for b in bands],
        scales=[b.GetScale() for b in bands],
        offsets=[b.GetOffset() for b in bands],
    )


def crs_name(srs: osr.SpatialReference | None) -> str:
    """'EPSG:32616 (WGS 84 / UTM zone 16N)', the CRS's name, or 'no CRS'."""
    if srs is None:
        return "no CRS"
    auth, code = srs.GetAuthorityName(None), srs.GetAuthorityCode(None)
    name = srs.GetName() or "unnamed CRS"
    return f"{auth}:{code} ({name})" if auth and code else name


def check_bands(info: RasterInfo, bands: list[int] | None, default_all: bool) -> list[int]:
    """Validate a 1-based band list; default all bands or band 1."""
    if not bands:
        return list(range(1, info.count + 1)) if default_all else [1]
    bad = [b for b in bands if b < 1 or b > info.count]
    if bad:
        raise InputError(f"The {info.role} raster has {info.count} band(s); band(s) {bad} do not exist.")
    return list(bands)


def alpha_read_as_data(ds: gdal.Dataset, bands) -> bool:
    """Whether one of ``bands`` is tagged alpha: then it is data being fused, not a mask.  GDAL tags the 4th
    band of any 4-band 8-bit GeoTIFF as alpha by default (so a B, G, R, NIR image would lose every pixel
    where the NIR is 0)."""
    return any(ds.GetRasterBand(int(b)).GetColorInterpretation() == gdal.GCI_AlphaBand for b in bands)


def mask_flags(ds: gdal.Dataset, band: int, bands) -> int:
    """GDAL's mask flags of ``band`` when ``bands`` are read together (alpha read as data counts as no mask)."""
    flags = ds.GetRasterBand(int(band)).GetMaskFlags()
    if flags & gdal.GMF_ALPHA and alpha_read_as_data(ds, bands):
        return gdal.GMF_ALL_VALID
    return flags


def read_window(ds: gdal.Dataset, bands: list[int], xoff: int, yoff: int, xsize: int, ysize: int,
                mask_bands=None) -> tuple[np.ndarray, np.ndarray]:
    """Read bands as float32 (b, h, w) and a validity mask (h, w) from GDAL's mask bands
    (nodata values, per-dataset masks and alpha bands all count as invalid).  ``mask_bands``: the band
    numbers whose masks count (default all; bad bands that are nodata everywhere are left out)."""
    try:
        with quiet_gdal():
            return _read_window(ds, bands, xoff, yoff, xsize, ysize, mask_bands)
    except RuntimeError as exc:
        name = os.path.basename(ds.GetDescription()) or "an input raster"
        raise InputError(f"'{name}' cannot be read at pixels {xoff}-{xoff + xsize}, {yoff}-{yoff + ysize}: the file "
                         f"is damaged or incomplete (e.g. a truncated download or copy). GDAL says: "
                         f"{str(exc).strip() or 'read error'}") from None


def _read_window(ds, bands, xoff, yoff, xsize, ysize, mask_bands):
    data = np.empty((len(bands), ysize, xsize), dtype=np.float32)
    valid = np.ones((ysize, xsize), dtype=bool)
    # All bands in one call: GDAL decodes each (pixel-interleaved) block once instead of once per band.
    ds.ReadAsArray(xoff, yoff, xsize, ysize, buf_obj=data, band_list=[int(b) for b in bands],
                   buf_type=gdal.GDT_Float32)
    for i, b in enumerate(bands):
        band = ds.GetRasterBand(b)
        if mask_bands is not None and b not in mask_bands:
            continue
        flags = mask_flags(ds, b, bands)
        if flags == gdal.GMF_NODATA and band.DataType != gdal.GDT_Float64:
            # Same test as GDAL's nodata mask, without reading the band a second time (the values of any
            # type but float64 are exact in float32).
            nd = np.float32(band.GetNoDataValue())
            valid &= ~np.isnan(data[i]) if np.isnan(nd) else data[i] != nd
        elif flags != gdal.GMF_ALL_VALID:
            valid &= band.GetMaskBand().ReadAsArray(xoff, yoff, xsize, ysize) > 0
        if band.DataType in (gdal.GDT_Float32, gdal.GDT_Float64):
            valid &= np.isfinite(data[i])
    return data, valid
