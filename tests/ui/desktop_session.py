"""Runs INSIDE QGIS Desktop (qgis --code this_file), started by test_desktop.py under xvfb-run.

Opens the Deep Pansharpen dock through its toolbar action, loads the demo layers, runs, waits for the
background task, zooms to the result, saves a screenshot of the main window and a JSON summary, then quits
QGIS.  Paths come from DP_* environment variables.  Everything is event driven (QTimer / signals): the
script must return quickly so that QGIS's event loop runs.
"""
import json
import os
import sys
import traceback

from qgis.core import QgsApplication, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

RESULT = {"ok": False, "steps": [], "python_executable": sys.executable}
TIMEOUT_MS = int(os.environ.get("DP_TIMEOUT_MS", "150000"))
_state = {}


def step(text):
    RESULT["steps"].append(text)


def finish(ok, error=""):
    if _state.get("done"):
        return
    _state["done"] = True
    RESULT["ok"], RESULT["error"] = ok, error
    with open(os.environ["DP_RESULT_JSON"], "w", encoding="utf-8") as fh:
        json.dump(RESULT, fh, indent=2)
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(300, lambda: QgsApplication.exit(0 if ok else 1))


def guarded(fn):
    def wrapper(*args):
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - reported through the JSON file
            finish(False, traceback.format_exc())
    return wrapper


@guarded
def start():
    win = iface.mainWindow()
    win.resize(1440, 900)
    win.showMaximized()
    plugin = plugins.get("deep_pansharpen")
    if plugin is None:
        raise RuntimeError("plugin deep_pansharpen is not loaded; loaded: " + ", ".join(plugins))
    step("plugin loaded")
    from deep_pansharpen.core import dependencies

    chosen = dependencies.python_executable()
    info = dependencies._interpreter_info(chosen)
    RESULT["installer_python"] = chosen
    RESULT["installer_python_matches"] = bool(
        info and info[0] == "%d.%d" % sys.version_info[:2]
        and os.path.realpath(info[2]) == os.path.realpath(sys.base_prefix))
    plugin.dock_action.trigger()
    dock = plugin.dock
    if dock is None or dock.isHidden():
        raise RuntimeError("the toolbar action did not open the dock")
    step("dock opened")
    layers = [QgsRasterLayer(os.environ[k], n) for k, n in (("DP_PAN", "Landsat 8 PAN (B8, 15 m)"),
                                                             ("DP_MS", "Landsat 8 MS (B2-B5, 30 m)"))]
    QgsProject.instance().addMapLayers(layers)
    f = dock.form
    f.hr_layer.setLayer(layers[0])
    f.lr_layer.setLayer(layers[1])
    f.select_data(f.method_combo, "mtf_glp_hpm")
    f.select_data(f.sensor_combo, "landsat89")
    f.output_file.setFilePath(os.environ["DP_OUTPUT_TIF"])
    iface.mapCanvas().setExtent(layers[0].extent())
    RESULT["report"] = [(x.level, x.message) for x in dock.check_inputs_now().findings]
    dock.run_finished.connect(on_finished)
    _state["dock"] = dock
    f.run_button.click()
    step("run started" if dock.is_running() else "run did not start: " + dock.last_error)


@guarded
def on_finished(added):
    dock = _state["dock"]
    layer = dock.last_layer
    RESULT["added"] = bool(added)
    if not added or layer is None:
        raise RuntimeError("no result layer: " + dock.last_error)
    e = layer.extent()
    RESULT["layer"] = {"name": layer.name(), "bands": layer.bandCount(), "width": layer.width(),
                       "height": layer.height(), "extent": [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()],
                       "renderer": layer.renderer().type(), "in_project": layer.id() in QgsProject.instance().mapLayers()}
    step("result added")
    canvas = iface.mapCanvas()
    canvas.mapCanvasRefreshed.connect(lambda: QTimer.singleShot(1500, screenshot))
    canvas.setExtent(e.buffered(e.width() * 0.02))
    canvas.refresh()


@guarded
def screenshot():
    if _state.get("shot"):
        return
    _state["shot"] = True
    QgsApplication.processEvents()
    path = os.environ["DP_SCREENSHOT"]
    ok = iface.mainWindow().grab().save(path, "PNG")
    RESULT["screenshot"] = path if ok else None
    step("screenshot saved" if ok else "screenshot failed")
    finish(ok, "" if ok else "could not save the screenshot")


QTimer.singleShot(TIMEOUT_MS, lambda: finish(False, "timed out inside QGIS"))
QTimer.singleShot(2000, start)
