"""INFN scene adaptation: spectral response estimate, reduced-resolution training on a real pair, bad bands,
saved adapted weights, and the bundled model's stored reference output."""
import json
import os

import numpy as np
import pytest
from osgeo import gdal

torch = pytest.importorskip("torch")

from core import srf as S  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.errors import InputError  # noqa: E402
from core.filters import mtf_filter_decimate  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.infn import INFN, InfnConfig  # noqa: E402
from core.shared_data import DATA  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SAMPLE = os.path.join(REPO, "resources", "sample")
ENMAP = os.path.join(DATA, "enmap_potsdam", "enmap_potsdam_tile_64_0.tif")
S2_SRF = os.path.join(DATA, "srf", "pyrsr", "Sentinel-2A", "MSI")
TINY = dict(feat_dim=16, spe_width=16, spe_blocks=1, spa_width=8, spa_blocks=1, mlp_hidden=(16,), mlp_out=16,
            dec_widths=(16,))


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory):
    """A small 31-band + RGB model with the CAVE band layout (stands in for the bundled CAVE model)."""
    folder = tmp_path_factory.mktemp("base")
    torch.manual_seed(0)
    cfg = InfnConfig(hsi_bands=31, msi_bands=3, **TINY)
    model = INFN(cfg)
    with torch.no_grad():
        model.bands.out.weight.normal_(0, 0.05)
    path = str(folder / "tiny_cave.safetensors")
    W.save_weights(path, model.state_dict(), {
        "name": "tiny_cave", "engine": "infn", "config": cfg.to_dict(), "ratios": [4, 8], "any_ratio": True,
        "bands": {"lr_bands": 31, "hr_bands": 3, "lr_wavelengths_nm": [400.0 + 10 * i for i in range(31)]}})
    return path


def _enmap():
    if not os.path.exists(ENMAP):
        pytest.skip("EnMAP test data not available")
    ds = gdal.Open(ENMAP)
    cube = ds.ReadAsArray().astype(np.float64)
    md = [ds.GetRasterBand(i + 1).GetMetadata() for i in range(ds.RasterCount)]
    return ds, cube, md


# --- spectral response estimate ---------------------------------------------------------------------

def test_estimated_srf_is_close_to_the_true_one():
    _ds, cube, md = _enmap()
    good = [i for i in range(cube.shape[0]) if (cube[i] != -32768).all()]
    wl = np.array([float(md[i]["wavelength"]) for i in good])
    cube = cube[good]
    bands = ["2", "3", "4", "8", "11", "12"]
    srfs = S.read_pyrsr_sensor(S2_SRF, bands)
    true = np.stack([S.band_weights(wl, srfs[b]) for b in bands])                 # (6, B), rows sum to 1
    msi = np.tensordot(true, cube, axes=(1, 0))
    msi += np.random.default_rng(0).normal(0, 0.005 * msi.std(), msi.shape)      # a little sensor noise
    # at the HSI resolution after degrading both (as the method does)
    h = mtf_filter_decimate(cube, 0.3, 2).reshape(len(good), -1)
    m = mtf_filter_decimate(msi, 0.3, 2).reshape(len(bands), -1)
    est = S.estimate_srf(h, m, wl)
    centroid_true = (true * wl).sum(1) / true.sum(1)
    cos = (est["weights"] * true).sum(1) / np.linalg.norm(est["weights"], axis=1) / np.linalg.norm(true, axis=1)
    assert est["weights"].min() >= 0
    assert np.all(np.abs(est["centroid_nm"] - centroid_true) < 25), est["centroid_nm"] - centroid_true
    assert np.all(cos > 0.75), cos
    assert np.allclose(est["sum"], 1.0, atol=0.05) and np.all(est["r2"] > 0.99)


# --- adaptation on a real pair ---------------------------------------------------------------------

def _run(tmp_path, name, hr, lr, **opts):
    out = str(tmp_path / f"{name}.tif")
    logs = []
    opts = {k: v for k, v in opts.items() if v is not None}
    run_fusion(FusionRequest("hsms", hr, lr, out, method="infn", output_dtype="float32", method_options=opts,
                             device="cpu"), log=logs.append)
    return gdal.Open(out), logs


