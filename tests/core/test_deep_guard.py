"""The deep guard: PanAdapter and INFN return the best classical result on scenes where they lose to it on
the reduced-resolution check, keep theirs where they win, and the output says which method made the pixels."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from core import auto_select  # noqa: E402
from core.adapt import infn_adapt as A, panadapter_adapt as PA  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.methods import deep_guard, panadapter_method as P  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.infn import INFN, InfnConfig  # noqa: E402
from core.models.panadapter.store import load_model  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
L8_PAN, L8_MS = SAMPLE / "landsat8_pan_B8_15m.tif", SAMPLE / "landsat8_ms_B2-B5_30m.tif"
JR_MSI, JR_HSI = SAMPLE / "jasper_ridge_msi_s2_30m.tif", SAMPLE / "jasper_ridge_lrhsi_120m.tif"


def fuse(tmp_path, name, task, hr, lr, method, **options):
    out = str(tmp_path / f"{name}.tif")
    res = run_fusion(FusionRequest(task, str(hr), str(lr), out, method=method, output_dtype="float32",
                                   sensor="landsat89" if task == "pansharpen" else "generic", device="cpu",
                                   method_options=dict(options, threads=2) if method == "panadapter" else options))
    ds = gdal.Open(out)
    md = ds.GetMetadata()
    return ds.ReadAsArray(), md, res


def guard_record(md) -> dict:
    return json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"])


@pytest.fixture(scope="module")
def garbage_panadapter(tmp_path_factory):
    """The bundled 4-band network with random output layers: a real PanAdapter that fuses badly."""
    found = P.find_bundled(4, 2)
    if not found or not L8_PAN.exists():
        pytest.skip("bundled PanAdapter weights or the Landsat sample missing")
    model, man = load_model(found[0]["path"])
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for layer in (model.tail1.out, model.tail2.out):
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=g) * 0.5)
    path = str(tmp_path_factory.mktemp("w") / "garbage.safetensors")
    W.save_weights(path, model.state_dict(), {k: v for k, v in man.items() if k not in ("weights", "path")}
                   | {"name": "garbage"})
    return path


def test_panadapter_that_loses_returns_the_best_classical_result(tmp_path, garbage_panadapter):
    out, md, res = fuse(tmp_path, "garbage", "pansharpen", L8_PAN, L8_MS, "panadapter", weights=garbage_panadapter)
    rec = guard_record(md)
    best = rec["best_classical"]
    assert rec["result"] == "classical returned" and md["DEEPPANSHARPEN_PRODUCED_BY"] == best != "panadapter"
    assert md["DEEPPANSHARPEN_METHOD"] == "panadapter" and rec["independent"] is True
    scores = {c["method"]: c for c in rec["candidates"]}
    assert rec["network"]["ergas"] > scores[best]["rank_ergas"]
    assert set(auto_select.PAN_CANDIDATES) == set(scores)
    assert any(w.startswith("PanAdapter lost to ") and "result is returned" in w for w in res.warnings)
    # the pixels are the classical method's, exactly as a run of that method gives them
    alone, _md, _res = fuse(tmp_path, "alone", "pansharpen", L8_PAN, L8_MS, best)
    np.testing.assert_array_equal(out, alone)
    # with the guard off the (bad) network's own result is written, and the metadata says so
    off, md_off, _res = fuse(tmp_path, "off", "pansharpen", L8_PAN, L8_MS, "panadapter", weights=garbage_panadapter,
                             guard=False)
    assert md_off["DEEPPANSHARPEN_PRODUCED_BY"] == "panadapter" and guard_record(md_off)["result"] == "off"
    assert np.abs(off - out).mean() > 0.01 * np.abs(out).mean()


def test_panadapter_that_wins_keeps_its_result(tmp_path):
    if not P.find_bundled(4, 2) or not L8_PAN.exists():
        pytest.skip("bundled PanAdapter weights or the Landsat sample missing")
    out, md, _res = fuse(tmp_path, "kept", "pansharpen", L8_PAN, L8_MS, "panadapter")
    rec = guard_record(md)
    assert rec["result"] == "network kept" and md["DEEPPANSHARPEN_PRODUCED_BY"] == "panadapter"
    best = next(c for c in rec["candidates"] if c["method"] == rec["best_classical"])
    assert rec["network"]["ergas"] < best["rank_ergas"]
    off, _md, _res = fuse(tmp_path, "off", "pansharpen", L8_PAN, L8_MS, "panadapter", guard="off")
    np.testing.assert_array_equal(out, off)


def test_panadapter_check_after_adaptation_is_what_the_adaptation_held_out(scene_tiles):
    """The guard scores the parts of the reduced pairs the adaptation never trained on (its own split)."""
    tiles, scene = scene_tiles
    cfg = load_model(P.find_bundled(4, 2)[0]["path"])[0].cfg
    blocks, independent = deep_guard.pan_check(tiles, scene, cfg, adapted=True)
    pairs = PA.scene_pairs(tiles, scene, 1.0, 1.0, "ms_up")
    _big, _size, train, check = PA.crop_plan(cfg, pairs, scene.ratio)
    held = [c for c, t in zip(check, train) if c is not t]
    assert independent and len(blocks) == len(held) > 0
    for b, c, t in zip(blocks, held, train):
        np.testing.assert_array_equal(b.reference, c[2])
        np.testing.assert_array_equal(b.tile.hr[0], c[1])
        # the held-out part and the training part together are the whole pair: no pixel in both
        assert b.reference.shape[-1] + t[2].shape[-1] == pairs[0][2].shape[-1]
    whole, independent = deep_guard.pan_check(tiles, scene, cfg, adapted=False)
    assert independent and whole[0].reference.shape == pairs[0][2].shape


@pytest.fixture(scope="module")
def scene_tiles():
    """The engine's sample tiles and scene of the Landsat sample, as PanAdapter gets them."""
    if not L8_PAN.exists() or not P.find_bundled(4, 2):
        pytest.skip("bundled PanAdapter weights or the Landsat sample missing")
    from core.engine import build_scene_info
    from core.scene import Scene
    scene = Scene(str(L8_PAN), str(L8_MS), None, None, "pansharpen")
    info = build_scene_info(FusionRequest("pansharpen", str(L8_PAN), str(L8_MS), "x.tif", sensor="landsat89"), scene)
    tiles = [scene.read_tile(w, P.PanAdapterMethod().halo(scene.ratio)) for w in scene.sample_windows()]
    return tiles, info


