"""End to end in the real QGIS Desktop under xvfb-run: the plugin enabled in a throw-away profile, the dock
opened from its toolbar action, a run on the demo pair, and a screenshot kept as
tests/artifacts/qgis_desktop.png (git-ignored) for a person to look at."""
import json
import os
import pathlib
import shutil
import signal
import subprocess

import numpy as np
import pytest
from osgeo import gdal

REPO = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"
SESSION_SCRIPT = pathlib.Path(__file__).with_name("desktop_session.py")
QGIS = "/usr/bin/qgis"
XVFB_RUN = shutil.which("xvfb-run")
TIMEOUT_S = 240

pytestmark = [
    pytest.mark.timeout(TIMEOUT_S + 60),
    pytest.mark.skipif(not (os.path.exists(QGIS) and XVFB_RUN), reason="QGIS Desktop or xvfb-run is not installed"),
]


def fresh_profile(root: pathlib.Path) -> None:
    profile = root / "profiles" / "default"
    (profile / "python" / "plugins").mkdir(parents=True)
    (profile / "python" / "plugins" / "deep_pansharpen").symlink_to(REPO, target_is_directory=True)
    (profile / "QGIS").mkdir()
    (profile / "QGIS" / "QGIS3.ini").write_text(
        "[PythonPlugins]\ndeep_pansharpen=true\n\n"
        "[qgis]\ncheckVersion=false\nshowTips=false\n\n"
        "[core]\nNewsFeed\\httpsfeedqgisorg\\disabled=true\n")


def test_dock_runs_in_qgis_desktop(tmp_path, landsat_pair):
    root = tmp_path / "profiles-root"
    fresh_profile(root)
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "qgis_desktop.png"
    if screenshot.exists():
        screenshot.unlink()
    result_json = tmp_path / "desktop_result.json"
    output_tif = tmp_path / "out" / "desktop_pansharpened.tif"
    pan, ms = landsat_pair
    env = {k: v for k, v in os.environ.items()
           if k not in ("QGIS_OPTIONS_PATH", "QGIS_CUSTOM_CONFIG_PATH", "QT_QPA_PLATFORM", "PYTHONPATH")}
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env.update(DP_PAN=pan, DP_MS=ms, DP_OUTPUT_TIF=str(output_tif), DP_RESULT_JSON=str(result_json),
               DP_SCREENSHOT=str(screenshot), DP_TIMEOUT_MS=str((TIMEOUT_S - 60) * 1000),
               XDG_RUNTIME_DIR=str(runtime))
    cmd = [XVFB_RUN, "-a", "-s", "-screen 0 1440x900x24", QGIS, "--profiles-path", str(root),
           "--nologo", "--noversioncheck", "--code", str(SESSION_SCRIPT)]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        log, _ = proc.communicate()
        pytest.fail("QGIS Desktop did not finish in time:\n" + log[-4000:])
    assert result_json.exists(), "QGIS exited without writing its result:\n" + log[-4000:]
    result = json.loads(result_json.read_text())
    assert result["ok"], json.dumps(result, indent=2) + "\n" + log[-4000:]
    assert result["steps"][:3] == ["plugin loaded", "dock opened", "run started"]
    # the dependency installer would use QGIS's own interpreter, not whatever python3 is first on PATH
    assert result["installer_python_matches"], (result["installer_python"], result["python_executable"])
    layer = result["layer"]
    assert layer["in_project"] and layer["bands"] == 4 and layer["renderer"] == "multibandcolor"
    assert (layer["width"], layer["height"]) == (255, 255)
    assert output_tif.exists()

    ds = gdal.Open(str(screenshot))
    assert ds is not None and ds.RasterXSize >= 1000 and ds.RasterYSize >= 600
    img = ds.ReadAsArray()
    assert img.std() > 10, "the screenshot is (almost) uniform"
    # somewhere in the window there is colour: the true-colour result, not only grey widgets
    rgb = img[:3].astype(float)
    assert (np.abs(rgb[0] - rgb[1]) + np.abs(rgb[1] - rgb[2])).max() > 40
