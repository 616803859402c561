"""The dependency installer: pip command line, protection of QGIS's packages, verification by a subprocess
import, cancel, and the dialog — with small local wheels instead of downloading torch."""
import base64
import hashlib
import os
import stat
import sys
import threading
import time
import zipfile

import numpy
import pytest
from osgeo import gdal

from core import dependencies as deps

pytestmark = pytest.mark.timeout(300)


def make_wheel(folder, name, version, files, requires=()):
    """A minimal pure-Python wheel (what `pip wheel` would build) in ``folder``."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    entries = dict(files)
    entries[f"{info}/METADATA"] = (f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
                                   + "".join(f"Requires-Dist: {r}\n" for r in requires))
    entries[f"{info}/WHEEL"] = "Wheel-Version: 1.0\nGenerator: dp-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    record = []
    for path, text in entries.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(data)}")
    record.append(f"{info}/RECORD,,")
    entries[f"{info}/RECORD"] = "\n".join(record) + "\n"
    path = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name_in_zip, text in entries.items():
            zf.writestr(name_in_zip, text)
    return path


@pytest.fixture
def wheelhouse(tmp_path):
    """dummy-dp-pkg 0.1 (needs numpy), 0.2 (needs numpy>=99, impossible), broken-dp-pkg, and a stand-in
    numpy wheel of the running version, so that pip resolves offline."""
    w = tmp_path / "wheels"
    w.mkdir()
    make_wheel(w, "dummy-dp-pkg", "0.1", {"dummy_dp_pkg/__init__.py": "__version__ = '0.1'\nimport numpy\n"},
               requires=["numpy"])
    make_wheel(w, "dummy-dp-pkg", "0.2", {"dummy_dp_pkg/__init__.py": "__version__ = '0.2'\n"},
               requires=["numpy>=99"])
    make_wheel(w, "broken-dp-pkg", "1.0", {"broken_dp_pkg/__init__.py": "raise ImportError('DLL load failed')\n"})
    make_wheel(w, "numpy", numpy.__version__, {"numpy/__init__.py": "__version__ = 'stand-in'\n"})
    return w


def requirements(tmp_path, *lines):
    p = tmp_path / f"req_{abs(hash(lines))}.txt"
    p.write_text("# test requirements\n" + "\n".join(lines) + "\n")
    return str(p)


def offline(wheelhouse):
    return deps.InstallOptions(find_links=str(wheelhouse), no_index=True)


def test_deps_dir_and_sys_path(tmp_path):
    d = deps.deps_dir("/profiles/default/", (3, 11))
    assert d.replace("\\", "/") == "/profiles/default/python/deep_pansharpen_deps/py3.11"
    folder = tmp_path / "deps"
    assert deps.add_to_sys_path(str(folder)) is False                 # does not exist
    folder.mkdir()
    try:
        assert deps.add_to_sys_path(str(folder)) is True
        assert sys.path[0] == str(folder)
        assert deps.add_to_sys_path(str(folder)) is False
    finally:
        sys.path.remove(str(folder))


def test_python_executable_skips_a_foreign_python_on_path(tmp_path, monkeypatch):
    """In QGIS on Linux sys.executable is the first python3 on PATH (here: a pyenv shim of another Python)."""
    shim = tmp_path / "shims" / "python3"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 3.99; echo /elsewhere; echo /elsewhere\n")
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(sys, "executable", str(shim))
    deps.python_executable.cache_clear()
    try:
        chosen = deps.python_executable()
        assert chosen != str(shim)
        info = deps._interpreter_info(chosen)
        assert info[0] == "{}.{}".format(*sys.version_info[:2])
        assert os.path.realpath(info[1]) == os.path.realpath(sys.prefix)
    finally:
        deps.python_executable.cache_clear()


def test_pip_command_and_constraints(tmp_path):
    pins = deps.protected_pins()
    assert pins["numpy"] == numpy.__version__
    assert pins["GDAL"] == gdal.__version__
    assert "PyQt5" in pins
    constraints = deps.write_constraints(str(tmp_path / "c.txt"), pins)
    lines = open(constraints).read().splitlines()
    assert f"numpy=={numpy.__version__}" in lines and f"GDAL=={gdal.__version__}" in lines

    inst = deps.Installer(str(tmp_path / "deps" / "py3.11"), python="/qgis/python3")
    cmd = inst.command(constraints)
    assert cmd[:4] == ["/qgis/python3", "-m", "pip", "install"]
    assert cmd[cmd.index("--target") + 1] == inst.staging and inst.staging.endswith(".new")
    assert cmd[cmd.index("--constraint") + 1] == constraints
    assert cmd[cmd.index("--requirement") + 1] == deps.REQUIREMENTS_FILE
    assert "--user" not in cmd and "--upgrade" not in cmd and "-U" not in cmd
    assert not any(a.lower().startswith(("numpy", "gdal", "pyqt")) for a in cmd)   # never asked for by name
    assert deps.read_requirements()[0].startswith("torch")

    cpu = deps.pip_install_command("py", "t", "r", "c", deps.InstallOptions(torch_build="cpu"))
    assert cpu[cpu.index("--extra-index-url") + 1] == deps.TORCH_CPU_INDEX
    off = deps.pip_install_command("py", "t", "r", "c", deps.InstallOptions(find_links="/w", no_index=True))
    assert "--no-index" in off and off[off.index("--find-links") + 1] == "/w" and "--extra-index-url" not in off


def test_install_verify_and_protect_numpy(tmp_path, wheelhouse):
    target = tmp_path / "profile" / "python" / "deep_pansharpen_deps" / "py3.11"
    lines = []
    inst = deps.Installer(str(target), requirements(tmp_path, "dummy-dp-pkg==0.1"), modules=("dummy_dp_pkg",),
                          options=offline(wheelhouse), on_line=lines.append)
    result = inst.run()
    assert result.ok, "\n".join(lines)
    assert result.removed == ["numpy"]
    assert (target / "dummy_dp_pkg" / "__init__.py").exists()
    assert not (target / "numpy").exists() and not list(target.glob("numpy-*"))
    assert not os.path.exists(inst.staging)
    assert result.probe.versions == {"dummy_dp_pkg": "0.1"}
    assert any(line.startswith("$ ") and "--target" in line for line in lines)
    assert any("Successfully installed" in line for line in lines)
    # QGIS's numpy is still the one imported, with the folder first on the path
    check = deps.probe(("dummy_dp_pkg", "numpy"), extra_paths=[str(target)])
    assert check.ok and check.versions["numpy"] == numpy.__version__
    assert not check.paths["numpy"].startswith(str(target))

    # a later install that would need another numpy fails and leaves the working one in place
    lines.clear()
    again = deps.Installer(str(target), requirements(tmp_path, "dummy-dp-pkg==0.2"), modules=("dummy_dp_pkg",),
                           options=offline(wheelhouse), on_line=lines.append).run()
    assert not again.ok and "nothing was changed" in again.message
    assert "__version__ = '0.1'" in (target / "dummy_dp_pkg" / "__init__.py").read_text()


def test_package_that_does_not_import_is_not_installed(tmp_path, wheelhouse):
    target = tmp_path / "deps"
    result = deps.Installer(str(target), requirements(tmp_path, "broken-dp-pkg"), modules=("broken_dp_pkg",),
                            options=offline(wheelhouse)).run()
    assert not result.ok
    assert "DLL load failed" in result.message
    assert not target.exists()


def test_probe_reports_missing_and_crashing_modules(tmp_path):
    missing = deps.probe(("surely_not_a_module_dp",))
    assert not missing.ok and missing.missing == ["surely_not_a_module_dp"]
    assert "ModuleNotFoundError" in missing.errors["surely_not_a_module_dp"]
    (tmp_path / "crashing_dp.py").write_text("import os\nos._exit(3)\n")
    crashed = deps.probe(("crashing_dp",), extra_paths=[str(tmp_path)])
    assert not crashed.ok and "exit code 3" in crashed.crashed and crashed.missing == ["crashing_dp"]


def test_cancel_stops_pip(tmp_path):
    fake = tmp_path / "fake_python"
    fake.write_text('#!/bin/sh\nif [ "$3" = "--version" ]; then echo "pip 0 (fake)"; exit 0; fi\n'
                    'echo "Collecting torch"\nexec sleep 60\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    target = tmp_path / "deps"
    lines = []
    inst = deps.Installer(str(target), requirements(tmp_path, "torch"), python=str(fake), on_line=lines.append)
    results = []
    worker = threading.Thread(target=lambda: results.append(inst.run()))
    worker.start()
    deadline = time.monotonic() + 20
    while not any("Collecting" in ln for ln in lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    inst.cancel()
    worker.join(10)
    assert not worker.is_alive() and time.monotonic() - t0 < 5
    assert results[0].cancelled and not results[0].ok
    assert not target.exists() and not os.path.exists(inst.staging)


def test_missing_pip_is_explained(tmp_path):
    fake = tmp_path / "nopip_python"
    fake.write_text("#!/bin/sh\necho 'No module named pip' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    result = deps.Installer(str(tmp_path / "deps"), python=str(fake)).run()
    assert not result.ok and "pip is not available" in result.message and "README" in result.message


# --- the dialog and the plugin -------------------------------------------------------------------------

def test_dialog_lists_the_pinned_requirements(qtbot, ui_modules, tmp_path):
    from qgis.PyQt.QtWidgets import QLabel

    dlg = ui_modules.dependency_dialog.DependencyDialog(None, target=str(tmp_path / "deps"))
    qtbot.addWidget(dlg)
    text = " ".join(label.text() for label in dlg.findChildren(QLabel))
    for requirement in deps.read_requirements():
        assert requirement.replace("<", "&lt;").replace(">", "&gt;") in text   # shown literally, not as HTML


def test_dialog_installs_with_live_log(qtbot, ui_modules, tmp_path, wheelhouse):
    target = tmp_path / "deps" / "py3.11"
    dlg = ui_modules.dependency_dialog.DependencyDialog(
        None, target=str(target), requirements=requirements(tmp_path, "dummy-dp-pkg==0.1"), modules=("dummy_dp_pkg",))
    qtbot.addWidget(dlg)
    dlg.wheels_widget.setFilePath(str(wheelhouse))
    dlg.offline_check.setChecked(True)
    try:
        with qtbot.waitSignal(dlg.installed, timeout=120_000) as blocker:
            dlg.install_button.click()
            assert not dlg.install_button.isEnabled() and dlg.cancel_button.isEnabled()
        assert blocker.args[0].versions == {"dummy_dp_pkg": "0.1"}
        log = dlg.log.toPlainText()
        assert "--target" in log and "Successfully installed" in log and "Installed and verified" in log
        assert "Installed and verified" in dlg.status.text()
        assert str(target) in sys.path                    # usable at once, without restarting QGIS
    finally:
        if str(target) in sys.path:
            sys.path.remove(str(target))


def test_plugin_startup_adds_the_dependency_folder(plugin_package):
    from qgis.core import QgsApplication

    folder = deps.deps_dir(QgsApplication.qgisSettingsDirPath())
    os.makedirs(folder, exist_ok=True)
    try:
        plugin_package.classFactory(None)
        assert folder in sys.path
    finally:
        if folder in sys.path:
            sys.path.remove(folder)
        os.rmdir(folder)
