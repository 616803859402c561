"""compare_methods and degrade_pair for HS-MS fusion (task "hsms"): the Wald pair of an MSI and an HSI, every
HS-MS method scored against the HSI."""
import numpy as np
import pytest
from osgeo import gdal

from core.compare import compare_methods
from core.errors import InputError
from core.methods import method_label
from core.wald import degrade_pair
from hsms_synthetic import scene_pair
from rasters import write_raster

METHODS = ["hs_exp", "mtf_glp_hs", "ls_detail", "gsa_hs", "cnmf", "hysure"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """A 24-band HSI at 40 m (48 x 48) and a 4-band MSI at 10 m (192 x 192) of the noiseless synthetic scene;
    HSI pixel k is centred on MSI pixel 4k + 2."""
    d = tmp_path_factory.mktemp("hsms_pair")
    tile, _scene, _truth = scene_pair(h=192, w=192, bands=24, p=3, m=4, ratio=4, seed=5)
    # 0.5 % sensor noise: without it the abundances summing to one make the MSI bands and a constant exactly
    # collinear, which no real pair is.
    rng = np.random.default_rng(1)
    msi = tile.hr * (1 + 0.005 * rng.standard_normal(tile.hr.shape))
    hsi = tile.lr * (1 + 0.005 * rng.standard_normal(tile.lr.shape))
    msi = write_raster(d / "msi.tif", msi * 1000, 10.0, names=[f"MSI {k}" for k in range(4)])
    hsi = write_raster(d / "hsi.tif", hsi * 1000, 40.0, origin=(500005.0, 4999995.0))
    return msi, hsi, d


def test_degrade_pair_for_hs_ms_keeps_every_msi_band(pair, tmp_path):
    msi, hsi, _ = pair
    res = degrade_pair(msi, hsi, str(tmp_path / "m.tif"), str(tmp_path / "h.tif"), str(tmp_path / "ref.tif"),
                       task="hsms")
    m, h, ref = (gdal.Open(str(tmp_path / n)) for n in ("m.tif", "h.tif", "ref.tif"))
    assert res.ratio == 4
    assert (m.RasterCount, m.RasterXSize, m.GetGeoTransform()[1]) == (4, 48, 40.0)
    assert (h.RasterCount, h.RasterXSize, h.GetGeoTransform()[1]) == (24, 12, 160.0)
    assert (ref.RasterCount, ref.RasterXSize) == (24, 48)
    assert m.GetRasterBand(3).GetDescription() == "MSI 2"
    assert [x.GetMetadataItem("DEEPPANSHARPEN_WALD_ROLE") for x in (m, h, ref)] == \
        ["reduced HR-MSI", "reduced LR-HSI", "reference LR-HSI"]
    np.testing.assert_array_equal(ref.ReadAsArray(), gdal.Open(hsi).ReadAsArray())


def test_compare_scores_every_hs_ms_method(pair):
    msi, hsi, d = pair
    results = compare_methods(msi, hsi, METHODS, str(d / "cmp"), task="hsms")
    assert list(results) == [method_label(m) for m in METHODS]          # no GDAL Brovey for HS-MS
    ergas = {m: results[method_label(m)].metrics["ERGAS"] for m in METHODS}
    assert all(np.isfinite(v) for v in ergas.values())
    for m in ("mtf_glp_hs", "ls_detail", "cnmf", "hysure"):
        assert ergas[m] < ergas["hs_exp"], (m, ergas)
    assert (d / "cmp" / "ls_detail_reduced.tif").exists()


def test_compare_hs_ms_at_full_resolution_is_refused(pair):
    msi, hsi, d = pair
    with pytest.raises(InputError, match="reduced resolution only"):
        compare_methods(msi, hsi, ["ls_detail"], str(d / "full"), mode="full", task="hsms")