def test_adaptation_lowers_the_reduced_resolution_error_and_is_reproducible(tmp_path, tiny_base):
    hr = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")
    lr = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
    opts = {"weights": tiny_base, "adapt": True, "adapt_steps": 8, "adapt_seconds": 60, "seed": 1,
            "adapted_weights": str(tmp_path / "jasper_adapted.safetensors")}
    ds, logs = _run(tmp_path, "a", hr, lr, **opts)
    ad = json.loads(ds.GetMetadataItem("DEEPPANSHARPEN_INFN_ADAPTATION"))
    assert ad["steps"] == 8
    # the closed-form start already beats interpolation by far; training keeps or lowers the error
    assert ad["error_before"]["rmse"] < 0.8 * ad["error_interpolated"]["rmse"], ad
    assert ad["error_after"]["rmse"] <= ad["error_before"]["rmse"], ad
    assert any("spectral response estimated" in m for m in logs)
    srf = json.loads(ds.GetMetadataItem("DEEPPANSHARPEN_INFN_SRF_ESTIMATE"))
    assert len(srf["weights"]) == 10 and len(srf["weights"][0]) == 198
    assert ds.RasterCount == 198 and ds.GetRasterBand(50).GetMetadataItem("wavelength")
    first = ds.ReadAsArray()
    assert np.isfinite(first).all()
    # same seed and steps: the same result; the saved model reproduces it without adapting again
    again = _run(tmp_path, "b", hr, lr, **dict(opts, adapted_weights=None))[0].ReadAsArray()
    assert np.array_equal(first, again)
    man = W.read_manifest(opts["adapted_weights"])
    assert man["bands"]["lr_bands"] == 198 and man["value_scale"]["hsi"] > 0 and man["srf_estimate"]
    reused = _run(tmp_path, "c", hr, lr, weights=opts["adapted_weights"])[0].ReadAsArray()
    assert np.allclose(reused, first, atol=1e-3 * np.abs(first).max())


def test_without_matching_weights_adaptation_starts_by_itself(tmp_path, tiny_base, monkeypatch):
    monkeypatch.setattr(W, "BUNDLED_DIR", os.path.dirname(tiny_base))
    hr = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")
    lr = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
    ds, logs = _run(tmp_path, "auto", hr, lr, adapt_steps=2)
    assert any("adapting 'tiny_cave' to this scene automatically" in m for m in logs)
    assert json.loads(ds.GetMetadataItem("DEEPPANSHARPEN_INFN_ADAPTATION"))["steps"] == 2
    # nothing installed and no adaptation: a clear refusal
    monkeypatch.setattr(W, "BUNDLED_DIR", str(tmp_path / "none"))
    with pytest.raises(InputError, match="Turn on scene adaptation"):
        _run(tmp_path, "none", hr, lr)


def test_adapting_a_model_that_fits_the_layout_warns(tmp_path, tiny_base, monkeypatch):
    """ADAPT on data of the bundled model's own layout made it worse on the CAVE scenes: the user is told."""
    from core.methods import SceneInfo, get_method
    monkeypatch.setattr(W, "BUNDLED_DIR", os.path.dirname(tiny_base))
    man = W.load_weights(tiny_base, "infn")[1]
    scene = SceneInfo(task="hsms", ratio=4, lr_bands=man["bands"]["lr_bands"], hr_bands=man["bands"]["hr_bands"],
                      gnyq_lr=[0.3], gnyq_hr=0.3)
    for adapt in (True, False):
        m = get_method("infn")
        path, adapted = m._plan(scene, adapt)
        assert path == tiny_base and adapted is adapt
        assert any("fits this band layout" in w for w in m.warnings) is adapt


