"""Fixtures for the dock tests: the plugin package, the provider, and copies of the bundled Landsat 8 sample
(QGIS writes .aux.xml files next to rasters it opens, so the originals are never used directly)."""
import importlib
import pathlib
import shutil

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SAMPLE = REPO / "resources" / "sample"


@pytest.fixture
def landsat_pair(tmp_path):
    d = tmp_path / "inputs"
    d.mkdir()
    pan = shutil.copy(SAMPLE / "landsat8_pan_B8_15m.tif", d)
    ms = shutil.copy(SAMPLE / "landsat8_ms_B2-B5_30m.tif", d)
    return str(pan), str(ms)


@pytest.fixture
def jasper_pair(tmp_path):
    d = tmp_path / "hsms"
    d.mkdir()
    msi = shutil.copy(SAMPLE / "jasper_ridge_msi_s2_30m.tif", d)
    hsi = shutil.copy(SAMPLE / "jasper_ridge_lrhsi_120m.tif", d)
    return str(msi), str(hsi)


@pytest.fixture
def ui_modules(plugin_package):
    """The plugin's ui and core modules, imported as QGIS imports them (package deep_pansharpen)."""
    names = ("ui.dock", "ui.settings", "ui.result_layer", "ui.method_catalog", "ui.preview_clip",
             "ui.dependency_dialog", "core.doctor", "core.dependencies", "core.methods")
    mods = {n: importlib.import_module(f"deep_pansharpen.{n}") for n in names}
    return type("Modules", (), {n.split(".")[-1]: m for n, m in mods.items()})
