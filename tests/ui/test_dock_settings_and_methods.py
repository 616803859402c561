"""Settings persistence, the method list (deep methods appear without being imported), true-colour band
choice, and the plugin's toolbar / menu wiring."""
import sys
import textwrap
from unittest import mock

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import Qt


@pytest.fixture
def make_dock(qgis_iface, qgis_new_project, dp_provider, ui_modules, qtbot, monkeypatch):
    docks = []

    def make(probe=None):
        probe = probe or ui_modules.dependencies.ProbeResult(versions={"torch": "2", "timm": "1", "safetensors": "0"})
        monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: probe)
        ui_modules.dock._probe_cache.clear()
        d = ui_modules.dock.DeepPansharpenDock(qgis_iface)
        qtbot.addWidget(d)
        docks.append(d)
        return d

    QgsSettings().remove("deep_pansharpen")
    yield make
    for d in docks:
        d.shutdown()
    ui_modules.dock._probe_cache.clear()
    QgsSettings().remove("deep_pansharpen")


def test_settings_round_trip(make_dock, ui_modules):
    d = make_dock()
    f = d.form
    assert f.tile_size.value() == 1024 and f.method() == "auto"     # defaults
    assert f.select_data(f.method_combo, "gsa")
    assert f.select_data(f.sensor_combo, "landsat89")
    assert f.select_data(f.device_combo, "cpu")
    f.tile_size.setValue(512)
    f.overlap.setValue(48)
    f.output_type.setCurrentIndex(4)
    f.cog_check.setChecked(True)
    f.compression.setCurrentIndex(2)
    f.adapt_seconds.setValue(90)
    f.advanced.setCollapsed(False)
    f.output_file.setFilePath("/tmp/somewhere/out.tif")
    assert f.select_data(f.task_combo, "hsms")
    assert f.select_data(f.method_combo, "hs_exp")
    d.save_settings()

    s = QgsSettings()
    assert s.value("deep_pansharpen/tile_size") in (512, "512")
    assert s.value("deep_pansharpen/method_pansharpen") == "gsa"

    e = make_dock()
    g = e.form
    assert g.task() == "hsms" and g.method() == "hs_exp"
    assert (g.sensor(), g.device()) == ("landsat89", "cpu")
    assert (g.tile_size.value(), g.overlap.value(), g.output_type.currentIndex()) == (512, 48, 4)
    assert g.cog_check.isChecked() and g.adapt_seconds.value() == 90 and not g.advanced.isCollapsed()
    assert g.compression.currentIndex() == 2 and g.compression.count() == 3
    assert ui_modules.settings.DockSettings.load().last_output_folder == "/tmp/somewhere"
    assert g.select_data(g.task_combo, "pansharpen")
    assert g.method() == "gsa"                           # remembered per task


@pytest.fixture
def fake_deep_method(tmp_path, monkeypatch, plugin_package):
    """A deep method registered as PanAdapter / INFN are: one registry entry; its module imports torch."""
    pkg = tmp_path / "dp_fake_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "deep.py").write_text(textwrap.dedent('''
        import torch  # noqa: F401  (a deep method imports torch at module level)

        from deep_pansharpen.core.methods.base import FusionMethod

        class FakeNet(FusionMethod):
            name = "fakenet"
            tile_threads = 1

            def apply(self, tile):
                raise RuntimeError("never run")
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    from deep_pansharpen.core.methods import registry

    monkeypatch.setitem(registry.METHODS, "fakenet", registry.MethodSpec(
        "fakenet", "FakeNet", "pansharpen", "A pretend network for the dock tests.", "dp_fake_pkg.deep:FakeNet",
        needs_torch=True, trained_on="WorldView-3 (8 bands), Landsat-8", seconds_per_mp_band=2.5))
    yield "fakenet"
    sys.modules.pop("dp_fake_pkg.deep", None)


