"""Without torch/timm the plugin still loads, registers its provider and runs a classical method."""
import textwrap

import pytest

from plugin_checks import check_pansharpened
from plugin_without import run_child

CHILD = textwrap.dedent(r'''
    import json, sys
    from plugin_without import start_plugin_without

    BLOCKED = {"torch", "torchvision", "timm"}
    repo, pan, ms, out = sys.argv[1:5]
    app, plugin = start_plugin_without(BLOCKED, repo)
    from qgis.core import QgsApplication
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
    res, info = run_child(CHILD, tmp_path, pan, ms, out)
    assert res.returncode == 0, res.stdout + res.stderr
    assert info is not None, res.stdout + res.stderr
    assert info["provider"] == "Deep Pansharpen"
    assert "deeppansharpen:pansharpen" in info["algorithms"]
    assert info["deep_modules_loaded"] == []
    assert info["output"] == str(out)
    check_pansharpened(out, pan, ms)
