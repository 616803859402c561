"""Sensor presets: band names, MTF Nyquist gains, resolution ratio and radiometric depth.

MTF gains (amplitude of the MTF at the MS Nyquist frequency) for QuickBird, IKONOS, GeoEye-1,
WorldView-2 and WorldView-3 are those of the V21 toolbox (genMTF.m / MTF_PAN.m, see
docs/methods_metrics.md section 1.1).  For Pleiades, SPOT-6/7, GaoFen-2, Landsat-8/9 and
Sentinel-2 the toolbox has no entry; we use its "otherwise" values, 0.3 per MS band and 0.15 for
the PAN, rather than quote numbers we could not trace to a published MTF measurement.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .errors import InputError

# BT-H haze fractions of the 1st percentile for 4-band B, G, R, NIR sensors (BroveyRegHazeMin.m).
HAZE_BGRN = (0.95, 0.45, 0.40, 0.05)
_BGRN = ("blue", "green", "red", "NIR")
_WV8 = ("coastal", "blue", "green", "yellow", "red", "red edge", "NIR1", "NIR2")


@dataclass(frozen=True)
class SensorPreset:
    name: str                               # identifier, e.g. "wv3"
    label: str                              # shown to the user
    band_names: tuple[str, ...]             # expected MS band order; empty = any
    gnyq_ms: tuple[float, ...]              # one MTF Nyquist gain per MS band
    gnyq_pan: float
    ratio: int                              # PAN pixels per MS pixel
    bit_depth: int                          # radiometric depth of the delivered DN
    haze_coeffs: tuple[float, ...] | None = None   # BT-H haze fractions, None = band minimum
    notes: str = ""

    @property
    def n_bands(self) -> int:
        return len(self.gnyq_ms)

    @property
    def value_max(self) -> float:
        return float(2 ** self.bit_depth - 1)


def _bgrn(name, label, gains, pan, ratio, bits, notes=""):
    return SensorPreset(name, label, _BGRN, tuple(gains), pan, ratio, bits, HAZE_BGRN, notes)


_DEFAULT = "MTF gains: toolbox defaults (0.3 MS, 0.15 PAN); no documented sensor values."
# HS-MS fusion: the high-resolution image is a multispectral sensor, so its MTF gain is an MS band's default,
# not the PAN's (0.15 made the reduced-resolution MSI blurrier than the HSI it is paired with).
HSMS_MSI_GAIN = 0.3

SENSORS: dict[str, SensorPreset] = {p.name: p for p in [
    SensorPreset("generic", "Generic (MTF gain 0.3 per band, PAN 0.15)", (), (0.3,), 0.15, 4, 16,
                 notes="Any band count; ratio and depth come from the data."),
    SensorPreset("wv2", "WorldView-2", _WV8, (0.35,) * 7 + (0.27,), 0.11, 4, 11),
    SensorPreset("wv3", "WorldView-3", _WV8,
                 (0.325, 0.355, 0.360, 0.350, 0.365, 0.360, 0.335, 0.315), 0.14, 4, 11),
    _bgrn("qb", "QuickBird", (0.34, 0.32, 0.30, 0.22), 0.15, 4, 11),
    _bgrn("ikonos", "IKONOS", (0.26, 0.28, 0.29, 0.28), 0.17, 4, 11),
    _bgrn("geoeye1", "GeoEye-1", (0.23,) * 4, 0.16, 4, 11),
    # Pleiades products are often delivered R, G, B, NIR: reorder the bands to B, G, R, NIR.
    _bgrn("pleiades", "Pleiades 1A/1B", (0.3,) * 4, 0.15, 4, 12, _DEFAULT),
    _bgrn("spot67", "SPOT-6/7", (0.3,) * 4, 0.15, 4, 12, _DEFAULT),
    _bgrn("gf2", "GaoFen-2", (0.3,) * 4, 0.15, 4, 10, _DEFAULT + " (V21 'otherwise' branch, doc 1.1)"),
    # OLI: 15 m PAN (B8, 0.50-0.68 um, no NIR) / 30 m MS; Level-1 DN are 12-bit (L8) or 14-bit (L9)
    # quantisations delivered rescaled in 16-bit integers, hence 16.
    SensorPreset("landsat89", "Landsat-8/9 OLI (B2-B5, PAN B8)", ("B2 blue", "B3 green", "B4 red", "B5 NIR"),
                 (0.3,) * 4, 0.15, 2, 16, HAZE_BGRN, _DEFAULT),
    # Sentinel-2 has no PAN band: this preset sharpens the four 10 m bands with a 2x finer HR band.
    # Values are reflectance x 10000 in 16-bit integers.
    SensorPreset("sentinel2", "Sentinel-2 MSI (B02, B03, B04, B08)", ("B02 blue", "B03 green", "B04 red", "B08 NIR"),
                 (0.3,) * 4, 0.15, 2, 16, HAZE_BGRN, _DEFAULT),
    # 4-band WorldView-2 products (SpaceNet 6, many archives): the B, G, R, NIR1 bands of the 8-band preset.
    # Appended last: toolbox models store the preset by its position in this list.
    _bgrn("wv2_bgrn", "WorldView-2, 4 bands (B, G, R, NIR1)", (0.35,) * 4, 0.11, 4, 11),
]}

_ALIASES = {
    "worldview-2": "wv2", "worldview2": "wv2", "worldview-3": "wv3", "worldview3": "wv3",
    "quickbird": "qb", "geoeye-1": "geoeye1", "geoeye": "geoeye1", "wv4": "geoeye1",
    "pleiades 1a/1b": "pleiades", "pléiades": "pleiades", "spot-6/7": "spot67", "spot6": "spot67",
    "spot7": "spot67", "gaofen-2": "gf2", "gaofen2": "gf2", "landsat-8/9": "landsat89",
    "landsat8": "landsat89", "landsat9": "landsat89", "landsat": "landsat89", "sentinel-2": "sentinel2",
    "s2": "sentinel2", "none": "generic", "worldview-2 4 bands": "wv2_bgrn",
}


def get_sensor(name: str) -> SensorPreset:
    """The preset called ``name`` (identifier, label or common spelling, case-insensitive)."""
    key = (name or "generic").strip().lower()
    key = _ALIASES.get(key, key)
    if key not in SENSORS:
        for preset in SENSORS.values():
            if preset.label.lower() == key:
                return preset
        raise InputError(f"Unknown sensor preset '{name}'. Available: {', '.join(p.label for p in SENSORS.values())}")
    return SENSORS[key]


def preset_for_bands(name: str, n_bands: int) -> SensorPreset:
    """The preset with one MS gain per band for an MS of ``n_bands`` bands.

    The generic preset fits any band count; a named preset must match its own band count.
    """
    preset = get_sensor(name)
    if preset.name == "generic":
        return dataclasses.replace(preset, gnyq_ms=(preset.gnyq_ms[0],) * n_bands,
                                   haze_coeffs=HAZE_BGRN if n_bands == 4 else None)
    if n_bands != preset.n_bands:
        raise InputError(
            f"The {preset.label} preset expects {preset.n_bands} MS bands ({', '.join(preset.band_names)}); "
            f"the MS has {n_bands}. Choose the bands in this order, or use the generic preset.")
    return preset
