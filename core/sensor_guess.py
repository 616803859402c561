"""Guessing the sensor preset of a PAN / MS pair from what the files say: their metadata (SPACECRAFT_ID,
SATELLITEID, ...), their names (LC08_..., landsat8_..., WV02..., wv2...), and for Landsat-8/9 the band count
and pixel sizes (4 bands at 30 m with a 15 m PAN).  Used by the dock when the user has not chosen a preset."""
from __future__ import annotations

import os
import re

from osgeo import gdal

from .sensors import SENSORS

# (pattern on lower-case names and metadata values, preset); the first match wins
_PATTERNS = [
    (r"landsat[_\- ]?[89]|\blc0[89]|(^|[_\-])l[89]([_\-]|$)", "landsat89"),
    (r"worldview[_\- ]?2|\bwv[_\-]?0?2|(^|[_\-])wv2", "wv2"),
    (r"worldview[_\- ]?3|\bwv[_\-]?0?3|(^|[_\-])wv3", "wv3"),
    (r"geoeye|\bge0?1", "geoeye1"),
    (r"quickbird|\bqb0?2", "qb"),
    (r"ikonos", "ikonos"),
    (r"pl[eé]iades|\bphr1[ab]", "pleiades"),
    (r"spot[_\- ]?[67]", "spot67"),
    (r"gaofen[_\- ]?2|\bgf[_\-]?2", "gf2"),
]
_METADATA_KEYS = ("SPACECRAFT_ID", "SPACECRAFT", "SATELLITE", "SATELLITEID", "SATELLITE_ID", "SENSOR",
                  "SENSOR_ID", "PLATFORM", "MISSION", "TIFFTAG_IMAGEDESCRIPTION")


def _match(text: str) -> str | None:
    text = text.lower()
    for pattern, preset in _PATTERNS:
        if re.search(pattern, text):
            return preset
    return None


# A sensor delivered with fewer bands than its main preset has its own preset for them.
_BAND_SUBSETS = {("wv2", 4): "wv2_bgrn"}


def _for_bands(name: str | None, n_bands: int) -> str | None:
    return _BAND_SUBSETS.get((name, n_bands), name)


def guess_sensor(pan_path: str, ms_path: str, ms_band_count: int | None = None) -> tuple[str, str] | None:
    """(preset name, why) or None when nothing points at one preset that fits the MS band count."""
    pan_ds, ms_ds = gdal.Open(pan_path), gdal.Open(ms_path)
    if pan_ds is None or ms_ds is None:
        return None
    n_bands = ms_band_count or ms_ds.RasterCount

    def fits(name: str) -> bool:          # a preset for another band count would only be an error
        return SENSORS[name].n_bands == n_bands

    for ds in (ms_ds, pan_ds):
        meta = ds.GetMetadata() or {}
        for key in _METADATA_KEYS:
            value = meta.get(key)
            name = _for_bands(_match(str(value)), n_bands) if value else None
            if name and fits(name):
                return name, f"the file metadata ({key}={value})"
    for path in (ms_path, pan_path):
        name = _for_bands(_match(os.path.basename(path)), n_bands)
        if name and fits(name):
            return name, f"the file name {os.path.basename(path)}"
    # Landsat-8/9 OLI: the only common sensor with 30 m MS and a 15 m PAN
    mgt, pgt = ms_ds.GetGeoTransform(), pan_ds.GetGeoTransform()
    if n_bands == 4 and abs(abs(mgt[1]) - 30) < 0.5 and abs(abs(pgt[1]) - 15) < 0.25:
        return "landsat89", "4 bands at 30 m with a 15 m PAN"
    return None
