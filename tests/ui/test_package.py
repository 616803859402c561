"""`make package`: the zip's layout and limits, then the zip installed into a fresh QGIS profile runs an
algorithm through qgis_process (only system packages on the path, as on a user's machine)."""
import importlib.util
import json
import os
import pathlib
import subprocess
import zipfile

import pytest
from osgeo import gdal

REPO = pathlib.Path(__file__).resolve().parents[2]
QGIS_PROCESS_BIN = "/usr/bin/qgis_process.bin"
MAX_BYTES = 25 * 1024 * 1024

pytestmark = pytest.mark.timeout(600)


def make_package(zip_path, *extra):
    return subprocess.run(["make", "-s", "-C", str(REPO), "package", f"PACKAGE_ZIP={zip_path}", *extra],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "deep_pansharpen.zip"
    res = make_package(path)
    assert res.returncode == 0, res.stdout + res.stderr
    return path


def test_zip_layout(plugin_zip):
    assert plugin_zip.stat().st_size <= MAX_BYTES
    with zipfile.ZipFile(plugin_zip) as zf:
        names = zf.namelist()
    assert names and all(n.startswith("deep_pansharpen/") for n in names)
    for required in ("LICENSE", "metadata.txt", "__init__.py", "plugin.py", "requirements.txt",
                     "processing_provider/provider.py", "ui/dock.py", "core/engine.py", "resources/icon.svg",
                     "docs/algorithms.md"):          # the algorithms' Help button opens it
        assert f"deep_pansharpen/{required}" in names, required
    for n in names:
        parts = n.split("/")
        assert not any(p in ("__pycache__", ".git", ".venv", "tests", "bench", "demo_output", "__MACOSX")
                       or p.startswith(".") for p in parts), n
        assert not n.endswith((".pyc", ".aux.xml")) and ".." not in parts and not n.startswith("/"), n


def test_size_limit_fails_the_build(tmp_path):
    path = tmp_path / "too_big.zip"
    res = make_package(path, "PACKAGE_MAX_MB=0.01")
    assert res.returncode != 0
    assert "over the 0.01 MB limit" in res.stdout + res.stderr
    assert not path.exists() and not list(tmp_path.iterdir())


def load_packager():
    spec = importlib.util.spec_from_file_location("package_plugin", REPO / "scripts" / "package_plugin.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_packager_rules_without_git(tmp_path):
    """Outside a git checkout (a source tarball) the tree is walked with the same exclusions."""
    packager = load_packager()
    src = tmp_path / "src"
    for rel in ("__init__.py", "metadata.txt", "LICENSE", "core/a.py", "core/__pycache__/a.cpython-311.pyc",
                "tests/test_x.py", "bench/b.py", ".git/config", ".venv/bin/python", "demo_output/o.tif",
                "resources/x.tif", "resources/x.tif.aux.xml", "ui/.hidden", "Makefile", "pyproject.toml"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("x")
    out = tmp_path / "p.zip"
    files = packager.build(str(src), "deep_pansharpen", str(out), 25)
    assert sorted(files) == ["LICENSE", "__init__.py", "core/a.py", "metadata.txt", "resources/x.tif"]
    with pytest.raises(SystemExit, match="lowercase"):
        packager.build(str(src), "Deep-Pansharpen", str(out), 25)
    (src / "LICENSE").unlink()
    with pytest.raises(SystemExit, match="LICENSE"):
        packager.build(str(src), "deep_pansharpen", str(tmp_path / "q.zip"), 25)


def qgis_process_env(profile_root):
    env = {k: v for k, v in os.environ.items()
           if k not in ("QGIS_OPTIONS_PATH", "QGIS_CUSTOM_CONFIG_PATH", "PYTHONPATH", "VIRTUAL_ENV")}
    runtime = profile_root / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env.update(QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(profile_root),
               PYTHONPATH="/usr/share/qgis/python/plugins", XDG_RUNTIME_DIR=str(runtime))
    if os.path.isdir("/usr/lib/grass82/lib"):
        env["LD_LIBRARY_PATH"] = "/usr/lib/grass82/lib" + (":" + env["LD_LIBRARY_PATH"]
                                                          if env.get("LD_LIBRARY_PATH") else "")
    return env


@pytest.mark.skipif(not os.path.exists(QGIS_PROCESS_BIN), reason="QGIS (qgis_process) is not installed")
def test_installed_zip_runs_in_qgis_process(plugin_zip, tmp_path, landsat_pair):
    root = tmp_path / "qgis-profile"
    plugins = root / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(plugin_zip) as zf:
        zf.extractall(plugins)                      # what QGIS's "Install from ZIP" does
    installed = plugins / "deep_pansharpen"
    assert (installed / "metadata.txt").is_file() and not installed.is_symlink()
    (root / "profiles" / "default" / "QGIS").mkdir()
    (root / "profiles" / "default" / "QGIS" / "QGIS3.ini").write_text("[PythonPlugins]\ndeep_pansharpen=true\n")
    # mark the installed copy, to prove that qgis_process runs it and not the repository
    meta = installed / "metadata.txt"
    meta.write_text(meta.read_text().replace("\nversion=", "\nversion=0.0.0+installed-from-zip-", 1))
    env = qgis_process_env(root)
    listed = subprocess.run([QGIS_PROCESS_BIN, "--json", "list"], env=env, cwd=tmp_path, capture_output=True,
                            text=True, timeout=240)
    assert listed.returncode == 0, listed.stderr
    provider = json.loads(listed.stdout)["providers"]["deeppansharpen"]
    assert "+installed-from-zip-" in provider["long_name"]
    assert "deeppansharpen:pansharpen" in provider["algorithms"]

    pan, ms = landsat_pair
    out = tmp_path / "from_zip.tif"
    res = subprocess.run([QGIS_PROCESS_BIN, "run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}",
                          "METHOD=gsa", f"OUTPUT={out}"], env=env, cwd=tmp_path, capture_output=True, text=True,
                         timeout=240)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"OUTPUT:\t{out}" in res.stdout
    ds = gdal.Open(str(out))
    assert ds is not None and ds.RasterCount == 4
    assert (ds.RasterXSize, ds.RasterYSize) == (255, 255)     # PAN pixels centred strictly inside the MS
    assert ds.GetRasterBand(1).ComputeRasterMinMax(False)[1] > 0
    assert ds.GetMetadataItem("DEEPPANSHARPEN_VERSION").startswith("0.0.0+installed-from-zip-")
