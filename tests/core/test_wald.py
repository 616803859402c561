"""Wald's protocol: geometry of the reduced pair and agreement with the filters applied in memory."""
import os

import numpy as np
import pytest
from osgeo import gdal

from core.errors import Cancelled
from core.filters import decimate, mtf_filter
from core.shared_data import DATA
from core.wald import degrade_pair

DEMO = os.path.join(DATA, "demo")
PAN = os.path.join(DEMO, "landsat8_pan_B8_15m.tif")
MS = os.path.join(DEMO, "landsat8_ms_B2-B5_30m.tif")


def test_landsat_reduced_pair(tmp_path):
    p, m, r = (str(tmp_path / n) for n in ("pan.tif", "ms.tif", "ref.tif"))
    res = degrade_pair(PAN, MS, p, m, r)
    assert res.ratio == 2 and res.reduced_size == (128, 128)
    ms_ds = gdal.Open(MS)
    # Reference and reduced PAN sit on the MS grid; the reduced MS on a 2x coarser grid whose pixel m is
    # centred on MS pixel 2m + 1.
    assert gdal.Open(r).GetGeoTransform() == ms_ds.GetGeoTransform()
    assert gdal.Open(p).GetGeoTransform() == ms_ds.GetGeoTransform()
    gt = gdal.Open(m).GetGeoTransform()
    mgt = ms_ds.GetGeoTransform()
    assert gt[1] == 2 * mgt[1] and gt[0] + gt[1] / 2 == pytest.approx(mgt[0] + 1.5 * mgt[1])
    # Values: the same as filtering the whole image in memory (strips are exact).
    ms_arr = ms_ds.ReadAsArray().astype(np.float64)
    expect = np.rint(decimate(mtf_filter(ms_arr, 0.3, 2), 2))
    # (float32 strips vs float64 here: a few pixels round the other way)
    np.testing.assert_allclose(gdal.Open(m).ReadAsArray(), expect, atol=1)
    pan_arr = gdal.Open(PAN).ReadAsArray().astype(np.float64)
    expect_pan = np.rint(decimate(mtf_filter(pan_arr, 0.15, 2), 2, (1, 1)))[:128, :128]
    np.testing.assert_allclose(gdal.Open(p).ReadAsArray(), expect_pan, atol=1)
    np.testing.assert_array_equal(gdal.Open(r).ReadAsArray(), ms_arr)


def test_strips_match_whole_image(tmp_path, monkeypatch):
    import core.wald as wald
    outs = {}
    for rows in (128, 7):
        monkeypatch.setattr(wald, "STRIP_ROWS", rows)
        p, m, r = (str(tmp_path / f"{n}{rows}.tif") for n in ("pan", "ms", "ref"))
        degrade_pair(PAN, MS, p, m, r)
        outs[rows] = [gdal.Open(f).ReadAsArray() for f in (p, m, r)]
    for a, b in zip(outs[128], outs[7]):
        np.testing.assert_array_equal(a, b)


def test_degrade_cancel_leaves_nothing(tmp_path):
    with pytest.raises(Cancelled):
        degrade_pair(PAN, MS, *(str(tmp_path / n) for n in ("p.tif", "m.tif", "r.tif")),
                     is_cancelled=lambda: True)
    assert os.listdir(str(tmp_path)) == []
