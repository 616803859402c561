"""Without SciPy (Debian's QGIS does not depend on python3-scipy) the plugin loads, the toolbox shows why
the algorithms cannot run, and running one gives one plain sentence, not an import traceback."""
import textwrap

import pytest

from plugin_without import run_child

CHILD = textwrap.dedent(r'''
    import json, sys
    from plugin_without import start_plugin_without

    repo, pan, ms, out = sys.argv[1:5]
    app, plugin = start_plugin_without({"scipy"}, repo)
    from qgis.core import QgsApplication, QgsProcessingException
    registry = QgsApplication.processingRegistry()
    alg = registry.algorithmById("deeppansharpen:pansharpen")
    can, why = alg.canExecute()
    import processing
    from qgis.core import QgsProcessingFeedback

    class Recorder(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.errors = []
        def reportError(self, error, fatalError=False):
            self.errors.append(error)

    errors = {}
    for alg_id, params in (("deeppansharpen:pansharpen", {"PAN": pan, "MS": ms, "OUTPUT": out}),
                           ("deeppansharpen:degrade", {"PAN": pan, "MS": ms, "OUTPUT_PAN": out + ".p.tif",
                                                       "OUTPUT_MS": out + ".m.tif",
                                                       "OUTPUT_REFERENCE": out + ".r.tif"}),
                           ("deeppansharpen:assess", {"FUSED": ms, "PAN": pan, "MS": ms})):
        feedback = Recorder()
        try:
            processing.run(alg_id, params, feedback=feedback)
            errors[alg_id] = None
        except QgsProcessingException as exc:
            # checkParameterValues answers in the exception; prepareAlgorithm through the feedback
            errors[alg_id] = " ".join([str(exc)] + feedback.errors)
    from deep_pansharpen.core.doctor import DoctorRequest, check_inputs
    report = check_inputs(DoctorRequest("pansharpen", pan, ms, method="gsa", method_label="GSA"))
    from deep_pansharpen.core.errors import MissingDependency
    try:
        from deep_pansharpen.core import engine  # noqa: F401
        engine_error = None
    except MissingDependency as exc:
        engine_error = str(exc)
    print("RESULT " + json.dumps({
        "algorithms": len(registry.providerById("deeppansharpen").algorithms()),
        "can_execute": can, "why": why, "errors": errors, "engine_error": engine_error,
        "doctor": [(f.level, f.message, f.fix) for f in report.get("dependencies")],
        "scipy_loaded": any(m.split(".")[0] == "scipy" for m in sys.modules),
    }))
    plugin.unload()
    app.exitQgis()
''')


@pytest.mark.timeout(300)
def test_without_scipy_every_path_says_so_plainly(demo_pair, tmp_path):
    pan, ms = demo_pair
    out = tmp_path / "no_scipy.tif"
    res, r = run_child(CHILD, tmp_path, pan, ms, out)
    assert res.returncode == 0 and r is not None, res.stdout[-3000:] + res.stderr[-3000:]
    assert r["algorithms"] >= 5 and not r["scipy_loaded"]
    assert r["can_execute"] is False and "python3-scipy" in r["why"]
    for alg_id, message in r["errors"].items():
        assert message and "SciPy" in message and "python3-scipy" in message, (alg_id, message)
        assert "Traceback" not in message and "No module named" not in message
    assert r["engine_error"] and "python3-scipy" in r["engine_error"]
    assert [lvl for lvl, _m, _f in r["doctor"]] == ["error"] and "python3-scipy" in r["doctor"][0][2]
    assert not out.exists()