def _write(path, arr, gt, wkt, nodata=None, md=None):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], gdal.GDT_Float32)
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    for i in range(arr.shape[0]):
        b = ds.GetRasterBand(i + 1)
        b.WriteArray(arr[i])
        if nodata is not None:
            b.SetNoDataValue(nodata)
        if md:
            b.SetMetadata(md[i])
    ds = None
    return str(path)


def test_bad_and_constant_bands_are_left_out_and_written_as_nodata(tmp_path, tiny_base):
    src, cube, md = _enmap()
    cube = cube.astype(np.float32)
    cube[10] = 1234.0                                     # a constant band
    good = [i for i in range(cube.shape[0]) if (cube[i] != -32768).all()]
    assert len(good) == 218                               # bands 130-135 are nodata everywhere
    wl = np.array([float(m["wavelength"]) for m in md])
    srfs = S.read_pyrsr_sensor(S2_SRF, ["2", "3", "4", "8"])
    msi, _ = S.simulate_msi(cube[good].astype(np.float64), wl[good], srfs)
    r = 2
    lr = np.full((cube.shape[0], 16, 16), -32768, np.float32)
    lr[good] = mtf_filter_decimate(cube[good], 0.3, r)
    gt = src.GetGeoTransform()
    lr_path = _write(tmp_path / "lr.tif", lr, (gt[0] + 15, 60.0, 0, gt[3] - 15, 0, -60.0), src.GetProjection(),
                     -32768, md)
    hr_path = _write(tmp_path / "msi.tif", msi.astype(np.float32), gt, src.GetProjection())
    # the guard off: this is about the network's own band handling (the guard may return LS detail here)
    ds, logs = _run(tmp_path, "enmap", hr_path, lr_path, weights=tiny_base, adapt=True, adapt_steps=3, guard=False,
                    adapted_weights=str(tmp_path / "enmap.safetensors"))
    out = ds.ReadAsArray()
    assert ds.GetMetadataItem("DEEPPANSHARPEN_PRODUCED_BY") == "infn"
    nodata = ds.GetRasterBand(131).GetNoDataValue()
    assert nodata == -32768
    for b in list(range(129, 135)) + [10]:               # 0-based: bands 130-135 and the constant band 11
        assert np.all(out[b] == nodata), b
    rest = [b for b in range(224) if b not in list(range(129, 135)) + [10]]
    assert np.all(out[rest] != nodata) and np.isfinite(out[rest]).all()
    assert any("bad LR band" in m for m in logs)
    man = W.read_manifest(str(tmp_path / "enmap.safetensors"))
    assert len(man["bands"]["lr_used"]) == 217 and 10 not in man["bands"]["lr_used"]
    # the classical methods get the same treatment from the engine
    res = run_fusion(FusionRequest("hsms", hr_path, lr_path, str(tmp_path / "glp.tif"), method="mtf_glp_hs",
                                   output_dtype="float32"))
    glp = gdal.Open(res.output_path).ReadAsArray()
    assert np.all(glp[130] == -32768) and np.all(glp[rest] != -32768)


# --- the bundled model ----------------------------------------------------------------------------

REFERENCE = os.path.join(REPO, "tests", "data", "infn_bundled_reference.npz")


def test_bundled_weights_load_verify_and_reproduce_the_stored_output():
    from scripts.make_infn_reference import bundled_weights, reference_output
    path = bundled_weights()
    if path is None:
        pytest.skip("no bundled INFN weights in resources/weights yet")
    tensors, man = W.load_weights(path, engine="infn")          # checks the SHA-256
    assert man["bands"]["lr_bands"] == 31 and man["bands"]["hr_bands"] == 3 and 4 in man["ratios"]
    assert os.path.exists(REFERENCE), "run `.venv/bin/python scripts/make_infn_reference.py` to store the reference"
    ref = np.load(REFERENCE)
    assert str(ref["sha256"]) == man["weights"]["sha256"], \
        "the stored reference was made with other weights: rerun scripts/make_infn_reference.py"
    out = reference_output(path)
    assert np.allclose(out, ref["output"], atol=2e-4), float(np.abs(out - ref["output"]).max())
