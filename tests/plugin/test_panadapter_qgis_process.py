"""qgis_process runs deeppansharpen:pansharpen with METHOD=panadapter on the Landsat-8 demo."""
import os

import numpy as np
import pytest
from osgeo import gdal

from plugin_checks import check_pansharpened
from test_qgis_process import QGIS_PROCESS_BIN, profile_root, qgis_process  # noqa: F401 (fixture)

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(not os.path.exists(QGIS_PROCESS_BIN), reason="QGIS (qgis_process) is not installed"),
]


def test_run_panadapter(profile_root, demo_pair, tmp_path):  # noqa: F811
    pytest.importorskip("torch")
    pytest.importorskip("timm")
    pan, ms = demo_pair
    out = tmp_path / "panadapter.tif"
    res = qgis_process("run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", f"OUTPUT={out}",
                       "METHOD=panadapter", "DEVICE=cpu",
                       profile_root=profile_root)
    assert res.returncode == 0, res.stdout + res.stderr
    assert f"OUTPUT:\t{out}" in res.stdout
    assert "PanAdapter runs on CPU" in res.stdout + res.stderr
    check_pansharpened(out, pan, ms)
    a = gdal.Open(str(out)).ReadAsArray()
    assert a.shape[0] == 4 and np.all(a.reshape(4, -1).max(axis=1) > 0)