# --- INFN ---------------------------------------------------------------------------------------

def _tiny_infn(folder, hsi, msi) -> str:
    torch.manual_seed(0)
    cfg = InfnConfig(hsi_bands=hsi, msi_bands=msi, feat_dim=16, spe_width=16, spe_blocks=1, spa_width=8,
                     spa_blocks=1, mlp_hidden=(16,), mlp_out=16, dec_widths=(16,))
    model = INFN(cfg)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():                 # an untrained network with a non-trivial output
        model.bands.out.weight.copy_(torch.randn(model.bands.out.weight.shape, generator=g) * 0.1)
    path = str(Path(folder) / "tiny.safetensors")
    W.save_weights(path, model.state_dict(), {"name": "tiny", "engine": "infn", "config": cfg.to_dict(),
                                              "bands": {"lr_bands": hsi, "hr_bands": msi}, "ratios": [4],
                                              "any_ratio": True})
    return path


def test_infn_that_loses_returns_the_best_classical_result(tmp_path):
    if not JR_HSI.exists():
        pytest.skip("the Jasper Ridge sample is missing")
    weights = _tiny_infn(tmp_path, 198, 10)
    out, md, res = fuse(tmp_path, "tiny", "hsms", JR_MSI, JR_HSI, "infn", weights=weights)
    rec = guard_record(md)
    best = rec["best_classical"]
    assert rec["result"] == "classical returned" and md["DEEPPANSHARPEN_PRODUCED_BY"] == best
    assert {c["method"] for c in rec["candidates"]} == set(auto_select.HSMS_CANDIDATES)
    assert rec["independent"] is True and rec["check"] == "the reduced-resolution sample regions"
    assert any(w.startswith("INFN lost to ") for w in res.warnings)
    alone, _md, _res = fuse(tmp_path, "alone", "hsms", JR_MSI, JR_HSI, best)
    np.testing.assert_array_equal(out, alone)
    off, md_off, _res = fuse(tmp_path, "off", "hsms", JR_MSI, JR_HSI, "infn", weights=weights, guard="false")
    assert md_off["DEEPPANSHARPEN_PRODUCED_BY"] == "infn"
    assert np.abs(off - out).mean() > 0.01 * np.abs(out).mean()


