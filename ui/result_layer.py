"""Adding a fused raster to the map with a true-colour rendering and a contrast stretch."""
from __future__ import annotations

import os
import re
from collections.abc import Sequence

from qgis.core import (
    QgsContrastEnhancement,
    QgsMultiBandColorRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsRasterMinMaxOrigin,
)

from ..core.sensors import get_sensor
from .i18n import tr

_COLOURS = ("red", "green", "blue")
_WAVELENGTH_NM = {"red": 650.0, "green": 555.0, "blue": 480.0}
_WORD = {c: re.compile(rf"\b{c}\b", re.IGNORECASE) for c in _COLOURS}


def _wavelength_nm(meta: dict) -> float | None:
    try:
        value = float(meta.get("wavelength"))
    except (TypeError, ValueError):
        return None
    units = str(meta.get("wavelength_units", "")).lower()
    return value * 1000.0 if units.startswith("micro") or value < 3.0 else value


def true_colour_bands(names: Sequence[str], wavelengths: Sequence[float | None] = ()) -> tuple[int, int, int] | None:
    """1-based (red, green, blue) band numbers, from band names ("B4 red"), else from wavelengths (nearest
    to 650 / 555 / 480 nm), else by band count (4 bands: B, G, R, NIR; 8 bands: the WorldView order;
    3 bands: R, G, B).  None for fewer than 3 bands."""
    n = len(names) or len(wavelengths)
    if n < 3:
        return None
    found = {}
    for colour in _COLOURS:
        hits = [i for i, name in enumerate(names) if name and _WORD[colour].search(name)]
        if len(hits) == 1:
            found[colour] = hits[0] + 1
    if len(found) == 3:
        return found["red"], found["green"], found["blue"]
    known = [(i, w) for i, w in enumerate(wavelengths) if w]
    if len(known) >= 3:
        pick = [min(known, key=lambda iw: abs(iw[1] - _WAVELENGTH_NM[c]))[0] + 1 for c in _COLOURS]
        if len(set(pick)) == 3:
            return tuple(pick)
    if n == 4 or n == 5:
        return 3, 2, 1
    if n == 8:
        return 5, 3, 2
    return (1, 2, 3) if n == 3 else (3, 2, 1)


def band_names_for(layer: QgsRasterLayer, sensor: str) -> list[str]:
    """The preset's band names when it has one band name per output band, else the file's band names."""
    count = layer.bandCount()
    try:
        preset = get_sensor(sensor)
        if len(preset.band_names) == count:
            return list(preset.band_names)
    except ValueError:
        pass
    return [layer.bandName(b) for b in range(1, count + 1)]


def apply_true_colour(layer: QgsRasterLayer, sensor: str = "generic", wavelengths: Sequence = ()) -> bool:
    """Red/green/blue from the preset (or band names / wavelengths), 2-98 % cumulative-cut stretch."""
    rgb = true_colour_bands(band_names_for(layer, sensor), wavelengths)
    if rgb is None:
        layer.setContrastEnhancement(QgsContrastEnhancement.StretchToMinimumMaximum,
                                     QgsRasterMinMaxOrigin.CumulativeCut)
        return False
    renderer = QgsMultiBandColorRenderer(layer.dataProvider(), *rgb)
    layer.setRenderer(renderer)
    layer.setContrastEnhancement(QgsContrastEnhancement.StretchToMinimumMaximum, QgsRasterMinMaxOrigin.CumulativeCut)
    return True


def add_result_layer(path: str, name: str, sensor: str = "generic") -> QgsRasterLayer | None:
    layer = QgsRasterLayer(path, name, "gdal")
    if not layer.isValid():
        return None
    from osgeo import gdal  # band metadata (wavelength) is not exposed by the QGIS provider

    ds = gdal.Open(path)
    wavelengths = []
    if ds is not None:
        wavelengths = [_wavelength_nm(ds.GetRasterBand(b).GetMetadata() or {}) for b in range(1, ds.RasterCount + 1)]
        ds = None
    apply_true_colour(layer, sensor, wavelengths)
    # On top of the layer tree: QGIS would insert it at the selected layer, possibly under an older result.
    project = QgsProject.instance()
    project.addMapLayer(layer, False)
    project.layerTreeRoot().insertLayer(0, layer)
    return layer


def short_method_label(label: str) -> str:
    """"GSA (adaptive Gram-Schmidt)" -> "GSA": the label without its explanation in parentheses."""
    return label.split(" (")[0].strip() or label


def result_layer_name(kind: str, task: str, method_label: str, path: str, temporary: bool) -> str:
    """Short layer names: "Preview GSA", "GSA pansharpened" / "MTF-GLP-HS fused" for a temporary output, the
    file name (as QGIS names Processing outputs) when the user chose one."""
    short = short_method_label(method_label)
    if kind == "preview":
        return tr("Preview {0}").format(short)
    if not temporary and path:
        return os.path.splitext(os.path.basename(path))[0]
    return (tr("{0} pansharpened") if task == "pansharpen" else tr("{0} fused")).format(short)
