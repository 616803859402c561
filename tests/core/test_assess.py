"""Assessment (reduced and full resolution), the HTML/CSV report and the method comparison."""
import csv
import os

import pytest

from core.assess import assess_full, assess_reduced
from core.compare import GDAL_NAME, compare_methods
from core.engine import FusionRequest, run_fusion
from core.errors import InputError
from core.report import write_csv, write_html
from core.shared_data import DATA
from core.wald import degrade_pair

DEMO = os.path.join(DATA, "demo")
PAN = os.path.join(DEMO, "landsat8_pan_B8_15m.tif")
MS = os.path.join(DEMO, "landsat8_ms_B2-B5_30m.tif")


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    d = tmp_path_factory.mktemp("wald")
    paths = [str(d / n) for n in ("pan.tif", "ms.tif", "ref.tif")]
    degrade_pair(PAN, MS, *paths)
    return d, paths


def fuse(pan, ms, out, method):
    run_fusion(FusionRequest("pansharpen", pan, ms, out, method=method, output_dtype="float32"))
    return out


def test_reference_against_itself_is_perfect(reduced):
    _d, (_p, _m, ref) = reduced
    a = assess_reduced(ref, ref, ratio=2, value_max=65535)
    assert a.metrics["SAM"] == pytest.approx(0, abs=1e-6)
    assert a.metrics["ERGAS"] == pytest.approx(0, abs=1e-9)
    for k in ("Q", "Q2n", "SSIM", "SCC"):
        assert a.metrics[k] == pytest.approx(1.0, abs=1e-6)


def test_sharpening_scores_better_than_interpolation(reduced):
    d, (pan, ms, ref) = reduced
    exp = assess_reduced(fuse(pan, ms, str(d / "exp.tif"), "exp"), ref, ratio=2)
    hpm = assess_reduced(fuse(pan, ms, str(d / "hpm.tif"), "mtf_glp_hpm"), ref, ratio=2)
    assert hpm.metrics["ERGAS"] < exp.metrics["ERGAS"]
    assert hpm.metrics["Q2n"] > exp.metrics["Q2n"]
    assert hpm.metrics["PSNR"] > exp.metrics["PSNR"]
    # The fused raster covers 127 x 127 of the 128 x 128 reference: scored on the common part.
    assert len(hpm.per_band["RMSE"]) == 4 and all(v > 0 for v in hpm.per_band["RMSE"])
    assert len(hpm.profiles) == 3 and len(hpm.profiles[0]["fused"]) == 4


def test_full_resolution_scores(tmp_path):
    exp = assess_full(fuse(PAN, MS, str(tmp_path / "exp.tif"), "exp"), PAN, MS)
    hpm = assess_full(fuse(PAN, MS, str(tmp_path / "hpm.tif"), "mtf_glp_hpm"), PAN, MS)
    # EXP is the interpolated MS itself: no spectral distortion; sharpening changes the band relations.
    assert exp.metrics["D_lambda"] == pytest.approx(0, abs=1e-4)
    assert hpm.metrics["D_lambda"] > 10 * max(exp.metrics["D_lambda"], 1e-4)
    for a in (exp, hpm):
        assert 0 <= a.metrics["QNR"] <= 1 and 0 <= a.metrics["HQNR"] <= 1
        assert a.metrics["QNR"] == pytest.approx((1 - a.metrics["D_lambda"]) * (1 - a.metrics["D_S"]), rel=1e-6)


def test_grids_must_match(reduced):
    _d, (pan, ms, ref) = reduced
    with pytest.raises(InputError, match="same grid"):
        assess_reduced(ms, ref, ratio=2)


def test_compare_and_report(tmp_path):
    results = compare_methods(PAN, MS, ["exp", "mtf_glp_hpm"], str(tmp_path / "work"))
    assert list(results) == ["EXP (23-tap interpolation, no fusion)", "MTF-GLP-HPM", GDAL_NAME]
    ergas = {k: v.metrics["ERGAS"] for k, v in results.items()}
    assert ergas["MTF-GLP-HPM"] < ergas["EXP (23-tap interpolation, no fusion)"]
    csv_path, html_path = str(tmp_path / "r.csv"), str(tmp_path / "r.html")
    write_csv(csv_path, results)
    write_html(html_path, "Landsat-8 demo", results, {"PAN": PAN, "MS": MS})
    rows = list(csv.DictReader(open(csv_path)))
    assert [r["method"] for r in rows] == list(results)
    assert float(rows[1]["ERGAS"]) == pytest.approx(ergas["MTF-GLP-HPM"], rel=1e-3)
    page = open(html_path).read()
    assert page.count("<svg") >= 7 and "MTF-GLP-HPM" in page and "Spectrum at pixel" in page
