"""Auto: the selection rule, the reduced-resolution check, the recorded choice and one choice per scene."""
import json
import math
import os

import numpy as np
import pytest
from osgeo import gdal

from core import auto_select
from core.auto_select import CandidateScore, choose
from core.batch import task_of
from core.engine import FusionRequest, build_scene_info, run_fusion
from core.filters import mtf_filter_decimate
from core.methods import get_method, method_names
from core.methods.auto_method import AutoPan
from core.methods.base import FusionMethod
from core.scene import Scene
from rasters import write_raster

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
SAMPLE = os.path.join(ROOT, "resources", "sample")


# --- a synthetic scene whose PAN is the band mean of the true high-resolution MS ---------------------

def make_scene(folder, side=256, r=4, seed=0):
    """PAN (side x side) = mean of a 4-band cube X; MS = X blurred with the generic MTF and decimated by r."""
    from scipy import ndimage
    rng = np.random.default_rng(seed)
    texture = ndimage.gaussian_filter(rng.normal(size=(side, side)), 2.0)
    texture = (texture - texture.mean()) / texture.std()
    smooth = [ndimage.gaussian_filter(rng.normal(size=(side, side)), 12.0) for _ in range(4)]
    x = np.stack([600 + 150 * (k + 1) * (1 + 0.3 * texture) + 4000 * smooth[k] for k in range(4)])
    pan = x.mean(axis=0)
    ms = mtf_filter_decimate(x, 0.3, r)
    pan_p = write_raster(os.path.join(folder, "pan.tif"), pan, 1.0, (500000.0, 5700000.0), gdal.GDT_UInt16, 32631)
    ms_p = write_raster(os.path.join(folder, "ms.tif"), ms, float(r), (500000.0, 5700000.0), gdal.GDT_UInt16, 32631)
    return pan_p, ms_p


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    return make_scene(str(tmp_path_factory.mktemp("auto_scene")))


def fuse(pan, ms, out, method, log=None, **kw):
    return run_fusion(FusionRequest("pansharpen", pan, ms, str(out), method=method, output_dtype="float32", **kw),
                      log=log)


def read(path):
    return gdal.Open(str(path)).ReadAsArray().astype(np.float64)


# --- the rule on constructed scores ------------------------------------------------------------------

def cs(name, ergas, sam=1.0, q2n=0.9, hqnr=math.nan, error=""):
    return CandidateScore(name, ergas, sam, q2n, hqnr=hqnr, error=error)


def test_rule_lowest_ergas_wins():
    assert choose([cs("gsa", 3.0), cs("mtf_glp_fs", 2.5), cs("awlp", 2.7)]) == "mtf_glp_fs"


def test_rule_ties_go_to_sam_then_q2n():
    # 2.50 and 2.52 are within ERGAS_TIE (1 %): the lower SAM wins though its ERGAS is a little higher.
    assert choose([cs("mtf_glp_fs", 2.50, sam=3.0), cs("gsa", 2.52, sam=2.0), cs("awlp", 2.9, sam=1.0)]) == "gsa"
    # Equal SAM too (within SAM_TIE): the higher Q2n wins.
    assert choose([cs("mtf_glp_fs", 2.50, sam=2.0, q2n=0.80), cs("gsa", 2.51, sam=2.01, q2n=0.85)]) == "gsa"
    # Outside the tie the ERGAS alone decides.
    assert choose([cs("mtf_glp_fs", 2.50, sam=3.0), cs("gsa", 2.60, sam=1.0)]) == "mtf_glp_fs"


def test_rule_penalises_bdsd_pc_which_fits_at_the_check_scale():
    # The bench's SpaceNet tile 3: BDSD-PC just ahead on the check, MTF-GLP-FS ahead at the true scale.
    scores = [cs("bdsd_pc", 4.386), cs("mtf_glp_fs", 4.393)]
    assert choose(scores) == "mtf_glp_fs"
    # 3 % better on the check is not enough either (its check ERGAS counts x FIT_PENALTY) ...
    assert choose([cs("bdsd_pc", 4.0), cs("mtf_glp_fs", 4.0 * 1.03)]) == "mtf_glp_fs"
    assert scores[0].rank_ergas == pytest.approx(4.386 * auto_select.FIT_PENALTY)
    # ... far better still wins.
    assert choose([cs("bdsd_pc", 3.0), cs("mtf_glp_fs", 3.5)]) == "bdsd_pc"


