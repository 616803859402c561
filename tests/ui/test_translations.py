"""Translations: the .ts template covers the dock, menus, installer and input check and is up to date; a
compiled catalogue changes what the dock and the input check say; the plugin loads the user's language."""
import os
import shutil
import subprocess
import sys
from xml.etree import ElementTree

import pytest
from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TS = os.path.join(REPO, "i18n", "deep_pansharpen.ts")
SWAPPED = ("The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the {lr} "
           "pixels ({lr_px:g}{units}) and the {hr} has {hr_count} bands, the {lr} {lr_count}.")


def sources():
    root = ElementTree.parse(TS).getroot()
    return {ctx.findtext("name"): {m.findtext("source") for m in ctx.iter("message")} for ctx in root.iter("context")}


def test_template_is_up_to_date_and_covers_every_part():
    res = subprocess.run([sys.executable, os.path.join(REPO, "scripts", "make_ts.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    texts = sources()["DeepPansharpen"]
    for text in ("Run", "Check inputs", "Details", "Sensor preset",                      # dock
                 "Install deep-learning dependencies…", "Deep Pansharpen: pansharpening and HS-MS fusion",  # menus
                 "PyTorch build", "Offline: use only the wheel folder",                  # installer
                 SWAPPED, "Both rasters are in {value}.", "about {seconds:.0f} s",         # input check (core)
                 "Ready to run.", "Preset guessed from {0}.",                              # verdict
                 "WorldView-2"):                                                           # preset labels
        assert text in texts, text


def compile_catalogue(tmp_path, translations: dict) -> str:
    ts = tmp_path / "deep_pansharpen_de.ts"
    tree = ElementTree.parse(TS)
    for message in tree.getroot().iter("message"):
        source = message.findtext("source")
        if source in translations:
            node = message.find("translation")
            node.text = translations[source]
            node.attrib.pop("type", None)
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    lrelease = shutil.which("lrelease")
    if lrelease is None:
        pytest.skip("lrelease (qttools5-dev-tools) is not installed")
    subprocess.run([lrelease, "-silent", str(ts)], check=True)
    return str(ts.with_suffix(".qm"))


def test_catalogue_translates_the_dock_and_the_input_check(tmp_path, plugin_package, qgis_app, landsat_pair):
    from deep_pansharpen.core.doctor import DoctorRequest, check_inputs
    from deep_pansharpen.ui.dock_form import DockForm
    from deep_pansharpen.ui.doctor_panel import verdict_html
    from deep_pansharpen.ui.i18n import tr_marked
    qm = compile_catalogue(tmp_path, {
        "Run": "Ausführen",
        SWAPPED: "{hr} und {lr} sind wohl vertauscht: {hr}-Pixel {hpx:g}{units}, {lr}-Pixel {lr_px:g}{units}.",
    })
    translator = QTranslator()
    assert translator.load(qm)
    QCoreApplication.installTranslator(translator)
    try:
        assert DockForm().run_button.text() == "Ausführen"
        pan, ms = landsat_pair
        report = check_inputs(DoctorRequest("pansharpen", ms, pan))
        finding = report.findings[0]
        assert finding.message.startswith("The PAN and MS are probably swapped")    # core stays English
        assert tr_marked(finding.message) == "PAN und MS sind wohl vertauscht: PAN-Pixel 30 m, MS-Pixel 15 m."
        assert "vertauscht" in verdict_html(report, "PAN", "MS")[1]
        assert DockForm().check_button.text() == "Check inputs"                      # untranslated: English
    finally:
        QCoreApplication.removeTranslator(translator)
    assert DockForm().run_button.text() == "Run"


def test_plugin_loads_the_users_language(tmp_path, plugin_package, qgis_app, monkeypatch):
    import deep_pansharpen.plugin as plugin_module
    from deep_pansharpen.ui import i18n
    qm = compile_catalogue(tmp_path, {"Install deep-learning dependencies…": "Deep-Learning-Pakete installieren…"})
    plugin_dir = tmp_path / "plugin"
    (plugin_dir / "i18n").mkdir(parents=True)
    shutil.copy(qm, plugin_dir / "i18n" / "deep_pansharpen_de.qm")
    assert i18n.translation_file(str(plugin_dir), "de_DE").endswith("deep_pansharpen_de.qm")
    assert i18n.translation_file(str(plugin_dir), "fr_FR") == ""
    monkeypatch.setattr(plugin_module, "PLUGIN_DIR", str(plugin_dir))
    settings = QgsSettings()
    old = settings.value("locale/userLocale", "")
    settings.setValue("locale/userLocale", "de_DE")
    try:
        plugin = plugin_package.classFactory(None)
        assert plugin.translator is not None
        assert i18n.tr("Install deep-learning dependencies…") == "Deep-Learning-Pakete installieren…"
        plugin.unload()
        assert plugin.translator is None
        assert i18n.tr("Install deep-learning dependencies…") == "Install deep-learning dependencies…"
    finally:
        settings.setValue("locale/userLocale", old)
