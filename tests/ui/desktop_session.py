"""Runs INSIDE QGIS Desktop (qgis --code this_file), started by test_desktop.py under xvfb-run.

Opens the Deep Pansharpen dock through its toolbar action, then does the runs listed in DP_RUNS (JSON), one
after the other: "dock" runs fill the dock's form and press Run (background task, result layer added by
the dock); "processing" runs call processing.runAndLoadResults in this QGIS process.  Then it zooms to the
last result, saves a screenshot of the main window and a JSON summary, and quits QGIS.  Everything is event
driven (QTimer / signals): the script must return quickly so that QGIS's event loop runs.

A run: {"via": "dock" | "processing", "task": "pansharpen" | "hsms", "method": id, "hr": path, "lr": path,
"output": path, "sensor": id (optional), "params": {extra Processing parameters} (optional)}.
"""
import json
import os
import sys
import traceback

from qgis.core import QgsApplication, QgsCoordinateTransform, QgsProject, QgsRasterLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

RESULT = {"ok": False, "steps": [], "runs": [], "python_executable": sys.executable}
TIMEOUT_MS = int(os.environ.get("DP_TIMEOUT_MS", "150000"))
RUNS = json.loads(os.environ["DP_RUNS"])
_state = {"next": 0}


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


def layer_summary(layer):
    e = layer.extent()
    return {"name": layer.name(), "source": layer.source(), "bands": layer.bandCount(), "width": layer.width(),
            "height": layer.height(), "extent": [e.xMinimum(), e.yMinimum(), e.xMaximum(), e.yMaximum()],
            "renderer": layer.renderer().type() if layer.renderer() else None,
            "in_project": layer.id() in QgsProject.instance().mapLayers()}


@guarded
def start():
    win = iface.mainWindow()
    win.resize(1440, 900)
    win.showMaximized()
    plugin = plugins.get("deep_pansharpen")
    if plugin is None:
        raise RuntimeError("plugin deep_pansharpen is not loaded; loaded: " + ", ".join(plugins))
    step("plugin loaded")
    from deep_pansharpen.core import dependencies, triton_block

    chosen = dependencies.python_executable()
    info = dependencies._interpreter_info(chosen)
    RESULT["installer_python"] = chosen
    RESULT["installer_python_matches"] = bool(
        info and info[0] == "{}.{}".format(*sys.version_info[:2])
        and os.path.realpath(info[2]) == os.path.realpath(sys.base_prefix))
    # the conditions that crashed QGIS: Mesa's LLVM in this process, and whether triton is kept out
    RESULT["llvm_loaded"] = triton_block.loaded_llvm_libraries()
    RESULT["triton_blocked"] = triton_block.is_blocked()
    plugin.dock_action.trigger()
    dock = plugin.dock
    if dock is None or dock.isHidden():
        raise RuntimeError("the toolbar action did not open the dock")
    step("dock opened")
    _state["dock"] = dock
    dock.run_finished.connect(on_dock_finished)
    QTimer.singleShot(0, next_run)


@guarded
def next_run():
    i = _state["next"]
    if i >= len(RUNS):
        zoom_and_screenshot()
        return
    _state["next"] = i + 1
    run = RUNS[i]
    RESULT["runs"].append({"spec": run, "steps": []})
    if run["via"] == "dock":
        dock_run(run)
    else:
        processing_run(run)


def run_step(text):
    RESULT["runs"][-1]["steps"].append(text)


def add_inputs(run):
    layers = [QgsRasterLayer(run["hr"], f"{run['task']} high-res input"),
              QgsRasterLayer(run["lr"], f"{run['task']} low-res input")]
    QgsProject.instance().addMapLayers(layers)
    return layers