def test_rule_hqnr_guard_leaves_out_a_method_poor_at_full_resolution():
    # The bench's Sentinel-2 red-edge case: Brovey best on the check, far behind by HQNR.
    scores = [cs("brovey", 3.90, hqnr=0.798), cs("mtf_glp_fs", 4.24, hqnr=0.937), cs("mtf_glp_hpm", 4.57, hqnr=0.929),
              cs("exp", 6.43, hqnr=math.nan)]
    assert choose(scores) == "mtf_glp_fs"
    assert [s.kept for s in scores] == [False, True, True, True]
    # EXP never sets the best HQNR nor is left out by it.
    scores = [cs("exp", 1.0, hqnr=0.99), cs("gsa", 2.0, hqnr=0.5)]
    assert choose(scores) == "exp"
    assert choose([cs("exp", 3.0, hqnr=0.99), cs("gsa", 2.0, hqnr=0.5)]) == "gsa"


def test_rule_skips_failed_candidates_and_gives_none_without_scores():
    assert choose([cs("bdsd_pc", 1.0, error="singular"), cs("gsa", 2.0)]) == "gsa"
    assert choose([cs("gsa", math.nan)]) is None
    assert choose([]) is None


# --- the check on a constructed scene ----------------------------------------------------------------

class _Exact(FusionMethod):
    """Knows how the synthetic scene was made: the fine texture of band k is (k + 1) / 2.5 times the PAN's
    (make_scene), so it injects the PAN's detail (PAN minus its MTF low-pass) with those gains."""
    name = "exact"

    def apply(self, tile):
        from core.methods.classical_pan import _glp_lowpass
        low = _glp_lowpass(tile.pan[None].astype(np.float32), [self.scene.gnyq_lr[0]], tile)[0]
        gains = (np.arange(4, dtype=np.float32) + 1) / 2.5
        return tile.lr_up + gains[:, None, None] * (tile.pan - low)[None]


class _Noisy(FusionMethod):
    name = "noisy"

    def apply(self, tile):
        return tile.lr_up + np.random.default_rng(1).normal(0, 200, tile.lr_up.shape).astype(np.float32)


def test_check_ranks_constructed_candidates_in_their_true_order(scene):
    pan, ms = scene
    sc = Scene(pan, ms, None, None, "pansharpen")
    info = build_scene_info(FusionRequest("pansharpen", pan, ms, "x.tif", sensor="generic"), sc)
    samples = [sc.read_tile(w, 128) for w in sc.sample_windows()]
    table = {"exact": _Exact, "noisy": _Noisy}

    def factory(n):
        return table[n]() if n in table else get_method(n)

    scores, _check = auto_select.score_candidates(["noisy", "exp", "exact"], samples, info, factory)
    by = {s.method: s for s in scores}
    assert by["exact"].ergas < by["exp"].ergas < by["noisy"].ergas
    assert by["exact"].ergas < 0.5 * by["exp"].ergas
    assert choose(scores) == "exact"


