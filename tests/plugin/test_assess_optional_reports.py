"""assess and compare without report files (qgis_process needs no OUTPUT_TABLE / OUTPUT_HTML), and an empty
fused image refused with a plain message."""
import json
import os
import subprocess

import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def run(alg_id, params):
    import processing
    return processing.run(alg_id, params)


def test_assess_through_qgis_process_without_report_files(demo_pair, tmp_path):
    pan, ms = demo_pair
    fused = str(tmp_path / "f.tif")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    qp = os.path.join(REPO, "scripts", "qgis_process")
    subprocess.run([qp, "run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", f"OUTPUT={fused}"],
                   check=True, env=env, capture_output=True, timeout=300)
    before = set(os.listdir(tmp_path))
    proc = subprocess.run([qp, "--json", "run", "deeppansharpen:assess", "--", f"FUSED={fused}", f"PAN={pan}",
                           f"MS={ms}"], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert 0 < results["QNR"] < 1 and results["MODE"] == "full"
    assert not results.get("OUTPUT_TABLE") and not results.get("OUTPUT_HTML")
    assert set(os.listdir(tmp_path)) - before <= {"f.tif.aux.xml"}


def test_compare_without_report_files(dp_provider, demo_pair, tmp_path):
    pan, ms = demo_pair
    out = run("deeppansharpen:compare", {"PAN": pan, "MS": ms, "METHODS": ["exp"],
                                         "INCLUDE_GDAL": False, "OUTPUT_FOLDER": str(tmp_path / "cmp")})
    assert not out["OUTPUT_TABLE"] and not out["OUTPUT_HTML"]
    assert os.path.exists(os.path.join(out["OUTPUT_FOLDER"], "exp_reduced.tif"))


def test_assess_refuses_an_all_zero_fused_image(dp_provider, demo_pair, tmp_path):
    pan, ms = demo_pair
    fused = str(tmp_path / "zero.tif")
    run("deeppansharpen:pansharpen", {"PAN": pan, "MS": ms, "OUTPUT": fused})
    ds = gdal.Open(fused, gdal.GA_Update)
    for b in range(1, ds.RasterCount + 1):
        ds.GetRasterBand(b).Fill(0)
    ds = None
    with pytest.raises(QgsProcessingException, match="holds 0 everywhere"):
        run("deeppansharpen:assess", {"FUSED": fused, "PAN": pan, "MS": ms})
