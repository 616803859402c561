"""The dock's verdict above Run, problems ordered by cause, result layers on top with short names, no stale
state, the sensor preset guessed, the dock reopened after a restart."""
import os
from unittest import mock

from qgis.core import Qgis, QgsLayerTreeRegistryBridge, QgsProject, QgsSettings
from qgis.PyQt.QtCore import QPoint, Qt

from test_dock import add_layers, choose, click_and_wait, dock  # noqa: F401 (the fixture)

SCREEN_DOCK_SIZE = (380, 600)     # a right-hand dock on a 1366 x 768 screen, below QGIS's menus and toolbars


def viewport_rect(dock, widget):
    """(top, bottom) of ``widget`` in the dock's content, and the content's visible height."""
    body = dock.widget()
    top = widget.mapTo(body, QPoint(0, 0)).y()
    return top, top + widget.height(), body.height()


def test_verdict_sits_above_run_and_is_on_screen(dock, landsat_pair, qtbot):
    dock.resize(*SCREEN_DOCK_SIZE)
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, method="gsa")
    dock.check_inputs_now()
    qtbot.wait(50)
    f = dock.form
    v_top, v_bottom, height = viewport_rect(dock, f.verdict)
    r_top, r_bottom, _ = viewport_rect(dock, f.run_button)
    assert v_bottom <= r_top and r_bottom <= height, (v_top, v_bottom, r_top, r_bottom, height)
    assert "Ready to run" in f.verdict.text() and not f.check_details.isVisible()
    qtbot.mouseClick(f.details_button, Qt.LeftButton)            # expands the full list in place
    assert f.check_details.isVisible() and "Ready to run." in f.doctor_view.toPlainText()
    qtbot.wait(50)
    d_top, d_bottom, height = viewport_rect(dock, f.check_details)
    assert d_bottom <= viewport_rect(dock, f.run_button)[0] and viewport_rect(dock, f.run_button)[1] <= height


def test_swapped_layers_are_reported_first_and_once(dock, landsat_pair, qgis_iface):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, ms, pan, method="gsa", sensor="landsat89")
    f = dock.form
    assert not dock._ready()
    warning = qgis_iface.messageBar().get_messages(Qgis.Warning)[-1]
    assert "probably swapped" in warning and "preset" not in warning
    assert "probably swapped" in f.verdict.text() and "more)" not in f.verdict.text()
    assert [x.code for x in dock.last_report.findings if x.level == "error"] == ["ratio"]


def test_jpg_output_fails_the_check_not_the_run(dock, landsat_pair, tmp_path, qgis_iface):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, method="gsa", output=tmp_path / "result.jpg")
    report = dock.check_inputs_now()
    (finding,) = [x for x in report.findings if x.level == "error"]
    assert finding.code == "output" and ".tif" in finding.message
    assert "GeoTIFF" in dock.form.verdict.text() and ".tif extension" in dock.form.verdict.toolTip()
    assert not dock._ready() and ".tif" in qgis_iface.messageBar().get_messages(Qgis.Warning)[-1]
    assert not os.path.exists(tmp_path / "result.jpg")


def test_results_go_on_top_with_short_names(dock, landsat_pair, tmp_path, qtbot):
    pan, ms = add_layers(*landsat_pair)
    root = QgsProject.instance().layerTreeRoot()
    # QGIS inserts new layers where the user's selection is: here under every layer
    bridge = QgsProject.instance().layerTreeRegistryBridge()
    bridge.setLayerInsertionPoint(QgsLayerTreeRegistryBridge.InsertionPoint(root, len(root.children())))
    choose(dock, pan, ms, method="gsa", output=tmp_path / "sharp_gsa.tif")
    assert click_and_wait(qtbot, dock, dock.form.run_button) is True, dock.last_error
    first = dock.last_layer
    assert root.children()[0].layerId() == first.id() and first.name() == "sharp_gsa"
    choose(dock, pan, ms, method="brovey", output=tmp_path / "sharp_brovey.tif")
    assert click_and_wait(qtbot, dock, dock.form.run_button) is True, dock.last_error
    assert [c.layerId() for c in root.children()[:2]] == [dock.last_layer.id(), first.id()]
    assert "temporary" not in dock.form.status.text()