def test_check_block_is_a_wald_reduction_of_the_tile(scene):
    pan, ms = scene
    sc = Scene(pan, ms, None, None, "pansharpen")
    info = build_scene_info(FusionRequest("pansharpen", pan, ms, "x.tif", sensor="generic"), sc)
    t = sc.read_tile(sc.sample_windows()[0], 128)
    b = auto_select.check_block(t, info)
    r = t.ratio
    # The reference is the MS itself; the reduced PAN is on its grid and the reduced MS r times coarser.
    assert b.reference.shape[1:] == b.tile.hr.shape[1:]
    assert b.tile.lr.shape[1] == len(range(r // 2, b.reference.shape[1], r))
    np.testing.assert_allclose(b.reference, t.lr[:, :b.reference.shape[1], :b.reference.shape[2]])
    np.testing.assert_allclose(b.tile.lr, mtf_filter_decimate(b.reference, info.gnyq_lr, r), rtol=1e-5)


# --- Auto through the engine -------------------------------------------------------------------------

def test_auto_records_its_choice_and_fuses_with_it(scene, tmp_path):
    pan, ms = scene
    log = []
    res = fuse(pan, ms, tmp_path / "auto.tif", "auto", log=log.append)
    md = gdal.Open(str(tmp_path / "auto.tif")).GetMetadata()
    assert md["DEEPPANSHARPEN_METHOD"] == "auto"
    chosen = md["DEEPPANSHARPEN_AUTO_CHOICE"]
    table = json.loads(md["DEEPPANSHARPEN_AUTO_CANDIDATES"])
    assert [c["method"] for c in table] == list(auto_select.PAN_CANDIDATES)
    # The recorded choice is what the rule gives on the recorded table, and it is a fusion (not EXP) here.
    nan = lambda v: math.nan if v is None else v  # noqa: E731 (JSON null = not computed)
    rescored = [CandidateScore(c["method"], nan(c["ergas"]), nan(c["sam"]), nan(c["q2n"]), hqnr=nan(c["hqnr"]))
                for c in table]
    assert choose(rescored) == chosen != "exp"
    by = {c["method"]: c for c in table}
    assert by[chosen]["ergas"] < by["exp"]["ergas"]
    # The output is the chosen method's own output.
    fuse(pan, ms, tmp_path / "chosen.tif", chosen)
    np.testing.assert_array_equal(read(tmp_path / "auto.tif"), read(tmp_path / "chosen.tif"))
    assert res.method == "auto"


def test_auto_logs_the_candidate_table_once(scene, tmp_path):
    pan, ms = scene
    log = []
    fuse(pan, ms, tmp_path / "auto.tif", "auto", log=log.append)
    tables = [m for m in log if m.startswith("Auto: candidates")]
    assert len(tables) == 1
    rows = tables[0].splitlines()[2:]
    assert len(rows) == len(auto_select.PAN_CANDIDATES)
    chosen = gdal.Open(str(tmp_path / "auto.tif")).GetMetadataItem("DEEPPANSHARPEN_AUTO_CHOICE")
    from core.methods import method_label
    marked = [r for r in rows if r.endswith("<- chosen")]
    assert len(marked) == 1 and marked[0].strip().startswith(method_label(chosen))
    assert any(m.startswith(f"Auto chose {method_label(chosen)}") for m in log)


def test_tiled_run_chooses_once_and_applies_per_tile(scene, tmp_path, monkeypatch):
    pan, ms = scene
    calls = {"check": 0, "prepare": 0}
    real_check, real_prepare = auto_select.score_candidates, AutoPan.prepare

    def counted_check(*a, **k):
        calls["check"] += 1
        return real_check(*a, **k)

    def counted_prepare(self, *a, **k):
        calls["prepare"] += 1
        return real_prepare(self, *a, **k)

    monkeypatch.setattr(auto_select, "score_candidates", counted_check)
    monkeypatch.setattr(AutoPan, "prepare", counted_prepare)
    fuse(pan, ms, tmp_path / "auto.tif", "auto", tile_size=64, overlap=8)
    assert calls == {"check": 1, "prepare": 1}
    chosen = gdal.Open(str(tmp_path / "auto.tif")).GetMetadataItem("DEEPPANSHARPEN_AUTO_CHOICE")
    fuse(pan, ms, tmp_path / "chosen.tif", chosen, tile_size=64, overlap=8)
    np.testing.assert_array_equal(read(tmp_path / "auto.tif"), read(tmp_path / "chosen.tif"))


def test_a_bad_band_does_not_stop_the_check(scene, tmp_path):
    """A band flagged bad (bbl = 0, as EnMAP's water-vapour bands) holds 0 in the tiles and is written as nodata:
    the check scores the other bands, so Auto still chooses on the check instead of falling back."""
    pan, ms = scene
    ms_bad = str(tmp_path / "ms_bad.tif")
    ds = gdal.Translate(ms_bad, ms)
    ds.GetRasterBand(2).SetMetadataItem("bbl", "0")
    ds = None
    res = fuse(pan, ms_bad, tmp_path / "auto.tif", "auto")
    md = gdal.Open(str(tmp_path / "auto.tif")).GetMetadata()
    assert md["DEEPPANSHARPEN_AUTO_REASON"] == "best on the reduced-resolution check", res.warnings
    table = json.loads(md["DEEPPANSHARPEN_AUTO_CANDIDATES"])
    assert [c["method"] for c in table] == list(auto_select.PAN_CANDIDATES)
    assert all(c["ergas"] is not None and c["sam"] is not None and not c["error"] for c in table), table
    assert md["DEEPPANSHARPEN_AUTO_CHOICE"] != "exp"


def test_halo_is_the_checks_before_prepare_and_the_choices_after(scene):
    pan, ms = scene
    sc = Scene(pan, ms, None, None, "pansharpen")
    info = build_scene_info(FusionRequest("pansharpen", pan, ms, "x.tif", sensor="generic"), sc)
    m = AutoPan()
    assert m.halo(4) >= auto_select.CHECK_CONTEXT * 4
    m.prepare([sc.read_tile(w, m.halo(4)) for w in sc.sample_windows()], info)
    assert m.halo(4) == get_method(m.chosen.name).halo(4)


def test_too_small_scene_falls_back_with_a_warning(tmp_path):
    pan, ms = make_scene(str(tmp_path), side=48)
    res = fuse(pan, ms, tmp_path / "auto.tif", "auto")
    md = gdal.Open(str(tmp_path / "auto.tif")).GetMetadata()
    assert md["DEEPPANSHARPEN_AUTO_CHOICE"] == auto_select.PAN_FALLBACK
    assert "too small" in md["DEEPPANSHARPEN_AUTO_REASON"]
    assert any("too small" in w for w in res.warnings)
    fuse(pan, ms, tmp_path / "fb.tif", auto_select.PAN_FALLBACK)
    np.testing.assert_array_equal(read(tmp_path / "auto.tif"), read(tmp_path / "fb.tif"))


def test_hsms_auto_picks_ls_detail_on_jasper_ridge(tmp_path):
    hsi = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
    msi = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")
    out = tmp_path / "hs_auto.tif"
    run_fusion(FusionRequest("hsms", msi, hsi, str(out), method="hs_auto", output_dtype="float32"))
    md = gdal.Open(str(out)).GetMetadata()
    # Against the truth, LS detail is best on this pair (47.1 dB; MTF-GLP-HS 36.2, interpolation 26.2;
    # bench/results/hsms_classical_quality.md): the check agrees.
    assert md["DEEPPANSHARPEN_AUTO_CHOICE"] == "ls_detail"
    table = {c["method"]: c for c in json.loads(md["DEEPPANSHARPEN_AUTO_CANDIDATES"])}
    assert table["ls_detail"]["ergas"] < table["mtf_glp_hs"]["ergas"] < table["hs_exp"]["ergas"]
    assert set(table) == set(auto_select.HSMS_CANDIDATES)
    run_fusion(FusionRequest("hsms", msi, hsi, str(tmp_path / "ls.tif"), method="ls_detail", output_dtype="float32"))
    np.testing.assert_array_equal(read(out), read(tmp_path / "ls.tif"))


def test_auto_is_registered_for_both_tasks_and_batch_knows_its_task():
    assert "auto" in method_names("pansharpen") and "hs_auto" in method_names("hsms")
    assert task_of("auto") == "pansharpen" and task_of("hs_auto") == "hsms"
    assert not set(auto_select.PAN_CANDIDATES) - set(method_names("pansharpen"))
    assert not set(auto_select.HSMS_CANDIDATES) - set(method_names("hsms"))


def test_rule_asks_hqnr_of_the_best_fusing_candidates_only_and_q2n_of_ties_only():
    asked = {"hqnr": [], "q2n": []}
    hq = {"brovey": 0.70, "bt_h": 0.90, "gsa": 0.91, "mtf_glp_fs": 0.92, "awlp": 0.95}

    def hqnr_of(names):
        asked["hqnr"].extend(names)
        return [hq[n] for n in names]

    def q2n_of(n):
        asked["q2n"].append(n)
        return {"bt_h": 0.80, "gsa": 0.90}[n]

    nan = math.nan
    # Q2n not known yet (nan): the rule asks for it only where ERGAS and SAM tie.  EXP is ranked, never guarded.
    scores = [cs("exp", 3.0, q2n=nan), cs("brovey", 2.0, q2n=nan), cs("bt_h", 2.50, q2n=nan),
              cs("gsa", 2.51, q2n=nan), cs("mtf_glp_fs", 2.7, q2n=nan), cs("awlp", 3.5, q2n=nan)]
    assert choose(scores, hqnr_of=hqnr_of, q2n_of=q2n_of) == "gsa"
    assert asked["hqnr"] == ["brovey", "bt_h", "gsa", "mtf_glp_fs"][:auto_select.GUARD_TOP]
    # Brovey (0.70 < 0.88 x 0.92) is left out; BT-H and GSA tie on ERGAS and SAM: Q2n decides.
    assert asked["q2n"] == ["bt_h", "gsa"]
    assert [s.kept for s in scores] == [True, False, True, True, True, True]


def test_prepared_auto_travels_to_dask_workers_with_its_choice(scene):
    """The Dask backend pickles the prepared method once: Auto must arrive with its prepared choice."""
    import pickle

    from core.dask_backend import pickle_method
    pan, ms = scene
    sc = Scene(pan, ms, None, None, "pansharpen")
    info = build_scene_info(FusionRequest("pansharpen", pan, ms, "x.tif", sensor="generic"), sc)
    m = AutoPan()
    m.bind(log=[].append)
    m.prepare([sc.read_tile(w, m.halo(4)) for w in sc.sample_windows()], info)
    copy = pickle.loads(pickle_method(m))
    assert copy.chosen.name == m.chosen.name and copy.halo(4) == m.halo(4)
    tile = sc.read_tile(sc.sample_windows()[0], m.halo(4))
    np.testing.assert_array_equal(copy.apply(tile), m.apply(tile))


def test_cancel_during_the_selection_writes_nothing(scene, tmp_path):
    from core.errors import Cancelled
    pan, ms = scene
    asked = []

    def cancelled():
        asked.append(1)
        return len(asked) > 2          # a few candidates in, the user presses Cancel

    log = []
    with pytest.raises(Cancelled):
        run_fusion(FusionRequest("pansharpen", pan, ms, str(tmp_path / "auto.tif"), method="auto"),
                   is_cancelled=cancelled, log=log.append)
    assert not os.path.exists(tmp_path / "auto.tif")
    # It stops right after the check: no choice is made from the candidates scored before the cancel.
    assert not any(m.startswith("Auto chose") for m in log)


def test_batch_default_is_auto_and_each_scene_chooses_for_itself(scene, tmp_path):
    from core import batch
    pan, ms = scene
    l8 = os.path.join(SAMPLE, "landsat8_pan_B8_15m.tif"), os.path.join(SAMPLE, "landsat8_ms_B2-B5_30m.tif")
    table = tmp_path / "pairs.csv"
    table.write_text(f"name,pan,ms\nsynthetic,{pan},{ms}\nlandsat,{l8[0]},{l8[1]}\n")
    assert batch.main(["--pairs", str(table), "--out-dir", str(tmp_path), "--summary", str(tmp_path / "s.csv")]) == 0
    choices = {}
    for name, (p, m) in (("synthetic", (pan, ms)), ("landsat", l8)):
        out = tmp_path / f"{name}_auto.tif"                  # the default method names the outputs
        md = gdal.Open(str(out)).GetMetadata()
        choices[name] = md["DEEPPANSHARPEN_AUTO_CHOICE"]
        # The same choice as Auto alone on that scene: the check is per scene, nothing carries over.
        fuse(p, m, tmp_path / f"{name}_alone.tif", "auto")
        alone = gdal.Open(str(tmp_path / f"{name}_alone.tif"))
        assert alone.GetMetadataItem("DEEPPANSHARPEN_AUTO_CHOICE") == choices[name]
    assert all(c in auto_select.PAN_CANDIDATES for c in choices.values())


def test_candidates_run_slowest_first_and_come_back_in_their_order(monkeypatch):
    names = list(auto_select.HSMS_CANDIDATES) + ["no_such_method"]
    order = auto_select.slowest_first(names)
    assert names[order[0]] == "cnmf" and sorted(order) == list(range(len(names)))
    assert order[-1] == len(names) - 1                     # unknown cost: last
    monkeypatch.setattr(auto_select, "THREADS", 2)
    monkeypatch.setattr(auto_select.os, "cpu_count", lambda: 2)
    assert auto_select._parallel(lambda n: n.upper(), names) == [n.upper() for n in names]