def test_deep_method_is_listed_without_importing_it(make_dock, fake_deep_method, ui_modules, qtbot):
    info = ui_modules.method_catalog.method_info("fakenet")
    assert info.needs_torch and info.trained_on.startswith("WorldView-3") and info.seconds_per_mp_band == 2.5
    assert info.description == "A pretend network for the dock tests."
    classical = ui_modules.method_catalog.method_info("brovey")
    assert not classical.needs_torch and classical.description

    missing = ui_modules.dependencies.ProbeResult(errors={"torch": "ModuleNotFoundError", "timm": "x"})
    d = make_dock(probe=missing)
    f = d.form
    i = f.method_combo.findData("fakenet")
    assert i >= 0 and "deep learning" in f.method_combo.itemText(i)
    assert "dp_fake_pkg.deep" not in sys.modules
    assert not f.device_combo.isEnabled()                       # classical method selected
    width_classical = f.minimumSizeHint().width()
    f.method_combo.setCurrentIndex(i)
    assert "WorldView-3 (8 bands), Landsat-8" in f.method_info.text()
    assert f.device_combo.isEnabled()
    qtbot.waitUntil(lambda: f.install_button.isVisibleTo(f), timeout=10_000)
    assert "torch" in f.deps_label.text() and f.deps_frame.isVisibleTo(f)
    # the banner and the long description must not widen the dock (it has no horizontal scroll bar)
    assert f.minimumSizeHint().width() <= width_classical
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().algorithmById("deeppansharpen:pansharpen")
    assert f.adapt_check.isEnabled() == (alg.parameterDefinition("ADAPT") is not None)
    assert "dp_fake_pkg.deep" not in sys.modules
    qtbot.mouseClick(f.install_button, Qt.LeftButton)
    dialog = d._installer_dialog
    assert isinstance(dialog, ui_modules.dependency_dialog.DependencyDialog) and dialog.isVisible()
    assert dialog.install_button.isEnabled() and not dialog.is_running()      # nothing starts by itself
    dialog.close()
    # with a classical method chosen again the banner goes away
    f.method_combo.setCurrentIndex(f.method_combo.findData("brovey"))
    assert not f.deps_frame.isVisibleTo(f)


def test_deep_method_without_packages_is_refused(make_dock, fake_deep_method, ui_modules, landsat_pair,
                                                 qgis_iface, qtbot):
    from qgis.core import Qgis, QgsProject, QgsRasterLayer

    missing = ui_modules.dependencies.ProbeResult(errors={"torch": "ModuleNotFoundError"})
    d = make_dock(probe=missing)
    d.ensure_probe()
    qtbot.waitUntil(lambda: "result" in ui_modules.dock._probe_cache, timeout=10_000)
    pan, ms = [QgsRasterLayer(p, n) for p, n in zip(landsat_pair, ("pan", "ms"))]
    QgsProject.instance().addMapLayers([pan, ms])
    d.form.hr_layer.setLayer(pan)
    d.form.lr_layer.setLayer(ms)
    d.form.method_combo.setCurrentIndex(d.form.method_combo.findData("fakenet"))
    d.start_run()
    assert not d.is_running()
    assert [f.level for f in d.last_report.get("dependencies")] == ["error"]
    assert any("torch" in m for m in qgis_iface.messageBar().get_messages(Qgis.Warning))


def test_true_colour_band_choice(ui_modules):
    pick = ui_modules.result_layer.true_colour_bands
    assert pick(["B2 blue", "B3 green", "B4 red", "B5 NIR"]) == (3, 2, 1)
    assert pick(["Band 1: red", "Band 2: green", "Band 3: blue"]) == (1, 2, 3)
    wv = ["coastal", "blue", "green", "yellow", "red", "red edge", "NIR1", "NIR2"]
    assert pick(wv) == (5, 3, 2)                         # "red edge" does not count as red
    assert pick([""] * 6, [443, 490, 560, 665, 705, 740]) == (4, 3, 2)
    assert pick(["a", "b", "c", "d"]) == (3, 2, 1)
    assert pick(["pan"]) is None


def test_plugin_adds_and_removes_toolbar_button_menu_and_dock(qgis_iface, dp_provider, plugin_package,
                                                              monkeypatch, ui_modules):
    monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: ui_modules.dependencies.ProbeResult())
    calls = {name: mock.MagicMock(name=name) for name in (
        "addToolBarIcon", "removeToolBarIcon", "addPluginToRasterMenu", "removePluginRasterMenu",
        "addDockWidget", "removeDockWidget")}
    for name, m in calls.items():
        monkeypatch.setattr(qgis_iface, name, m)
    plugin = plugin_package.classFactory(qgis_iface)
    plugin.initGui()
    try:
        action = plugin.dock_action
        assert action.text() == "Deep Pansharpen" and not action.icon().isNull()
        calls["addToolBarIcon"].assert_called_once_with(action)
        menus = [c.args for c in calls["addPluginToRasterMenu"].call_args_list]
        assert ("Deep Pansharpen", action) in menus and len(menus) == 2
        assert plugin.dock is None                        # built on first use
        action.trigger()
        assert plugin.dock is not None and not plugin.dock.isHidden()
        assert calls["addDockWidget"].call_args.args[0] == Qt.RightDockWidgetArea
        dock = plugin.dock
    finally:
        plugin.unload()
    assert plugin.dock is None and plugin.actions == []
    calls["removeDockWidget"].assert_called_once_with(dock)
    assert calls["removeToolBarIcon"].call_count == 2 and calls["removePluginRasterMenu"].call_count == 2