def test_mode_or_method_change_clears_the_last_run(dock, landsat_pair, tmp_path, qtbot):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, method="gsa", output=tmp_path / "a.tif")
    assert click_and_wait(qtbot, dock, dock.form.run_button) is True, dock.last_error
    f = dock.form
    assert f.progress.value() == 100 and f.status.text().startswith("Done")
    assert f.select_data(f.method_combo, "brovey")
    assert f.progress.value() == 0 and f.status.text() == ""
    assert click_and_wait(qtbot, dock, dock.form.run_button) is True, dock.last_error
    assert f.progress.value() == 100
    f.select_data(f.task_combo, "hsms")
    assert f.progress.value() == 0 and f.status.text() == ""


def test_adaptation_budget_follows_the_switch_and_shares_the_default(dock, dp_provider):
    from deep_pansharpen.core.methods.base import DEFAULT_ADAPT_SECONDS
    from qgis.core import QgsApplication
    f = dock.form
    alg = QgsApplication.processingRegistry().algorithmById("deeppansharpen:pansharpen")
    assert f.adapt_seconds.value() == DEFAULT_ADAPT_SECONDS == 120
    assert alg.parameterDefinition("ADAPT_SECONDS").defaultValue() == DEFAULT_ADAPT_SECONDS
    assert f.select_data(f.method_combo, "panadapter")
    assert f.adapt_check.isEnabled() and not f.adapt_check.isChecked()
    assert not f.adapt_seconds.isEnabled()
    f.adapt_check.setChecked(True)
    assert f.adapt_seconds.isEnabled()
    f.adapt_check.setChecked(False)
    assert not f.adapt_seconds.isEnabled()
    f.adapt_check.setChecked(True)
    assert f.select_data(f.method_combo, "gsa")              # classical: no adaptation at all
    assert not f.adapt_check.isEnabled() and not f.adapt_seconds.isEnabled()


def test_remembered_hsms_mode_does_not_take_landsat_layers(qgis_iface, qgis_new_project, dp_provider, ui_modules,
                                                           qtbot, monkeypatch, landsat_pair):
    QgsSettings().remove("deep_pansharpen")
    QgsSettings().setValue("deep_pansharpen/task", "hsms")
    monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: ui_modules.dependencies.ProbeResult())
    pan, ms = add_layers(*landsat_pair)
    d = ui_modules.dock.DeepPansharpenDock(qgis_iface)
    qtbot.addWidget(d)
    try:
        f = d.form
        assert f.task() == "hsms"
        assert f.hr_layer.currentLayer() is None and f.lr_layer.currentLayer() is None
        assert d.check_inputs_now() is None and "Ready" not in f.verdict.text()
        f.hr_layer.setLayer(pan)                              # chosen by hand: refused with the reason
        f.lr_layer.setLayer(ms)
        report = d.check_inputs_now()
        assert report.has_errors and "single band" in f.verdict.text()
    finally:
        d.shutdown()
        QgsSettings().remove("deep_pansharpen")


def test_sensor_preset_is_guessed_for_the_landsat_sample(dock, landsat_pair):
    f = dock.form
    assert f.sensor() == "generic"
    add_layers(*landsat_pair)                                 # the dock picks the layers and the preset
    assert f.hr_layer.currentLayer() is not None and f.sensor() == "landsat89"
    assert f.sensor_note.isVisibleTo(f) and "landsat8_ms_B2-B5_30m.tif" in f.sensor_note.text()
    assert not dock.check_inputs_now().has_errors


