"""The dock driven like a user would: pick the demo layers, run in the background, cancel, preview, errors."""
import glob
import os
import time

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (
    Qgis,
    QgsMultiBandColorRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsSettings,
)
from qgis.PyQt.QtCore import Qt

pytestmark = pytest.mark.timeout(300)
RUN_TIMEOUT_MS = 120_000


@pytest.fixture
def dock(qgis_iface, qgis_new_project, dp_provider, ui_modules, qtbot, monkeypatch):
    """A fresh dock with default settings; the dependency probe answers "torch present, no GPU" without
    starting a subprocess."""
    QgsSettings().remove("deep_pansharpen")
    qgis_iface.messageBar().clear_messages()
    probe = ui_modules.dependencies.ProbeResult(versions={"torch": "2.x", "timm": "1.x", "safetensors": "0.x"})
    monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: probe)
    ui_modules.dock._probe_cache.clear()
    d = ui_modules.dock.DeepPansharpenDock(qgis_iface)
    qtbot.addWidget(d)
    d.show()
    yield d
    if d.is_running():
        d.cancel_run()
        qtbot.waitUntil(lambda: not d.is_running(), timeout=RUN_TIMEOUT_MS)
    d.shutdown()
    ui_modules.dock._probe_cache.clear()
    QgsSettings().remove("deep_pansharpen")


def add_layers(*paths):
    layers = [QgsRasterLayer(p, os.path.splitext(os.path.basename(p))[0]) for p in paths]
    assert all(lyr.isValid() for lyr in layers)
    QgsProject.instance().addMapLayers(layers)
    return layers


def choose(dock, hr, lr, method=None, sensor=None, output=None):
    f = dock.form
    f.hr_layer.setLayer(hr)
    f.lr_layer.setLayer(lr)
    if method:
        assert f.select_data(f.method_combo, method)
    if sensor:
        assert f.select_data(f.sensor_combo, sensor)
    f.output_file.setFilePath(str(output) if output else "")


def click_and_wait(qtbot, dock, button):
    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(button, Qt.LeftButton)
    return blocker.args[0]


def expected_output_extent(pan_path, ms_path):
    """PAN pixels whose centres lie strictly inside the MS extent (computed here from the geotransforms)."""
    pan, ms = gdal.Open(pan_path), gdal.Open(ms_path)
    pgt, mgt = pan.GetGeoTransform(), ms.GetGeoTransform()
    cx = pgt[0] + (np.arange(pan.RasterXSize) + 0.5) * pgt[1]
    cy = pgt[3] + (np.arange(pan.RasterYSize) + 0.5) * pgt[5]
    mx0, mx1 = mgt[0], mgt[0] + ms.RasterXSize * mgt[1]
    my1, my0 = mgt[3], mgt[3] + ms.RasterYSize * mgt[5]
    ix = np.flatnonzero((cx > mx0 + 1e-6) & (cx < mx1 - 1e-6))
    iy = np.flatnonzero((cy > my0 + 1e-6) & (cy < my1 - 1e-6))
    xmin, xmax = pgt[0] + ix[0] * pgt[1], pgt[0] + (ix[-1] + 1) * pgt[1]
    ymax, ymin = pgt[3] + iy[0] * pgt[5], pgt[3] + (iy[-1] + 1) * pgt[5]
    return QgsRectangle(xmin, ymin, xmax, ymax), len(ix), len(iy)


def same_rect(a, b, tol=1e-6):
    return all(abs(x - y) <= tol for x, y in ((a.xMinimum(), b.xMinimum()), (a.xMaximum(), b.xMaximum()),
                                              (a.yMinimum(), b.yMinimum()), (a.yMaximum(), b.yMaximum())))


def test_run_adds_true_colour_layer(dock, landsat_pair, tmp_path, qtbot, qgis_iface):
    pan_path, ms_path = landsat_pair
    pan, ms = add_layers(pan_path, ms_path)
    out = tmp_path / "out" / "sharp.tif"
    choose(dock, pan, ms, method="mtf_glp_hpm", sensor="landsat89", output=out)

    assert click_and_wait(qtbot, dock, dock.form.run_button) is True, dock.last_error
    layer = dock.last_layer
    assert layer is not None and layer.id() in QgsProject.instance().mapLayers()
    assert os.path.normpath(layer.source()) == os.path.normpath(str(out))
    assert layer.bandCount() == 4
    assert layer.crs() == pan.crs()
    extent, width, height = expected_output_extent(pan_path, ms_path)
    assert (layer.width(), layer.height()) == (width, height)
    assert same_rect(layer.extent(), extent), (layer.extent().toString(), extent.toString())
    renderer = layer.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (3, 2, 1)   # B4 red, B3, B2
    ce = renderer.redContrastEnhancement()
    assert ce is not None and ce.maximumValue() > ce.minimumValue() > 0      # stretched, not the full 0..65535
    assert dock.form.progress.value() == 100
    assert not glob.glob(str(tmp_path / "out" / "*.part*"))
    assert any("sharp.tif" in m for m in qgis_iface.messageBar().get_messages(Qgis.Success))


