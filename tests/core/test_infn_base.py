"""INFN refining a classical base: a model whose manifest lists training bases returns the chosen base plus
its correction; with a zero correction that is the base itself, through tiles, adaptation and the guard."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from osgeo import gdal

torch = pytest.importorskip("torch")

from core import auto_select  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.errors import InputError  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.infn import INFN, InfnConfig  # noqa: E402
from core.training import cave  # noqa: E402
from rasters import write_raster  # noqa: E402

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample")
JR_MSI = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")
JR_HSI = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
TINY = dict(feat_dim=16, spe_width=16, spe_blocks=1, spa_width=8, spa_blocks=1, mlp_hidden=(16,), mlp_out=16,
            dec_widths=(16,))
BASES = ["mtf_glp_hs", "ls_detail", "gsa_hs"]


def _save(folder, hsi, msi, correction: float, name="based", bases=BASES) -> str:
    torch.manual_seed(0)
    cfg = InfnConfig(hsi_bands=hsi, msi_bands=msi, **TINY)
    model = INFN(cfg)
    with torch.no_grad():
        model.bands.out.weight.normal_(0, correction)
    path = os.path.join(str(folder), name + ".safetensors")
    W.save_weights(path, model.state_dict(), {
        "name": name, "engine": "infn", "config": cfg.to_dict(), "ratios": [4], "any_ratio": True,
        "bands": {"lr_bands": hsi, "hr_bands": msi, "lr_wavelengths_nm": [400.0 + 300.0 * i / (hsi - 1)
                                                                          for i in range(hsi)]},
        "training": {"bases": list(bases)}})
    return path


@pytest.fixture(scope="module")
def smooth_pair(tmp_path_factory):
    """A 12-band HSI (x4) and a 3-band MSI made from one smooth spectral-spatial scene."""
    d = tmp_path_factory.mktemp("pair")
    rng = np.random.default_rng(5)
    from scipy import ndimage
    abund = ndimage.gaussian_filter(rng.random((3, 160, 160)), (0, 3, 3))
    spectra = rng.random((12, 3)) * 0.8 + 0.2
    cube = np.tensordot(spectra, abund, axes=(1, 0)).astype(np.float32) * 2000
    msi = np.tensordot(rng.random((3, 12)) / 12, cube, axes=(1, 0)).astype(np.float32)
    lr = ndimage.uniform_filter(cube, (1, 4, 4))[:, 1::4, 1::4]
    return write_raster(d / "msi.tif", msi, 10.0), write_raster(d / "hsi.tif", lr, 40.0)


def _fuse(tmp_path, name, pair, method, tile=512, overlap=32, **options):
    out = str(tmp_path / f"{name}.tif")
    logs: list[str] = []
    run_fusion(FusionRequest("hsms", pair[0], pair[1], out, method=method, output_dtype="float32", device="cpu",
                             tile_size=tile, overlap=overlap, method_options=options), log=logs.append)
    ds = gdal.Open(out)
    return ds.ReadAsArray(), ds.GetMetadata(), logs


def test_a_zero_correction_returns_the_chosen_base_exactly_through_tiles(tmp_path, smooth_pair):
    weights = _save(tmp_path, 12, 3, correction=0.0)
    base, _md, _ = _fuse(tmp_path, "base", smooth_pair, "ls_detail")
    for tile in (64, 512):
        out, md, logs = _fuse(tmp_path, f"infn{tile}", smooth_pair, "infn", tile=tile, weights=weights,
                              base="ls_detail", guard=False)
        np.testing.assert_allclose(out, base, rtol=0, atol=1e-3 * np.abs(base).max())
    assert any("INFN refines" in m and "option base" in m for m in logs)
    assert json.loads(md["DEEPPANSHARPEN_INFN_BASE"])["base"] == "ls_detail"
    with pytest.raises(InputError, match="this model refines"):
        _fuse(tmp_path, "bad", smooth_pair, "infn", weights=weights, base="cnmf")


def test_the_base_is_the_one_the_network_refines_best_on_the_check(tmp_path, smooth_pair, monkeypatch):
    weights = _save(tmp_path, 12, 3, correction=0.0, bases=["hs_exp", "ls_detail"])
    out, md, logs = _fuse(tmp_path, "auto", smooth_pair, "infn", weights=weights, guard=False)
    assert any(m.startswith("INFN base (the network refining each base") for m in logs)
    choice = json.loads(md["DEEPPANSHARPEN_INFN_BASE"])
    # with a zero correction the network is its base: interpolation cannot beat the least-squares detail on a
    # scene that is linear in the MSI
    assert choice["base"] == "ls_detail" and {c["method"] for c in choice["candidates"]} == {"hs_exp", "ls_detail"}
    chosen, _md, _ = _fuse(tmp_path, "ls", smooth_pair, "ls_detail")
    np.testing.assert_allclose(out, chosen, rtol=0, atol=1e-3 * np.abs(chosen).max())
    # a network that spoils one base: the check scores what the network makes of each, so the other is chosen
    from core.methods.infn_method import INFN as Method
    refine = Method._refine

    def spoiled(self, tile, model, base_method):
        out = refine(self, tile, model, base_method)
        return out * np.float32(1.3) if base_method is not None and base_method.name == "ls_detail" else out
    monkeypatch.setattr(Method, "_refine", spoiled)
    _out, md, _ = _fuse(tmp_path, "spoiled", smooth_pair, "infn", weights=weights, guard=False)
    assert json.loads(md["DEEPPANSHARPEN_INFN_BASE"])["base"] == "hs_exp"


def test_a_correction_changes_the_base_and_the_guard_compares_it(tmp_path, smooth_pair):
    weights = _save(tmp_path, 12, 3, correction=0.2)
    base, _md, _ = _fuse(tmp_path, "base", smooth_pair, "ls_detail")
    off, md, _ = _fuse(tmp_path, "off", smooth_pair, "infn", weights=weights, base="ls_detail", guard=False)
    assert md["DEEPPANSHARPEN_PRODUCED_BY"] == "infn"
    assert np.abs(off - base).mean() > 1e-3 * np.abs(base).mean()
    # the network runs on each tile's output window plus its own halo, not on the base's wider halo
    tiled, _md, _ = _fuse(tmp_path, "tiled", smooth_pair, "infn", tile=64, overlap=0, weights=weights,
                          base="ls_detail", guard=False)
    np.testing.assert_allclose(tiled, off, rtol=0, atol=1e-4 * np.abs(off).max())
    on, md, _ = _fuse(tmp_path, "on", smooth_pair, "infn", weights=weights, base="ls_detail")
    rec = json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"])
    assert {c["method"] for c in rec["candidates"]} == set(auto_select.HSMS_CANDIDATES)
    if rec["result"] == "classical returned":
        ref, _md, _ = _fuse(tmp_path, "ref", smooth_pair, rec["best_classical"])
        np.testing.assert_array_equal(on, ref)
    else:
        np.testing.assert_array_equal(on, off)


@pytest.mark.skipif(not os.path.exists(JR_HSI), reason="the Jasper Ridge sample is missing")
def test_adapting_to_another_band_layout_starts_at_the_base(tmp_path):
    """Jasper Ridge (198 + 10 bands) from a 12 + 3 base-refining model: new band layers with a zero correction,
    so the adaptation's start is the base's error on the reduced pairs, and it only keeps a lower one."""
    weights = _save(tmp_path, 12, 3, correction=0.1)
    pair = (JR_MSI, JR_HSI)
    out, md, logs = _fuse(tmp_path, "jr", pair, "infn", weights=weights, adapt=True, adapt_steps=6, base="ls_detail",
                          guard=False, adapted_weights=str(tmp_path / "jr_adapted.safetensors"))
    ad = json.loads(md["DEEPPANSHARPEN_INFN_ADAPTATION"])
    assert ad["steps"] == 6 and ad["error_after"]["rmse"] <= ad["error_before"]["rmse"]
    assert not any("linear detail path" in n for n in ad["notes"])        # the base carries the detail
    # the start is the base: its reduced-resolution error is far below interpolation's
    assert ad["error_before"]["rmse"] < 0.8 * ad["error_interpolated"]["rmse"]
    man = W.read_manifest(str(tmp_path / "jr_adapted.safetensors"))
    assert man["training"]["bases"] == ["ls_detail"] and man["config"]["srf_detail"] is False
    # the saved model refines the same base again without adapting
    again, md2, logs2 = _fuse(tmp_path, "jr2", pair, "infn", weights=str(tmp_path / "jr_adapted.safetensors"),
                              guard=False)
    assert any("INFN refines" in m for m in logs2)
    np.testing.assert_allclose(again, out, rtol=0, atol=1e-3 * np.nanmax(np.abs(out)))


@pytest.mark.skipif(not os.path.exists(JR_HSI), reason="the Jasper Ridge sample is missing")
def test_a_model_moved_to_another_layout_refines_the_blend(tmp_path):
    """Any model (here one trained without bases) moved to another band layout starts at zero correction, so it
    refines the blend of the classical methods (hs_blend) fitted on the same scene."""
    weights = _save(tmp_path, 12, 3, correction=0.1, bases=[])
    pair = (JR_MSI, JR_HSI)
    _out, md, logs = _fuse(tmp_path, "jr", pair, "infn", weights=weights, adapt=True, adapt_steps=2, guard=False)
    choice = json.loads(md["DEEPPANSHARPEN_INFN_BASE"])
    assert choice["base"] == "hs_blend" and "blend" in choice["reason"]
    assert any(m.startswith("Blend: weights fitted") for m in logs)
    ad = json.loads(md["DEEPPANSHARPEN_INFN_ADAPTATION"])
    assert ad["error_before"]["rmse"] < 0.8 * ad["error_interpolated"]["rmse"]


@pytest.mark.skipif(not os.path.exists(JR_HSI), reason="the Jasper Ridge sample is missing")
def test_a_correction_worse_than_its_base_on_the_check_is_dropped(tmp_path, monkeypatch):
    """The adapted correction spoiled after the adaptation: the guard finds the network worse than its own base
    (the blend) on the check and returns the base; with the guard off the spoiled network is written."""
    from core.adapt import infn_adapt as A
    real_adapt = A.adapt

    def spoiled(model, *args, **kwargs):
        report = real_adapt(model, *args, **kwargs)
        with torch.no_grad():
            model.bands.out.weight.normal_(0, 0.5, generator=torch.Generator().manual_seed(3))
        return dict(report, kept="adapted")           # as if training had kept its steps
    monkeypatch.setattr(A, "adapt", spoiled)
    weights = _save(tmp_path, 12, 3, correction=0.1, bases=[])
    pair = (JR_MSI, JR_HSI)
    on, md, res_logs = _fuse(tmp_path, "on", pair, "infn", weights=weights, adapt=True, adapt_steps=2)
    rec = json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"])
    assert rec["base"]["method"] == "hs_blend"
    assert rec["network_alone"]["ergas"] > 2 * rec["base"]["ergas"]
    assert rec["network"] == {k: rec["base"][k] for k in ("ergas", "sam")}
    # the blend then beats LS detail, the best classical candidate on this check (ERGAS 0.59 vs 0.78)
    assert rec["result"] == "base returned" and md["DEEPPANSHARPEN_PRODUCED_BY"] == "hs_blend"
    assert any("correction made its base" in m for m in res_logs)
    off, md_off, _ = _fuse(tmp_path, "off", pair, "infn", weights=weights, adapt=True, adapt_steps=2, guard=False)
    assert md_off["DEEPPANSHARPEN_PRODUCED_BY"] == "infn"
    assert np.nanmean(np.abs(off - on)) > 0.05 * np.nanmean(np.abs(on))


def test_cave_batches_draw_every_base_on_the_patch_s_own_crop():
    rng = np.random.default_rng(0)
    cube = rng.random((31, 64, 64)).astype(np.float32)
    sc = cave.simulate_scene("s", cube, [4], np.full((3, 31), 1 / 31))
    cave.add_bases([sc], ["hs_exp", "ls_detail"])
    np.testing.assert_array_equal(sc.bases[4]["hs_exp"], sc.lr_up[4])
    assert not np.allclose(sc.bases[4]["ls_detail"], sc.lr_up[4])
    b = cave.sample_batch([sc], 4, 16, 4, np.random.default_rng(1), augment=False, bases=("hs_exp", "ls_detail"))
    assert set(b.bases) == {"hs_exp", "ls_detail"}
    p = b.target.shape[-1]
    for k, name in enumerate(b.bases):       # each patch's anchor is its base on the target's own crop
        y0, x0 = next((y, x) for y in range(0, 64 - p + 1) for x in range(0, 64 - p + 1)
                      if np.array_equal(sc.hr[:, y:y + p, x:x + p], b.target[k]))
        np.testing.assert_array_equal(b.lr_up[k], sc.bases[4][name][:, y0:y0 + p, x0:x0 + p])


@pytest.mark.skipif(not os.path.exists(JR_HSI), reason="the Jasper Ridge sample is missing")
def test_an_adaptation_that_keeps_its_start_returns_the_base_without_the_network(tmp_path, monkeypatch):
    """A moved model whose adaptation did not lower the error keeps its start, a zero correction: the result is
    the base itself, the network is not run on the tiles, and the guard records the base as what made it."""
    from core.methods import infn_method
    weights = _save(tmp_path, 12, 3, correction=0.1, bases=[])
    pair = (JR_MSI, JR_HSI)
    calls = []
    real_refine = infn_method.INFN._refine
    monkeypatch.setattr(infn_method.INFN, "_refine", lambda self, *a: calls.append(1) or real_refine(self, *a))
    # one step cannot lower the reduced-resolution error by 1 %: the start is kept
    on, md, logs = _fuse(tmp_path, "on", pair, "infn", weights=weights, adapt=True, adapt_steps=1)
    ad = json.loads(md["DEEPPANSHARPEN_INFN_ADAPTATION"])
    assert ad["kept"].startswith("start") and any("the network is not run" in m for m in logs)
    rec = json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"])
    assert rec["result"] == "base returned" and md["DEEPPANSHARPEN_PRODUCED_BY"] == "hs_blend"
    assert rec["network"] == {k: rec["base"][k] for k in ("ergas", "sam")} and "network_alone" not in rec
    assert not any("correction made its base" in m for m in logs)
    calls.clear()
    off, md_off, _ = _fuse(tmp_path, "off", pair, "infn", weights=weights, adapt=True, adapt_steps=1, guard=False)
    assert calls == []                                   # no tile went through the network
    np.testing.assert_array_equal(on, off)