def test_infn_that_did_not_adapt_is_replaced_only_when_it_trails_by_more_than_the_margin(tmp_path, monkeypatch):
    """The losing network of the test above, with the margin set just above and just below its loss on the
    check: kept (and the record states the rule), then replaced."""
    if not JR_HSI.exists():
        pytest.skip("the Jasper Ridge sample is missing")
    weights = _tiny_infn(tmp_path, 198, 10)
    _out, md, _res = fuse(tmp_path, "tiny", "hsms", JR_MSI, JR_HSI, "infn", weights=weights)
    rec = guard_record(md)
    pick = next(c for c in rec["candidates"] if c["method"] == rec["best_classical"])
    trails = rec["network"]["ergas"] / (pick["rank_ergas"] or pick["ergas"]) - 1
    assert trails > deep_guard.UNADAPTED_INFN_MARGIN and rec["result"] == "classical returned"
    monkeypatch.setattr(deep_guard, "UNADAPTED_INFN_MARGIN", trails + 0.01)
    out, md, res = fuse(tmp_path, "within", "hsms", JR_MSI, JR_HSI, "infn", weights=weights)
    rec = guard_record(md)
    assert rec["result"] == "network kept" and md["DEEPPANSHARPEN_PRODUCED_BY"] == "infn"
    assert f"at most {trails + 0.01:.0%} above" in rec["rule"]
    off, _md, _res = fuse(tmp_path, "off", "hsms", JR_MSI, JR_HSI, "infn", weights=weights, guard="false")
    np.testing.assert_array_equal(out, off)
    monkeypatch.setattr(deep_guard, "UNADAPTED_INFN_MARGIN", trails - 0.01)
    _out, md, _res = fuse(tmp_path, "beyond", "hsms", JR_MSI, JR_HSI, "infn", weights=weights)
    assert guard_record(md)["result"] == "classical returned"


def test_infn_guard_allows_the_margin_only_to_a_network_that_did_not_adapt(monkeypatch):
    from types import SimpleNamespace

    from core.methods.base import SceneInfo
    seen = []
    monkeypatch.setattr(deep_guard, "run", lambda *a, **k: seen.append(k["margin"]))
    scene = SceneInfo(task="hsms", ratio=4, lr_bands=3, hr_bands=2, gnyq_lr=[0.3], gnyq_hr=0.3, bit_depth=16,
                      value_max=1.0, options={})
    for adapted in (True, False):
        method = SimpleNamespace(used=[0, 1, 2], guard=None, guard_check=([], True), scale=1.0, msi_scale=1.0)
        deep_guard.guard_infn(method, [], scene, adapted=adapted)
    assert seen == [0.0, deep_guard.UNADAPTED_INFN_MARGIN] and deep_guard.UNADAPTED_INFN_MARGIN > 0


def test_infn_adapted_on_a_scene_too_small_to_hold_out_keeps_a_win_marked_unchecked(tmp_path):
    """Jasper Ridge (25 x 25 HSI pixels): nothing can be held out, so the check is the adaptation's own data;
    the adapted network wins there and is kept, recorded as not independent (300 steps: with fewer the
    adaptation keeps its start, a zero correction, and the base is returned)."""
    if not JR_HSI.exists() or not W.find_models("infn", 31, 3, 4):
        pytest.skip("the Jasper Ridge sample or the bundled INFN model is missing")
    _out, md, _res = fuse(tmp_path, "adapted", "hsms", JR_MSI, JR_HSI, "infn", adapt=True, adapt_steps=300)
    assert json.loads(md["DEEPPANSHARPEN_INFN_ADAPTATION"])["kept"] == "adapted"
    rec = guard_record(md)
    assert rec["result"] == "network kept" and md["DEEPPANSHARPEN_PRODUCED_BY"] == "infn"
    assert rec["independent"] is False and "trained on" in rec["check"]
    best = next(c for c in rec["candidates"] if c["method"] == rec["best_classical"])
    assert rec["network"]["ergas"] < best["ergas"]