def test_cancel_leaves_no_layer_and_no_file(dock, landsat_pair, tmp_path, qtbot, ui_modules, monkeypatch):
    pan, ms = add_layers(*landsat_pair)
    from deep_pansharpen.core.methods import classical_pan

    original = classical_pan.MTFGLPHPM.apply

    def slow_apply(self, tile):
        time.sleep(0.1)
        return original(self, tile)

    monkeypatch.setattr(classical_pan.MTFGLPHPM, "apply", slow_apply)
    out_dir = tmp_path / "cancelled"
    out = out_dir / "never.tif"
    choose(dock, pan, ms, method="mtf_glp_hpm", output=out)
    dock.form.tile_size.setValue(64)                  # 25 tiles of 64 px with a 16 px overlap
    dock.form.overlap.setValue(16)
    layers_before = set(QgsProject.instance().mapLayers())

    with qtbot.waitSignal(dock.run_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        qtbot.mouseClick(dock.form.run_button, Qt.LeftButton)
        assert dock.form.cancel_button.isEnabled() and not dock.form.run_button.isEnabled()
        qtbot.waitUntil(lambda: dock.form.progress.value() >= 20, timeout=RUN_TIMEOUT_MS)
        assert dock.is_running(), "the run finished before it could be cancelled"
        t0 = time.monotonic()
        qtbot.mouseClick(dock.form.cancel_button, Qt.LeftButton)
    stopped_after = time.monotonic() - t0
    assert blocker.args == [False]
    assert stopped_after < 2.0, f"cancel took {stopped_after:.1f} s (tiles take 0.1 s)"
    assert set(QgsProject.instance().mapLayers()) == layers_before
    assert not out.exists()
    assert not out_dir.exists() or not os.listdir(out_dir), os.listdir(out_dir)
    assert dock.last_error == ""
    assert "Cancelled" in dock.form.status.text()
    assert dock.form.run_button.isEnabled() and not dock.form.cancel_button.isEnabled()


def test_temporary_output_when_no_file_is_given(dock, landsat_pair, qtbot, qgis_iface):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, method="brovey")
    assert dock.form.output_parameter() == "TEMPORARY_OUTPUT"
    assert click_and_wait(qtbot, dock, dock.form.run_button) is True, dock.last_error
    assert os.path.exists(dock.last_layer.source())
    # a short name, and the user is told that QGIS deletes the file on exit
    assert dock.last_layer.name() == "Brovey transform pansharpened"
    assert "temporary file that QGIS deletes when it closes" in dock.form.status.text()
    assert any("temporary file" in m for m in qgis_iface.messageBar().messages.get(Qgis.Success, [])), \
        qgis_iface.messageBar().messages


def test_preview_runs_on_the_map_view(dock, landsat_pair, qtbot, qgis_iface):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, method="gsa")
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(pan.crs())
    full = pan.extent()
    view = QgsRectangle(full.xMinimum() + 0.25 * full.width(), full.yMinimum() + 0.25 * full.height(),
                        full.xMinimum() + 0.55 * full.width(), full.yMinimum() + 0.55 * full.height())
    canvas.setExtent(view)
    shown = canvas.extent()
    assert click_and_wait(qtbot, dock, dock.form.preview_button) is True, dock.last_error
    layer = dock.last_layer
    assert layer.name().startswith("Preview")
    assert layer.bandCount() == 4
    e = layer.extent()
    # the whole PAN pixels that cover the visible part of the inputs, nothing more
    visible = shown.intersect(expected_output_extent(pan.source(), ms.source())[0])
    assert e.width() < 0.6 * full.width() or e.height() < 0.6 * full.height()
    assert e.contains(visible) or same_rect(e, visible, 1e-6)
    buffered = visible.buffered(15.0 + 1e-6)
    assert buffered.contains(e), (e.toString(), visible.toString())
    # a second preview replaces the first
    first = layer.id()
    assert click_and_wait(qtbot, dock, dock.form.preview_button) is True
    assert first not in QgsProject.instance().mapLayers()


