"""Without torch/timm the plugin still loads, registers its provider and runs a classical method."""
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from plugin_checks import check_pansharpened

REPO = pathlib.Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(r'''
    import importlib.abc, importlib.util, json, sys

    BLOCKED = {"torch", "torchvision", "timm"}

    class BlockDeepLearning(importlib.abc.MetaPathFinder):
        """Make torch, torchvision and timm unimportable, as on a QGIS without them."""
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named '{name}'", name=name)
            return None

    sys.meta_path.insert(0, BlockDeepLearning())
    for mod in list(sys.modules):
        if mod.split(".")[0] in BLOCKED:
            del sys.modules[mod]
    try:
        import torch  # noqa: F401
        raise SystemExit("torch is still importable")
    except ImportError:
        pass

    repo, pan, ms, out = sys.argv[1:5]
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing
    Processing.initialize()

    # import the plugin folder as QGIS does, under its folder name
    spec = importlib.util.spec_from_file_location("deep_pansharpen", repo + "/__init__.py",
                                                  submodule_search_locations=[repo])
    pkg = importlib.util.module_from_spec(spec)
    sys.modules["deep_pansharpen"] = pkg
    spec.loader.exec_module(pkg)

    plugin = pkg.classFactory(None)
    plugin.initProcessing()
    provider = QgsApplication.processingRegistry().providerById("deeppansharpen")
    import processing
    result = processing.run("deeppansharpen:pansharpen", {
        "PAN": pan, "MS": ms, "METHOD": "mtf_glp_hpm", "OUTPUT": out})
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED and sys.modules[m] is not None)
    print("RESULT " + json.dumps({
        "provider": provider.name() if provider else None,
        "algorithms": [a.id() for a in provider.algorithms()] if provider else [],
        "output": result["OUTPUT"],
        "deep_modules_loaded": loaded,
    }))
    plugin.unload()
    app.exitQgis()
''')


@pytest.mark.timeout(300)
def test_plugin_works_without_torch_and_timm(demo_pair, tmp_path):
    pan, ms = demo_pair
    out = tmp_path / "no_torch.tif"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "settings"))
    res = subprocess.run([sys.executable, str(script), str(REPO), pan, ms, str(out)], env=env,
                         capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stdout + res.stderr
    line = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    assert line, res.stdout + res.stderr
    info = json.loads(line[-1][len("RESULT "):])
    assert info["provider"] == "Deep Pansharpen"
    assert "deeppansharpen:pansharpen" in info["algorithms"]
    assert info["deep_modules_loaded"] == []
    assert info["output"] == str(out)
    check_pansharpened(out, pan, ms)