def _region(h, w, r, bands=3, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.random((bands, h, w), dtype=np.float32)
    return A.Region(lr=t[:, r // 2::r, r // 2::r].copy(), msi=rng.random((2, h, w), dtype=np.float32),
                    up=t * 0.9, target=t, valid=np.ones((h, w), bool))


def test_infn_hold_out_splits_regions_on_the_ratio_grid():
    r = 4
    big, small = _region(40, 72, r), _region(20, 20, r, seed=1)
    train, (check, independent) = deep_guard.hold_out(A.PairSet([big, small], r))
    assert independent and len(train.regions) == 2 and len(check) == 1
    kept, held = train.regions[0], check[0]
    assert train.regions[1] is small                       # too small to split: all for training
    # the last quarter of the longer side, cut on the ratio grid; the parts put back are the region
    assert kept.target.shape[-1] == 52 and held.target.shape[-1] == 20 and kept.lr.shape[-1] * r == 52
    for name in ("msi", "up", "target", "valid"):
        np.testing.assert_array_equal(np.concatenate([getattr(kept, name), getattr(held, name)], axis=-1),
                                      getattr(big, name))
    np.testing.assert_array_equal(np.concatenate([kept.lr, held.lr], axis=-1), big.lr)
    train, (check, independent) = deep_guard.hold_out(A.PairSet([small], r))
    assert not independent and check == [small] and train.regions == [small]


def test_rule_compares_ergas_and_breaks_ties_with_sam():
    def s(ergas, sam, rank=None, name="x"):
        c = auto_select.CandidateScore(name, ergas=ergas, sam=sam)
        c.rank_ergas = ergas if rank is None else rank
        return c
    assert deep_guard.network_loses(s(2.0, 1.0), s(1.5, 3.0))
    assert not deep_guard.network_loses(s(1.4, 3.0), s(1.5, 1.0))
    assert deep_guard.network_loses(s(1.505, 2.0), s(1.5, 1.0))          # tied within 1 %: SAM decides
    assert not deep_guard.network_loses(s(1.505, 0.9), s(1.5, 1.0))
    # BDSD-PC is ranked as Auto ranks it (x 1.05)
    assert not deep_guard.network_loses(s(1.55, 2.0), s(1.5, 1.0, rank=1.575, name="bdsd_pc"))
    assert deep_guard.network_loses(s(float("nan"), 1.0), s(1.5, 1.0))
    # with a margin (INFN that did not adapt): only a loss beyond it counts, whatever the SAM
    assert not deep_guard.network_loses(s(1.6, 9.0), s(1.5, 1.0), margin=0.1)
    assert deep_guard.network_loses(s(1.66, 0.5), s(1.5, 1.0), margin=0.1)
    assert deep_guard.network_loses(s(float("nan"), 1.0), s(1.5, 1.0), margin=0.1)


def test_a_delegating_method_travels_to_tile_workers(scene_tiles, garbage_panadapter):
    """The dask backend pickles the prepared method: the delegate goes with it and fuses the same tile."""
    from core.dask_backend import pickle_method
    tiles, scene = scene_tiles
    m = P.PanAdapterMethod()
    m.prepare(tiles, type(scene)(**{**vars(scene), "options": {"weights": garbage_panadapter, "threads": 2}}))
    assert m.guard.delegate is not None and m.halo(scene.ratio) == m.guard.delegate.halo(scene.ratio)
    copy = pickle.loads(pickle_method(m))
    np.testing.assert_array_equal(copy.apply(tiles[0]), m.guard.delegate.apply(tiles[0]))