def test_preview_outside_the_inputs_is_refused(dock, landsat_pair, qtbot, qgis_iface):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms)
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(pan.crs())
    canvas.setExtent(QgsRectangle(0, 0, 1000, 1000))
    dock.start_preview()
    assert not dock.is_running()
    assert any("map view" in m for m in qgis_iface.messageBar().get_messages(Qgis.Warning))


def test_hsms_mode_runs_the_hsms_algorithm(dock, jasper_pair, tmp_path, qtbot):
    msi, hsi = add_layers(*jasper_pair)
    f = dock.form
    assert f.select_data(f.task_combo, "hsms")
    assert f.lr_label.text().startswith("LR-HSI") and f.hr_bands.isVisibleTo(f) and not f.hr_band.isVisibleTo(f)
    assert f.method() == "mtf_glp_hs"
    choose(dock, msi, hsi, output=tmp_path / "fused.tif")
    assert click_and_wait(qtbot, dock, f.run_button) is True, dock.last_error
    assert dock.last_layer.bandCount() == 198
    assert isinstance(dock.last_layer.renderer(), QgsMultiBandColorRenderer)


def test_run_error_goes_to_message_bar_and_log(dock, landsat_pair, tmp_path, qtbot, qgis_iface, monkeypatch):
    pan, ms = add_layers(*landsat_pair)
    from deep_pansharpen.core.errors import InputError
    from deep_pansharpen.core.methods import classical_pan

    def broken(self, tile):
        raise InputError("Simulated failure in a tile.")

    monkeypatch.setattr(classical_pan.AWLP, "apply", broken)
    out = tmp_path / "failed.tif"
    choose(dock, pan, ms, method="awlp", output=out)
    layers_before = set(QgsProject.instance().mapLayers())
    assert click_and_wait(qtbot, dock, dock.form.run_button) is False
    assert "Simulated failure in a tile." in dock.last_error
    assert any("Simulated failure" in m for m in qgis_iface.messageBar().get_messages(Qgis.Critical))
    assert set(QgsProject.instance().mapLayers()) == layers_before
    assert not out.exists()


def test_run_is_refused_when_the_doctor_finds_errors(dock, landsat_pair, tmp_path, qgis_iface):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, sensor="wv3", output=tmp_path / "x.tif")     # WorldView-3 expects 8 MS bands
    dock.start_run()
    assert not dock.is_running()
    assert dock.last_report.has_errors
    assert any("WorldView-3" in m for m in qgis_iface.messageBar().get_messages(Qgis.Warning))
    assert "problem(s) to fix" in dock.form.doctor_view.toPlainText()


def test_band_choice_is_passed_to_the_algorithm(dock, landsat_pair, tmp_path, qtbot):
    pan, ms = add_layers(*landsat_pair)
    choose(dock, pan, ms, method="brovey", output=tmp_path / "rgb.tif")
    f = dock.form
    for band in (1, 2, 3):
        f.lr_bands.setItemCheckState(band - 1, Qt.Checked)
    params = dock.parameters(pan.source(), ms.source(), "x.tif")
    assert params["MS_BANDS"] == [1, 2, 3] and params["PAN_BAND"] == 1
    # the dock passes the choices' ids, as a script or model would
    assert (params["METHOD"], params["OUTPUT_TYPE"], params["COMPRESSION"], params["DEVICE"]) == \
        ("brovey", "same", "deflate", dock.form.device())
    assert params["SENSOR"] == dock.form.sensor() and isinstance(params["SENSOR"], str)
    assert click_and_wait(qtbot, dock, f.run_button) is True, dock.last_error
    assert dock.last_layer.bandCount() == 3


def test_layers_are_guessed_when_added(dock, landsat_pair):
    pan, ms = add_layers(*landsat_pair)
    assert dock.form.hr_layer.currentLayer() is pan
    assert dock.form.lr_layer.currentLayer() is ms


def test_device_chooser_shows_the_gpu_name(qgis_iface, qgis_new_project, dp_provider, ui_modules, qtbot,
                                           monkeypatch):
    probe = ui_modules.dependencies.ProbeResult(versions={"torch": "2", "timm": "1", "safetensors": "0"},
                                                cuda=True, gpu_name="NVIDIA Test GPU")
    monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: probe)
    ui_modules.dock._probe_cache.clear()
    d = ui_modules.dock.DeepPansharpenDock(qgis_iface)
    qtbot.addWidget(d)
    d.ensure_probe()
    combo = d.form.device_combo
    qtbot.waitUntil(lambda: "NVIDIA Test GPU" in combo.itemText(combo.findData("cuda")), timeout=10_000)
    d.shutdown()
    ui_modules.dock._probe_cache.clear()