def test_sensor_guess_rules(tmp_path, landsat_pair):
    import shutil

    from deep_pansharpen.core.sensor_guess import guess_sensor
    from osgeo import gdal
    pan, ms = landsat_pair
    assert guess_sensor(pan, ms)[0] == "landsat89"
    assert guess_sensor(pan, ms, ms_band_count=3) is None        # the preset needs the 4 bands
    plain_pan, plain_ms = str(shutil.copy(pan, tmp_path / "a.tif")), str(shutil.copy(ms, tmp_path / "b.tif"))
    assert guess_sensor(plain_pan, plain_ms) == ("landsat89", "4 bands at 30 m with a 15 m PAN")
    ds = gdal.Open(str(plain_ms), gdal.GA_Update)
    gt = list(ds.GetGeoTransform())
    gt[1], gt[5] = 2.0, -2.0
    ds.SetGeoTransform(gt)
    ds.SetMetadataItem("SATELLITEID", "GE01")
    ds = None
    assert guess_sensor(plain_pan, plain_ms) == ("geoeye1", "the file metadata (SATELLITEID=GE01)")


def test_dock_is_reopened_after_a_restart(qgis_iface, dp_provider, plugin_package, monkeypatch, ui_modules):
    monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: ui_modules.dependencies.ProbeResult())
    for name in ("addDockWidget", "removeDockWidget", "addToolBarIcon", "removeToolBarIcon",
                 "addPluginToRasterMenu", "removePluginRasterMenu"):
        monkeypatch.setattr(qgis_iface, name, mock.MagicMock(name=name))
    QgsSettings().remove("deep_pansharpen")

    def session(action=None):
        plugin = plugin_package.classFactory(qgis_iface)
        plugin.initGui()
        opened = plugin.dock is not None and not plugin.dock.isHidden()
        if action == "open":
            plugin.dock_action.trigger()
        elif action == "close":
            plugin.dock.close()
        plugin.unload()                                        # QGIS quits: unload must not count as closing
        return opened

    try:
        assert session("open") is False
        assert session() is True                               # restart: open again
        assert session("close") is True
        assert session() is False                              # closed by the user: stays closed
    finally:
        QgsSettings().remove("deep_pansharpen")


ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", "artifacts")


def test_screenshots_at_1366x768(dock, landsat_pair, tmp_path, qtbot):
    """The dock in a 1366 x 768 main window (menus and toolbars take about 110 px in QGIS): ready, swapped
    with the details open, after a run.  The PNGs go to tests/artifacts/ for a person to look at."""
    from qgis.PyQt.QtWidgets import QLabel, QMainWindow
    window = QMainWindow()
    window.resize(1366, 768 - 110)
    canvas = QLabel("map canvas")
    canvas.setAlignment(Qt.AlignCenter)
    window.setCentralWidget(canvas)
    window.addDockWidget(Qt.RightDockWidgetArea, dock)
    window.resizeDocks([dock], [380], Qt.Horizontal)
    window.show()
    qtbot.addWidget(window)
    os.makedirs(ARTIFACTS, exist_ok=True)
    pan, ms = add_layers(*landsat_pair)
    f = dock.form

    def shot(name):
        qtbot.wait(100)
        run_bottom = f.run_button.mapTo(window, QPoint(0, f.run_button.height())).y()
        verdict_top = f.verdict.mapTo(window, QPoint(0, 0)).y()
        assert verdict_top < run_bottom <= window.height(), (name, verdict_top, run_bottom, window.height())
        assert window.grab().save(os.path.join(ARTIFACTS, f"dock_{name}.png"))

    choose(dock, pan, ms, method="gsa")
    dock.check_inputs_now()
    shot("ready")
    choose(dock, ms, pan, method="gsa")
    dock.check_inputs_now()
    f.details_button.setChecked(True)
    shot("swapped_details")
    f.details_button.setChecked(False)
    choose(dock, pan, ms, method="gsa")
    assert click_and_wait(qtbot, dock, f.run_button) is True, dock.last_error
    shot("after_run")
    window.removeDockWidget(dock)          # the dock fixture closes the dock itself
    dock.setParent(None)
