"""The bundled 4-band samples (blue, green, red, NIR) carry a default style, so QGIS shows them in natural
colour (red = band 3) instead of its default band 1-2-3 (blue in the red channel)."""
import pathlib
import shutil

import pytest

SAMPLE = pathlib.Path(__file__).resolve().parents[2] / "resources" / "sample"


@pytest.mark.parametrize("name", ["landsat8_ms_B2-B5_30m", "worldview2_ms_BGRN_2m"])
def test_sample_opens_in_natural_colour(qgis_app, tmp_path, name):
    from qgis.core import QgsRasterLayer

    plain = tmp_path / "plain"
    styled = tmp_path / "styled"
    plain.mkdir()
    styled.mkdir()
    shutil.copy(SAMPLE / f"{name}.tif", plain)
    shutil.copy(SAMPLE / f"{name}.tif", styled)
    shutil.copy(SAMPLE / f"{name}.qml", styled)
    bands = {}
    for folder in (plain, styled):
        layer = QgsRasterLayer(str(folder / f"{name}.tif"), name)
        assert layer.isValid()
        r = layer.renderer()
        bands[folder.name] = (r.type(), r.redBand(), r.greenBand(), r.blueBand())
    assert bands["plain"] == ("multibandcolor", 1, 2, 3)       # QGIS's default, without the style file
    assert bands["styled"] == ("multibandcolor", 3, 2, 1)
