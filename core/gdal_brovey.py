"""GDAL's own pansharpening (weighted Brovey, what QGIS's gdal:pansharp runs), for side-by-side comparison.

Built as a VRTPansharpenedDataset in memory and translated to a GeoTIFF, so it needs no QGIS and no
gdal_pansharpen.py script.
"""
from __future__ import annotations

import os
import uuid
from xml.sax.saxutils import escape

from osgeo import gdal

from .errors import InputError
from .raster_io import describe, open_raster


def gdal_brovey(pan_path: str, ms_path: str, output_path: str, ms_bands: list[int] | None = None,
                pan_band: int = 1, weights: list[float] | None = None, resampling: str = "Cubic") -> str:
    """Write GDAL's weighted Brovey fusion of ``ms_path`` by ``pan_path`` (equal weights by default)."""
    ms_info = describe(open_raster(ms_path, "MS"), ms_path, "MS")
    open_raster(pan_path, "PAN")
    bands = ms_bands or list(range(1, ms_info.count + 1))
    weights = weights or [1.0 / len(bands)] * len(bands)
    spectral = "".join(
        f'<SpectralBand dstBand="{i + 1}"><SourceFilename relativeToVRT="0">{escape(os.path.abspath(ms_path))}'
        f"</SourceFilename><SourceBand>{b}</SourceBand></SpectralBand>" for i, b in enumerate(bands))
    xml = (
        '<VRTDataset subClass="VRTPansharpenedDataset"><PansharpeningOptions>'
        "<Algorithm>WeightedBrovey</Algorithm>"
        f"<AlgorithmOptions><Weights>{','.join(f'{w:.8g}' for w in weights)}</Weights></AlgorithmOptions>"
        f"<Resampling>{resampling}</Resampling><NumThreads>ALL_CPUS</NumThreads>"
        "<SpatialExtentAdjustment>Intersection</SpatialExtentAdjustment>"
        f'<PanchroBand><SourceFilename relativeToVRT="0">{escape(os.path.abspath(pan_path))}</SourceFilename>'
        f"<SourceBand>{pan_band}</SourceBand></PanchroBand>{spectral}"
        "</PansharpeningOptions></VRTDataset>")
    try:
        vrt = gdal.Open(xml)
    except RuntimeError as exc:
        raise InputError(f"GDAL could not pansharpen this pair: {exc}") from None
    folder = os.path.dirname(os.path.abspath(output_path))
    tmp = os.path.join(folder, f".{os.path.basename(output_path)}.{uuid.uuid4().hex[:8]}.part.tif")
    try:
        gdal.Translate(tmp, vrt, format="GTiff",
                       creationOptions=["TILED=YES", "COMPRESS=DEFLATE", "BIGTIFF=IF_SAFER"])
        os.replace(tmp, output_path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return output_path
