"""PanAdapter v2 as an engine method: the LR pixel centres where training put them, the base chosen on the
scene's check, the guard, a clear error for a band layout it has no network for, and the scene adaptation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

torch = pytest.importorskip("torch")

from core.adapt import full_scale as FS, pan_scet_adapt as A  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.errors import InputError  # noqa: E402
from core.methods import pan_scet_method as M  # noqa: E402
from core.methods.base import Tile  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.pan_scet import PanScet, PanScetConfig  # noqa: E402
from core.models.pan_scet.predict import MIN_SIDE, padding, predict_tile  # noqa: E402
from rasters import write_raster  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
ORIGIN = (500000.0, 4000000.0)
WV_PAN, WV_MS = SAMPLE / "worldview2_pan_0.5m.tif", SAMPLE / "worldview2_ms_BGRN_2m.tif"
L8_PAN, L8_MS = SAMPLE / "landsat8_pan_B8_15m.tif", SAMPLE / "landsat8_ms_B2-B5_30m.tif"


@pytest.fixture(scope="module")
def bundled():
    found = M.bundled_models()
    if not found:
        pytest.skip("no bundled PanAdapter v2 weights")
    return M.load_network(found[0]["path"])


def fuse(tmp_path, name, pan, ms, method="panadapter_v2", **options):
    out = str(tmp_path / f"{name}.tif")
    res = run_fusion(FusionRequest("pansharpen", str(pan), str(ms), out, method=method, output_dtype="float32",
                                   device="cpu", method_options=dict(options, threads=2) if
                                   method == "panadapter_v2" else {}))
    ds = gdal.Open(out)
    return ds.ReadAsArray().astype(np.float64), ds.GetMetadata(), res


@pytest.mark.parametrize("r", [2, 4])
def test_padding_puts_the_lr_pixel_centres_where_training_had_them(r):
    for p in range(r):
        top, bottom, left, right = padding(50, 70, r, (p, (p + 1) % r), 4)
        assert (p + top) % r == r // 2 and ((p + 1) % r + left) % r == r // 2
        assert (50 + top + bottom) % 4 == 0 and (70 + left + right) % 4 == 0
        assert min(50 + top + bottom, 70 + left + right) >= MIN_SIDE


def test_a_tile_cut_one_row_lower_gives_the_same_pixels(bundled):
    """The same image seen from two tile origins (decimation phases 2 and 1): the padding realigns the work grid,
    so the interior agrees; without it the LR samples would fall in other work blocks."""
    model, _man = bundled
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:128, 0:128] / 128.0
    pan = (0.3 + 0.1 * np.sin(12 * yy) * np.cos(9 * xx) + 0.02 * rng.random((128, 128))).astype(np.float32)
    ms_up = np.stack([pan * g for g in (0.8, 0.9, 1.0, 1.3)]).astype(np.float32)
    base = ms_up + 0.05 * (pan - pan.mean())
    whole = predict_tile(model, ms_up, pan, base, 4, (2, 2))
    cut = predict_tile(model, ms_up[:, 1:], pan[1:], base[:, 1:], 4, (1, 2))
    inner = (slice(None), slice(24, 100), slice(24, 100))
    assert np.abs(whole[:, 1:][inner] - cut[inner]).max() < 0.05 * np.abs(whole - base).max()
    assert np.abs(whole - base).max() > 1e-3            # the network does change its base


def test_the_network_refines_the_base_chosen_on_the_check(tmp_path, bundled):
    out, md, _res = fuse(tmp_path, "v2", WV_PAN, WV_MS, guard=False)
    assert md["DEEPPANSHARPEN_PRODUCED_BY"] == "panadapter_v2"
    blend = json.loads(md["DEEPPANSHARPEN_PANADAPTER_V2_ANGLE_BLEND"])          # picked on the check
    assert blend["angle_blend"] in M.AB.STEPS and [c["angle_blend"] for c in blend["check"]] == list(M.AB.STEPS)
    base_rec = json.loads(md["DEEPPANSHARPEN_PANADAPTER_V2_BASE"])
    base = base_rec["base"]
    assert base in M.DEFAULT_BASES and {c["method"] for c in base_rec["candidates"]} == set(M.DEFAULT_BASES)
    alone, _md, _res = fuse(tmp_path, "base", WV_PAN, WV_MS, method=base)
    assert np.abs(out - alone).mean() > 0.01 * np.abs(alone).mean()          # the network changes its base
    # ... by a correction: every band stays close to the base's (it adds detail and fixes colour)
    assert min(np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(out, alone)) > 0.9


def test_a_network_that_loses_returns_the_classical_result(tmp_path, bundled):
    model, man = bundled
    broken = PanScet(PanScetConfig.from_dict(man["config"]))
    broken.load_state_dict(model.state_dict())
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for layer in broken.tail.values():
            layer[-1].weight.copy_(torch.randn(layer[-1].weight.shape, generator=g) * 0.2)
    path = str(tmp_path / "broken.safetensors")
    W.save_weights(path, broken.state_dict(), {k: v for k, v in man.items()
                                               if k not in ("weights", "path", M.ENSEMBLE_KEY)} | {"name": "broken"})
    out, md, res = fuse(tmp_path, "broken", WV_PAN, WV_MS, weights=path)
    rec = json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"])
    assert rec["result"] == "classical returned" and md["DEEPPANSHARPEN_PRODUCED_BY"] == rec["best_classical"]
    assert any(w.startswith("PanAdapter v2 lost to ") for w in res.warnings)
    alone, _md, _res = fuse(tmp_path, "alone", WV_PAN, WV_MS, method=rec["best_classical"])
    np.testing.assert_array_equal(out, alone)


def test_the_bundled_network_averages_its_result_with_the_networks_its_manifest_names(tmp_path, bundled):
    _model, man = bundled
    partners = M.load_partners(man)
    assert [m["name"] for _n, m in partners] == man[M.ENSEMBLE_KEY] and partners
    base = "mtf_glp_fs"
    # no spectral blend: it is picked per run (and applied to the mean), which this test is not about
    fixed = dict(base=base, guard=False, angle_blend=0)
    both, md, _res = fuse(tmp_path, "both", WV_PAN, WV_MS, **fixed)
    alone, md_alone, _res = fuse(tmp_path, "alone", WV_PAN, WV_MS, ensemble=False, **fixed)
    other, _md, _res = fuse(tmp_path, "other", WV_PAN, WV_MS, weights=partners[0][1]["path"], **fixed)
    # each network refines the same base; the result is the mean of their results
    np.testing.assert_allclose(both, (alone + other) / 2, rtol=0, atol=1e-4 * np.abs(both).max())
    assert np.abs(alone - other).mean() > 1e-3 * np.abs(alone).mean()          # two different networks
    assert "pan_scet_4band_vhr_pnn" in md["DEEPPANSHARPEN_PANADAPTER_V2_AVERAGED_WITH"]
    assert "DEEPPANSHARPEN_PANADAPTER_V2_AVERAGED_WITH" not in md_alone


def test_a_partner_network_that_is_not_installed_is_a_clear_error(tmp_path, bundled):
    model, man = bundled
    path = str(tmp_path / "lonely.safetensors")
    W.save_weights(path, model.state_dict(), {k: v for k, v in man.items() if k not in ("weights", "path")}
                   | {"name": "lonely", M.ENSEMBLE_KEY: ["no_such_network"]})
    with pytest.raises(InputError, match="'no_such_network', which is not installed.*ensemble=false"):
        fuse(tmp_path, "lonely", WV_PAN, WV_MS, weights=path, guard=False)
    _out, _md, _res = fuse(tmp_path, "lonely_off", WV_PAN, WV_MS, weights=path, guard=False, ensemble=False)


def test_a_band_layout_without_a_network_is_a_clear_error(tmp_path, bundled):
    ms3 = str(tmp_path / "ms3.tif")
    gdal.Translate(ms3, str(WV_MS), bandList=[1, 2, 3])
    with pytest.raises(InputError, match="no network for 3 MS bands.*PanAdapter"):
        fuse(tmp_path, "three", WV_PAN, ms3)


def test_a_scene_too_small_to_check_an_adaptation_skips_it_with_a_warning(tmp_path, bundled):
    pan, ms = str(tmp_path / "pan.tif"), str(tmp_path / "ms.tif")
    gdal.Translate(pan, str(WV_PAN), srcWin=[0, 0, 200, 200])
    gdal.Translate(ms, str(WV_MS), srcWin=[0, 0, 50, 50])
    _out, md, res = fuse(tmp_path, "small", pan, ms, adapt=True, adapt_seconds=5, guard=False)
    assert any("ADAPT is skipped" in w for w in res.warnings)
    assert "skipped" in json.loads(md["DEEPPANSHARPEN_PANADAPTER_V2_ADAPTATION"])
    with pytest.raises(InputError, match="adaptation objective 'zero'"):
        fuse(tmp_path, "typo", pan, ms, adapt=True, adapt_objective="zero", guard=False)


def _pairs(n=2, side=160, bands=4, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        ref = rng.random((bands, side, 2 * side)).astype(np.float32)
        pan = ref.mean(axis=0)
        ms_up = (ref * 0.7 + 0.15).astype(np.float32)
        out.append((ms_up, pan.astype(np.float32), ref, ms_up.copy()))
    return out


def _tiny_network():
    """(a small PanScet, a copy of its frozen tensors)."""
    torch.manual_seed(0)
    model = PanScet(PanScetConfig(bands=4, ratios=(4,), dim=16, heads=2, scpa_blocks=2, inject_every=1,
                                  branch_dim=8, tail_width=16, rfdn_feats=16, rfdn_blocks=2))
    return model, {k: v.clone() for k, v in model.state_dict().items() if model.is_frozen(k)}


def test_adaptation_trains_only_the_new_parts_and_keeps_the_best_check():
    model, frozen = _tiny_network()
    pairs = _pairs()
    small = [tuple(a[..., :60, :60] for a in p) for p in pairs]
    assert A.can_adapt(model.cfg, pairs, 4) and not A.can_adapt(model.cfg, small, 4)
    rep = A.adapt_pan_scet(model, pairs, 4, seconds=600, device=torch.device("cpu"), max_steps=6, checks=3)
    assert rep["steps"] == 6 and rep["held_out"] == 2
    assert rep["check_loss_after"] <= rep["check_loss_before"]
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in frozen.items())
    if rep["kept"]:
        assert rep["check_loss_after"] < rep["check_loss_before"]


def test_the_full_resolution_objective_trains_on_the_scene_itself_without_the_wald_loss():
    model, frozen = _tiny_network()
    pairs = _pairs()
    tiles = [Tile(hr=p[1][None], lr_up=p[0], lr=p[0][:, 2::4, 2::4], valid=np.ones(p[1].shape, bool), ratio=4,
                  phase=(2, 2)) for p in pairs]
    full = FS.blocks(tiles, 4, 0.15, 1.0, lambda t: t.lr_up)
    kw = dict(seconds=600, device=torch.device("cpu"), max_steps=4, checks=2, full=full, gains=[0.3] * 4)
    rep = A.adapt_pan_scet(model, pairs, 4, wald_weight=0.0, full_weight=1.0, spatial_weight=0.1, **kw)
    assert rep["steps"] == 4 and "full-resolution" in rep["loss"]
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in frozen.items())
    # the Wald loss switched off and no full blocks: no gradient at all, so nothing moves
    still = {k: v.clone() for k, v in model.state_dict().items()}
    A.adapt_pan_scet(model, pairs, 4, wald_weight=0.0, full_weight=0.0, **dict(kw, full=None))
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in still.items())


def test_an_adapted_network_is_saved_and_gives_the_same_pixels_when_reused(tmp_path, bundled):
    rng = np.random.default_rng(5)
    side = 512
    yy, xx = np.mgrid[0:side, 0:side] / side
    tex = np.kron(rng.random((side // 8, side // 8)), np.ones((8, 8))) + 0.3 * np.sin(40 * yy) * np.cos(31 * xx)
    cube = np.stack([(tex + 0.2 * rng.random((side, side))) * (0.7 + 0.2 * b) for b in range(4)]) * 500 + 200
    pan = write_raster(tmp_path / "pan.tif", cube.mean(0), 0.5, ORIGIN, gdal.GDT_UInt16, None)
    ms = write_raster(tmp_path / "ms.tif", cube.reshape(4, side // 4, 4, side // 4, 4).mean(axis=(2, 4)), 2.0, ORIGIN,
                      gdal.GDT_UInt16, None)
    saved = tmp_path / "mine.safetensors"
    # float32 inference: bfloat16's rounding of the body (core.models.precision) would hide the weights' rounding;
    # the spectral blend fixed: it is chosen on the scene's check, which an adapting run takes from the parts it held
    # out and a later run from the whole samples, so it may differ between the two runs by design
    out, md, res = fuse(tmp_path, "adapted", pan, ms, adapt=True, adapt_steps=4, adapted_weights=str(saved),
                        guard=False, precision="float32", angle_blend=0)
    rep = json.loads(md["DEEPPANSHARPEN_PANADAPTER_V2_ADAPTATION"])
    assert rep["steps"] >= 1 and rep["held_out"] >= 1 and rep["check_loss_after"] <= rep["check_loss_before"]
    # the default objective runs both adaptations and keeps the one with the lower check loss
    tried = rep["objectives"]
    assert set(tried) == {"wald", "full"} and rep["objective"] in tried
    assert rep["check_loss_after"] == min(v["check_loss_after"] for v in tried.values())
    man = W.read_manifest(str(saved))
    assert man["training"]["adapted_from"] == "pan_scet_4band_vhr" and man["training"]["bases"] == [rep["base"]]
    # the network it is averaged with was adapted too (its share of the time) and saved beside it
    assert [p["started_from"] for p in rep["partners"]] == ["pan_scet_4band_vhr_pnn"]
    assert man[M.ENSEMBLE_KEY] == ["mine_member2.safetensors"]
    member = W.read_manifest(str(tmp_path / "mine_member2.safetensors"))
    assert member["training"]["adapted_from"] == "pan_scet_4band_vhr_pnn" and M.ENSEMBLE_KEY not in member
    again, _md, _res = fuse(tmp_path, "reused", pan, ms, weights=str(saved), base=rep["base"], guard=False,
                            precision="float32", angle_blend=0)
    # the same pixels up to the fp16 rounding of both networks' weights on disk (a few pixels move by 0.3 %)
    np.testing.assert_allclose(again, out, rtol=0, atol=3e-3 * np.abs(out).max())
    assert np.abs(again - out).mean() < 1e-4 * np.abs(out).max()


def test_an_adapted_weights_name_gets_the_weights_suffix():
    assert W.weights_file("/d/mine.safetensors") == "/d/mine.safetensors"
    assert W.weights_file("/d/mine.pt") == "/d/mine.safetensors"
    assert W.weights_file("/d/mine") == "/d/mine.safetensors"


def _check_block(ref: np.ndarray, ms_up: np.ndarray, r: int = 4):
    from core import auto_select
    from core.methods.deep_guard import reduced_tile
    valid = np.ones(ref.shape[1:], bool)
    return auto_select.CheckBlock(reduced_tile(ref.mean(0, keepdims=True), ms_up, ms_up[:, 2::r, 2::r], valid, r),
                                  ref.astype(np.float32), valid)


def test_the_spectral_blend_is_picked_where_the_network_turns_the_angles_and_not_elsewhere():
    rng = np.random.default_rng(3)
    ref = (0.3 + rng.random((4, 64, 64))).astype(np.float32)
    # the interpolated MS: the right spectral directions, blurred brightness
    ms_up = (ref * (0.8 + 0.4 * rng.random((1, 64, 64)))).astype(np.float32)
    block = _check_block(ref, ms_up)
    turned = ref * (1 + 0.15 * rng.standard_normal((4, 64, 64))).astype(np.float32)      # detail that turns angles
    alpha, rows = M.choose_blend([turned], [block], 4)
    sam = {a: s for a, _e, s in rows}
    assert alpha > 0 and sam[alpha] < 0.8 * sam[0.0]
    assert [a for a, _e, _s in rows] == list(M.AB.STEPS)
    alpha, _rows = M.choose_blend([ref * 1.01], [block], 4)           # right angles already: nothing to gain
    assert alpha == 0.0
    # the interpolated MS's angles worse than the network's: no blend, however the sum rule would score it
    worse = _check_block(ref, (ref * (1 + 0.3 * rng.standard_normal((4, 64, 64)))).astype(np.float32))
    alpha, rows = M.choose_blend([turned], [worse], 4)
    assert alpha == 0.0 and rows[-1][2] > rows[0][2]


def test_the_blend_option_is_recorded_and_checked(tmp_path, bundled):
    out, md, _res = fuse(tmp_path, "fixed", WV_PAN, WV_MS, guard=False, angle_blend=0.5)
    rec = json.loads(md["DEEPPANSHARPEN_PANADAPTER_V2_ANGLE_BLEND"])
    assert rec == {"angle_blend": 0.5, "reason": "option angle_blend"}
    none, _md, _res = fuse(tmp_path, "none", WV_PAN, WV_MS, guard=False, angle_blend=0)
    assert np.abs(out - none).mean() > 1e-4 * np.abs(none).mean()
    with pytest.raises(InputError, match="angle_blend"):
        fuse(tmp_path, "bad", WV_PAN, WV_MS, guard=False, angle_blend=2)


def test_a_fixed_number_of_adaptation_steps_gives_the_same_pixels_on_every_run(tmp_path, bundled):
    """adapt_steps: each network and each objective runs exactly that many steps, whatever the machine's load, so
    two runs are the same run (a time budget gives fewer steps on a busy machine, and another result)."""
    rng = np.random.default_rng(9)
    side = 384
    tex = np.kron(rng.random((side // 8, side // 8)), np.ones((8, 8))) + 0.2 * rng.random((side, side))
    cube = np.stack([tex * (0.7 + 0.2 * b) for b in range(4)]) * 500 + 200
    pan = write_raster(tmp_path / "pan.tif", cube.mean(0), 0.5, ORIGIN, gdal.GDT_UInt16, None)
    ms = write_raster(tmp_path / "ms.tif", cube.reshape(4, side // 4, 4, side // 4, 4).mean(axis=(2, 4)), 2.0, ORIGIN,
                      gdal.GDT_UInt16, None)
    runs = [fuse(tmp_path, f"steps{k}", pan, ms, adapt=True, adapt_steps=3, guard=False) for k in range(2)]
    rep = json.loads(runs[0][1]["DEEPPANSHARPEN_PANADAPTER_V2_ADAPTATION"])
    assert {v["steps"] for v in rep["objectives"].values()} == {3}
    assert [{v["steps"] for v in p["objectives"].values()} for p in rep["partners"]] == [{3}]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])


def test_the_check_is_built_only_for_the_automatic_blend_or_the_guard(tmp_path, bundled, monkeypatch):
    built = []
    real = M.deep_guard.pan_check
    monkeypatch.setattr(M.deep_guard, "pan_check", lambda *a, **k: built.append(1) or real(*a, **k))
    fuse(tmp_path, "fixed", WV_PAN, WV_MS, angle_blend=0, guard=False)
    assert built == []
    fuse(tmp_path, "auto", WV_PAN, WV_MS, guard=True)
    assert built == [1]                   # once, for the blend and the guard together
