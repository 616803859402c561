"""Writing the fused raster: a temporary GeoTIFF next to the target, moved into place only when complete.

The temporary file is ``.<output name>.<pid>-<host tag>-<random>.part.tif``: a later run of the same output
removes the parts whose process has stopped (a run killed by SIGKILL or SIGTERM cannot clean up after
itself) and leaves those of a run still writing.
"""
from __future__ import annotations

import json
import os
import re
import uuid

import numpy as np
from osgeo import gdal

from .errors import InputError
from .ownership import owner_gone, owner_tag
from .raster_io import DTYPE_RANGES, GDAL_TYPES

CREATION_OPTIONS = ["TILED=YES", "BIGTIFF=IF_SAFER", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "NUM_THREADS=ALL_CPUS"]
# Output compression choices (GDAL compresses finished blocks on worker threads).  DEFLATE level 1 with a
# predictor is the default: much faster than higher levels, about as small on fused data, and every GIS reads
# it; ZSTD is faster for slightly larger files but needs GDAL 2.3 or newer to read (both in
# bench/results/infn_quality.md).
COMPRESSIONS = {"deflate": ["COMPRESS=DEFLATE", "ZLEVEL=1"], "zstd": ["COMPRESS=ZSTD", "ZSTD_LEVEL=1"],
                "none": []}
COG_OPTIONS = ["BIGTIFF=IF_SAFER", "OVERVIEWS=AUTO"]


def check_compression(name: str) -> None:
    if name not in COMPRESSIONS:
        raise InputError(f"Unknown output compression '{name}'. Choose one of: {', '.join(COMPRESSIONS)}.")


def default_nodata(dtype: str) -> float:
    return {"uint8": 0, "uint16": 0, "int16": -32768, "uint32": 0, "int32": -2147483648}.get(dtype, float("nan"))


def check_output_path(path: str) -> None:
    if not path:
        raise InputError("No output file was given.")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise InputError(f"The output folder '{folder}' does not exist.")
    if not os.access(folder, os.W_OK):
        raise InputError(f"The output folder '{folder}' is not writable; choose another location.")
    if os.path.isdir(path):
        raise InputError(f"The output '{path}' is a folder; give a file name ending in .tif.")


def part_path(path: str) -> str:
    """A new temporary file name for output ``path`` (see the module docstring)."""
    folder = os.path.dirname(os.path.abspath(path))
    return os.path.join(folder, f".{os.path.basename(path)}.{owner_tag()}-{uuid.uuid4().hex[:8]}.part.tif")


def _part_pattern(path: str) -> re.Pattern:
    # Also the parts of plugin versions that did not name their process: ".<name>.<8 hex>.part.tif".
    return re.compile(r"\." + re.escape(os.path.basename(path))
                      + r"\.(?:(?P<pid>\d+)-(?P<host>[0-9a-f]{8})-)?[0-9a-f]{8}(?:\.cog)?\.part\.tif")


