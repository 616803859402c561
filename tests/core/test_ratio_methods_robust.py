"""Ratio methods (Brovey, BT-H, MTF-GLP-HPM) must not explode where the equalised intensity nears zero:
Sentinel-2 red-edge / NIR bands sharpened by a PAN made of the 10 m bands, over dark water and bright land
(before the bounded gain, MTF-GLP-HPM reached ERGAS 269 on such a pair)."""
import os

import numpy as np
import pytest
from osgeo import gdal

from core import metrics
from core.engine import FusionRequest, run_fusion
from core.shared_data import DATA
from core.wald import degrade_pair

DEMO = os.path.join(DATA, "demo")


@pytest.fixture(scope="module")
def s2_reduced(tmp_path_factory):
    d = tmp_path_factory.mktemp("s2")
    ten = gdal.Open(os.path.join(DEMO, "sentinel2_10m_B02-B03-B04-B08.tif"))
    pan = os.path.join(str(d), "pan.tif")
    ds = gdal.GetDriverByName("GTiff").Create(pan, ten.RasterXSize, ten.RasterYSize, 1, gdal.GDT_UInt16)
    ds.SetGeoTransform(ten.GetGeoTransform())
    ds.SetProjection(ten.GetProjection())
    ds.WriteArray(np.rint(ten.ReadAsArray().astype(float).mean(axis=0)).astype(np.uint16))
    ds = None
    ms = os.path.join(DEMO, "sentinel2_20m_B05-B06-B07-B8A-B11-B12.tif")
    paths = [os.path.join(str(d), n) for n in ("rp.tif", "rm.tif", "rr.tif")]
    degrade_pair(pan, ms, *paths, ms_bands=[1, 2, 3, 4])
    return d, paths


@pytest.mark.parametrize("method", ["brovey", "bt_h", "mtf_glp_hpm"])
def test_ratio_methods_stay_bounded(s2_reduced, method):
    d, (pan, ms, ref) = s2_reduced
    scores = {}
    for m in ("exp", method):
        out = os.path.join(str(d), f"{m}.tif")
        run_fusion(FusionRequest("pansharpen", pan, ms, out, method=m, output_dtype="float32"))
        f = gdal.Open(out).ReadAsArray().astype(np.float64)
        r = gdal.Open(ref).ReadAsArray().astype(np.float64)[:, 1:1 + f.shape[1], 1:1 + f.shape[2]]
        scores[m] = metrics.ergas(f, r, 2)
        assert np.abs(f).max() < 2 * r.max(), m
    # Bounded: at most twice the error of plain interpolation even for this badly matched PAN (BT-H's
    # haze model fits these bands worst: 8.3 vs 4.9; before the bound it was 100x worse).
    assert scores[method] < 2.0 * scores["exp"], scores