def dock_run(run):
    dock = _state["dock"]
    f = dock.form
    f.select_data(f.task_combo, run["task"])
    hr, lr = add_inputs(run)
    f.hr_layer.setLayer(hr)
    f.lr_layer.setLayer(lr)
    if not f.select_data(f.method_combo, run["method"]):
        raise RuntimeError(f"method {run['method']} is not offered by the dock")
    if run.get("sensor"):
        f.select_data(f.sensor_combo, run["sensor"])
    if f.adapt_check.isEnabled():
        f.adapt_check.setChecked(bool(run.get("adapt", False)))
    f.output_file.setFilePath(run["output"])
    iface.mapCanvas().setExtent(hr.extent())
    report = dock.check_inputs_now()
    RESULT["runs"][-1]["report"] = [(x.level, x.message) for x in report.findings] if report else None
    f.run_button.click()
    run_step("run started" if dock.is_running() else "run did not start: " + dock.last_error)
    if not dock.is_running():
        raise RuntimeError("the dock did not start the run: " + dock.last_error)


@guarded
def on_dock_finished(added):
    dock = _state["dock"]
    layer = dock.last_layer
    if not added or layer is None:
        raise RuntimeError("no result layer: " + dock.last_error)
    RESULT["runs"][-1]["layer"] = layer_summary(layer)
    run_step("result added")
    _state["last_layer"] = layer
    QTimer.singleShot(0, next_run)


def enum_value(alg, name, value, ids):
    """The value of enum parameter ``name`` for choice ``value``: the id itself where the parameter uses
    static strings, else its index in ``ids``."""
    param = alg.parameterDefinition(name)
    uses_strings = getattr(param, "usesStaticStrings", lambda: False)()
    return value if uses_strings else ids.index(value)


def processing_run(run):
    import processing
    from deep_pansharpen.core.methods import method_names

    alg_id = {"pansharpen": "deeppansharpen:pansharpen", "hsms": "deeppansharpen:hsmsfusion"}[run["task"]]
    hr_name, lr_name = {"pansharpen": ("PAN", "MS"), "hsms": ("MSI", "HSI")}[run["task"]]
    alg = QgsApplication.processingRegistry().algorithmById(alg_id)
    params = {hr_name: run["hr"], lr_name: run["lr"], "OUTPUT": run["output"],
              "METHOD": enum_value(alg, "METHOD", run["method"], method_names(run["task"]))}
    params.update(run.get("params", {}))
    run_step("processing.run started")
    results = processing.runAndLoadResults(alg_id, params)
    run_step("processing.run returned")
    out = os.path.realpath(results["OUTPUT"])
    layers = [lay for lay in QgsProject.instance().mapLayers().values()
              if os.path.realpath(lay.source().split("|")[0]) == out]
    if not layers:
        raise RuntimeError(f"processing.runAndLoadResults did not add {out} to the project")
    RESULT["runs"][-1]["layer"] = layer_summary(layers[0])
    run_step("result added")
    _state["last_layer"] = layers[0]
    QTimer.singleShot(0, next_run)


def zoom_and_screenshot():
    step("runs done")
    layer = _state.get("last_layer")
    canvas = iface.mapCanvas()
    canvas.mapCanvasRefreshed.connect(lambda: QTimer.singleShot(1500, screenshot))
    if layer is not None:
        # the layer's extent is in its own CRS; the canvas may be in another (the first layer's)
        to_canvas = QgsCoordinateTransform(layer.crs(), canvas.mapSettings().destinationCrs(),
                                           QgsProject.instance())
        e = to_canvas.transformBoundingBox(layer.extent())
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
    canvas_path = path[:-4] + "_canvas.png"
    ok = ok and iface.mapCanvas().grab().save(canvas_path, "PNG")
    RESULT["screenshot"], RESULT["canvas_screenshot"] = (path, canvas_path) if ok else (None, None)
    step("screenshot saved" if ok else "screenshot failed")
    finish(ok, "" if ok else "could not save the screenshot")


QTimer.singleShot(TIMEOUT_MS, lambda: finish(False, "timed out inside QGIS"))
QTimer.singleShot(2000, start)
