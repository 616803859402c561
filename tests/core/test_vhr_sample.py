"""The bundled WorldView-2 sample (SpaceNet 6, CC BY-SA 4.0): small, georeferenced, a clean ratio-4 pair
with its attribution next to it, and pansharpened without complaint."""
import os

from osgeo import gdal, osr

from core.assess import assess_full
from core.doctor import DoctorRequest, check_inputs
from core.engine import FusionRequest, run_fusion

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample")
PAN = os.path.join(SAMPLE, "worldview2_pan_0.5m.tif")
MS = os.path.join(SAMPLE, "worldview2_ms_BGRN_2m.tif")


def test_sample_is_small_georeferenced_and_attributed():
    assert os.path.getsize(PAN) + os.path.getsize(MS) < 600_000
    pan, ms = gdal.Open(PAN), gdal.Open(MS)
    assert (pan.RasterXSize, pan.RasterYSize, pan.RasterCount) == (480, 480, 1)
    assert (ms.RasterXSize, ms.RasterYSize, ms.RasterCount) == (120, 120, 4)
    for ds in (pan, ms):
        srs = osr.SpatialReference(wkt=ds.GetProjection())
        assert srs.GetAuthorityCode(None) == "32631"
    assert abs(ms.GetGeoTransform()[1] / pan.GetGeoTransform()[1] - 4) < 1e-3
    for name in ("README.md", "LICENSE-SpaceNet6.txt"):
        text = open(os.path.join(SAMPLE, name), encoding="utf-8").read()
        assert "SpaceNet 6, Maxar, CC BY-SA 4.0" in text, name
    readme = open(os.path.join(SAMPLE, "..", "..", "README.md"), encoding="utf-8").read()
    assert "SpaceNet 6,\n  Maxar, CC BY-SA 4.0" in readme or "SpaceNet 6, Maxar, CC BY-SA 4.0" in readme


def test_sample_pansharpens_cleanly(tmp_path):
    report = check_inputs(DoctorRequest("pansharpen", PAN, MS, method="mtf_glp_hpm"))
    assert not report.has_errors
    assert [f.level for f in report.get("alignment")] == ["ok"]
    assert "corner-aligned" in report.get("alignment")[0].message
    out = str(tmp_path / "wv2_hpm.tif")
    run_fusion(FusionRequest("pansharpen", PAN, MS, out, method="mtf_glp_hpm"))
    ds = gdal.Open(out)
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (480, 480, 4)
    metrics = assess_full(out, PAN, MS).metrics
    assert 0.9 < metrics["HQNR"] < 1.0 and 0.85 < metrics["QNR"] < 1.0      # make demo: 0.929, 0.910
