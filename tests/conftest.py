import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

# --- plugin tests (tests/plugin) ---------------------------------------------------------------------
# QGIS imports the plugin as the package ``deep_pansharpen`` (its folder name); the plugin uses relative
# imports only.  Here the repository root is loaded under that name with importlib (no symlink needed),
# while ``core`` stays importable as a top-level package for tests/core (the sys.path line above).
import importlib.util  # noqa: E402
import shutil  # noqa: E402

import pytest  # noqa: E402

from core import shared_data  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
PLUGIN_PACKAGE = "deep_pansharpen"
SHARED = pathlib.Path(shared_data.SHARED)
DEMO = SHARED / "data" / "demo"
DEMO_PAN = DEMO / "landsat8_pan_B8_15m.tif"
DEMO_MS = DEMO / "landsat8_ms_B2-B5_30m.tif"


def import_plugin_package(name: str = PLUGIN_PACKAGE):
    """Import the repository root as the package ``name`` (as QGIS does with the plugin folder)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(
        name, REPO / "__init__.py", submodule_search_locations=[str(REPO)])
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


@pytest.fixture(scope="session")
def plugin_package():
    return import_plugin_package()


@pytest.fixture(scope="session")
def dp_provider(qgis_processing, plugin_package):
    """The "Deep Pansharpen" provider, registered once per session like QGIS does it (classFactory + initProcessing)."""
    from qgis.core import QgsApplication

    plugin = plugin_package.classFactory(None)
    plugin.initProcessing()
    provider = QgsApplication.processingRegistry().providerById("deeppansharpen")
    assert provider is not None, "initProcessing() did not register the provider 'deeppansharpen'"
    yield provider
    plugin.unload()


@pytest.fixture(scope="session")
def demo_pair(tmp_path_factory):
    """Copies of the Landsat 8 demo PAN/MS pair (QGIS writes .aux.xml statistics next to the rasters it
    opens; the shared data must stay untouched)."""
    if not (DEMO_PAN.exists() and DEMO_MS.exists()):
        pytest.fail(f"demo data not found in {DEMO} (set DEEP_PANSHARPEN_SHARED to the shared/ folder)")
    d = tmp_path_factory.mktemp("demo")
    return str(shutil.copy(DEMO_PAN, d)), str(shutil.copy(DEMO_MS, d))