def remove_stale_parts(path: str) -> list[str]:
    """Remove the temporary files that runs which have stopped left for output ``path``; returns their paths.
    Only this plugin's part-file names for this very output are considered."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = _part_pattern(path)
    removed = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        m = pattern.fullmatch(name)
        if m is None:
            continue
        if m.group("pid") is not None and not owner_gone(int(m.group("pid")), m.group("host")):
            continue
        full = os.path.join(folder, name)
        try:
            if os.path.isfile(full) and not os.path.islink(full):
                os.remove(full)
                removed.append(full)
        except OSError:
            pass
    return removed


class OutputRaster:
    """A GeoTIFF being written block by block; ``commit`` moves it to its final name."""

    def __init__(self, path: str, width: int, height: int, bands: int, dtype: str,
                 geotransform: tuple, projection: str, nodata: float | None, cog: bool = False,
                 compression: str = "deflate", mask: bool = False, value_factor: float = 1.0):
        """``mask``: mark invalid pixels in an internal mask band instead of a nodata value (inputs whose
        validity comes from masks, alpha or NaN, written to an integer type: no valid value is reserved).
        ``value_factor``: values are multiplied by it before clipping (Byte output of deeper data)."""
        check_output_path(path)
        check_compression(compression)
        self.compression = compression
        self.path = path
        self.dtype = dtype
        self.nodata = nodata
        self.cog = cog
        self.lo, self.hi = DTYPE_RANGES[dtype]
        folder = os.path.dirname(os.path.abspath(path))
        self.tmp_path = part_path(path)
        drv = gdal.GetDriverByName("GTiff")
        opts = CREATION_OPTIONS + COMPRESSIONS[compression]
        if compression != "none":
            opts.append("PREDICTOR=3" if dtype.startswith("float") else "PREDICTOR=2")
        if dtype == "uint8":
            opts.append("PHOTOMETRIC=MINISBLACK")   # else GDAL makes 3/4 bands RGB(A): a NIR 4th band would be alpha
        try:
            self.ds = drv.Create(self.tmp_path, width, height, bands, GDAL_TYPES[dtype], options=opts)
        except RuntimeError as exc:
            raise InputError(f"Cannot create the output file in '{folder}': {exc}") from None
        self.ds.SetGeoTransform(geotransform)
        if projection:
            self.ds.SetProjection(projection)
        if nodata is not None:
            for b in range(bands):
                self.ds.GetRasterBand(b + 1).SetNoDataValue(nodata)
        self.value_factor = float(value_factor)
        # Set by the engine when invalid pixels may show up unannounced (undeclared NaN in a large float input):
        # they are written as NaN and NaN is declared as nodata at the end if any was written.
        self.nan_if_invalid = False
        self.wrote_invalid = False
        self.mask = None
        if mask:
            previous = gdal.GetConfigOption("GDAL_TIFF_INTERNAL_MASK")
            gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")      # inside the GeoTIFF, not a .msk file
            try:
                self.ds.CreateMaskBand(gdal.GMF_PER_DATASET)
            finally:
                gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", previous)
            self.mask = self.ds.GetRasterBand(1).GetMaskBand()

    def write(self, y0: int, x0: int, block: np.ndarray, valid: np.ndarray, scratch: bool = False) -> None:
        """Write a float block (bands, h, w): clipped to the output type, invalid pixels as nodata.
        ``scratch``: the caller no longer needs ``block``, which is then converted in place (a tile of many bands
        is hundreds of megabytes)."""
        if self.value_factor != 1.0:
            block = block * np.float32(self.value_factor)
            scratch = True
        in_place = scratch and block.dtype == np.float32
        out = np.clip(block, self.lo, self.hi, out=block if in_place else np.empty(block.shape, np.float32))
        missing = np.isnan(out) if self.nodata is not None else None     # NaN: a band not fused
        if not self.dtype.startswith("float"):
            np.rint(out, out=out)
            if self.nodata is not None and not np.isnan(self.nodata):
                # A valid pixel must never read as nodata: move it one step into the valid range.
                step = 1 if self.nodata <= self.lo else -1
                out[(out == self.nodata) & valid[None]] += step
        if self.nodata is not None:
            out[:, ~valid] = self.nodata
            out[missing] = self.nodata
        elif self.mask is not None:
            out[:, ~valid] = 0              # masked out; a plain value rather than an invented one
        elif self.nan_if_invalid and not valid.all():
            out[:, ~valid] = np.nan
            self.wrote_invalid = True
        # All bands in one call: GDAL then fills each (pixel-interleaved) block once; band by band it would
        # revisit every block once per band.  GDAL converts the integral float values to the output type.
        self.ds.WriteArray(out, int(x0), int(y0))
        if self.mask is not None:
            self.mask.WriteArray(valid.astype(np.uint8) * np.uint8(255), int(x0), int(y0))

    def flush(self) -> None:
        """Compress and write the finished blocks now, so they do not pile up in GDAL's block cache."""
        self.ds.FlushCache()

    def describe_bands(self, descriptions: list[str], metadata: list[dict], scales: list, offsets: list) -> None:
        """Band names, band metadata (wavelength, fwhm ...) and value scaling copied from the LR input."""
        for b, (desc, md, scale, offset) in enumerate(zip(descriptions, metadata, scales, offsets)):
            band = self.ds.GetRasterBand(b + 1)
            if scale not in (None, 1.0) or offset not in (None, 0.0):
                # Values multiplied by value_factor: the physical value is still scale * input + offset.
                band.SetScale((scale if scale is not None else 1.0) / self.value_factor)
                band.SetOffset(offset or 0.0)
            if desc:
                band.SetDescription(desc)
            # Statistics of the input band would be wrong for the fused band.
            md = {k: str(v) for k, v in (md or {}).items() if not k.startswith("STATISTICS_")}
            if md:
                band.SetMetadata(md)

    def set_provenance(self, items: dict) -> None:
        self.ds.SetMetadata({f"DEEPPANSHARPEN_{k.upper()}": (v if isinstance(v, str) else json.dumps(v))
                             for k, v in items.items()})

    def commit(self) -> None:
        if self.wrote_invalid:
            for b in range(self.ds.RasterCount):
                self.ds.GetRasterBand(b + 1).SetNoDataValue(float("nan"))
        self.ds.FlushCache()
        self.mask = None
        self.ds = None
        src = self.tmp_path
        if self.cog:
            cog_tmp = self.tmp_path.replace(".part.tif", ".cog.part.tif")
            comp = [f"COMPRESS={self.compression.upper() if self.compression != 'none' else 'NONE'}"]
            gdal.Translate(cog_tmp, src, format="COG", creationOptions=COG_OPTIONS + comp)
            os.remove(src)
            src = cog_tmp
        os.replace(src, self.path)
        for ext in (".aux.xml",):
            if os.path.exists(self.path + ext):
                os.remove(self.path + ext)

    def discard(self) -> None:
        self.mask = None
        self.ds = None
        for p in (self.tmp_path, self.tmp_path.replace(".part.tif", ".cog.part.tif")):
            if os.path.exists(p):
                os.remove(p)
