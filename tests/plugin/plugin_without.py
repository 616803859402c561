"""Running the plugin in a fresh QGIS process in which some packages cannot be imported (as on a QGIS
installed without them): the child script's side (:func:`start_plugin_without`) and the test's side
(:func:`run_child`)."""
import importlib.abc
import importlib.util
import json
import os
import pathlib
import subprocess
import sys

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[1]


class _Blocker(importlib.abc.MetaPathFinder):
    def __init__(self, blocked):
        self.blocked = set(blocked)

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in self.blocked:
            raise ModuleNotFoundError(f"No module named '{name}'", name=name)
        return None


def start_plugin_without(blocked, repo):
    """In the child: make the ``blocked`` top-level packages unimportable, start QGIS and Processing, and load
    the plugin folder ``repo`` as QGIS does (package deep_pansharpen); returns (app, plugin)."""
    sys.meta_path.insert(0, _Blocker(blocked))
    for mod in list(sys.modules):
        if mod.split(".")[0] in blocked:
            del sys.modules[mod]
    for name in blocked:
        try:
            importlib.import_module(name)
            raise SystemExit(f"{name} is still importable")
        except ImportError:
            pass
    from qgis.core import QgsApplication
    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing
    Processing.initialize()
    spec = importlib.util.spec_from_file_location("deep_pansharpen", repo + "/__init__.py",
                                                  submodule_search_locations=[repo])
    pkg = importlib.util.module_from_spec(spec)
    sys.modules["deep_pansharpen"] = pkg
    spec.loader.exec_module(pkg)
    plugin = pkg.classFactory(None)
    plugin.initProcessing()
    return app, plugin


def run_child(code, tmp_path, *args):
    """In the test: run ``code`` (which may ``from plugin_without import start_plugin_without``) in a new
    Python with argv ``repo, *args``; returns (completed process, the dict it printed after 'RESULT ' or None)."""
    script = tmp_path / "child.py"
    script.write_text(code)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(tmp_path / "settings"),
               PYTHONPATH=os.pathsep.join([str(HERE)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    res = subprocess.run([sys.executable, str(script), str(REPO), *map(str, args)], env=env,
                         capture_output=True, text=True, timeout=240)
    lines = [ln for ln in res.stdout.splitlines() if ln.startswith("RESULT ")]
    return res, (json.loads(lines[-1][len("RESULT "):]) if lines else None)
