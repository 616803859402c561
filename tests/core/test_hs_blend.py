"""Blend (hs_blend): the per-band sum-to-one fit on hand-made check data, and the method on synthetic scenes
whose degradation is the one the check assumes."""
import numpy as np
import pytest

from core.methods import get_method, method_names
from core.methods.hs_blend import ANCHOR, CANDIDATES, MAX_WEIGHT, fit_weights
from hsms_synthetic import rel_rmse, scene_pair


def _fused(rng, names, bands, pixels):
    return {n: rng.random((bands, pixels)) for n in names}


def test_registered_for_hs_ms_with_ls_detail_as_anchor():
    assert "hs_blend" in method_names("hsms") and ANCHOR in CANDIDATES


def test_fit_recovers_sum_to_one_weights_band_by_band():
    """A reference that is an exact sum-to-one combination of the candidates, with weights that change slowly
    from band to band, is recovered (window 0: each band alone; the weights may be negative)."""
    rng = np.random.default_rng(0)
    names = ["a", ANCHOR, "b", "c"]
    fused = _fused(rng, names, 5, 144)
    true = np.array([[0.2 + 0.1 * k, 1.3 - 0.1 * k, -0.4, -0.1] for k in range(5)])
    assert np.allclose(true.sum(axis=1), 1.0)
    ref = sum(true[:, i, None] * fused[n] for i, n in enumerate(names))
    w = fit_weights(fused, ref, np.arange(5), window=0, ridge=0.0)
    np.testing.assert_allclose(w, true, atol=1e-9)
    # the default faint ridge (toward the anchor) moves well-determined weights by little
    np.testing.assert_allclose(fit_weights(fused, ref, np.arange(5), window=0), true, atol=1e-3)
    # neighbouring bands sharing one fit: a compromise, still summing to one
    shared = fit_weights(fused, ref, np.arange(5), window=2)
    np.testing.assert_allclose(shared.sum(axis=1), 1.0, atol=1e-12)
    assert np.abs(shared - true).max() > 1e-3


def test_fit_keeps_the_anchor_alone_where_it_cannot_fit():
    """Bands left out (bad bands) and a check with too few pixels get the anchor with weight 1."""
    rng = np.random.default_rng(1)
    names = [ANCHOR, "b"]
    fused = _fused(rng, names, 4, 36)
    ref = 0.5 * fused[ANCHOR] + 0.5 * fused["b"]
    w = fit_weights(fused, ref, np.array([0, 2]), window=0, ridge=0.0)
    np.testing.assert_allclose(w[[0, 2]], 0.5, atol=1e-9)
    np.testing.assert_array_equal(w[[1, 3]], [[1.0, 0.0], [1.0, 0.0]])
    few = {n: f[:, :3] for n, f in fused.items()}        # 3 pixels for 1 weight: under MIN_FIT_PIXELS
    np.testing.assert_array_equal(fit_weights(few, ref[:, :3], np.arange(4), window=0)[:, 0], 1.0)


@pytest.fixture(scope="module")
def four_materials():
    """31 bands, four materials, three MSI bands, ratio 4: no single method recovers it."""
    return scene_pair(h=160, w=160, bands=31, p=4, m=3, seed=3)


def test_blend_leans_on_the_candidates_that_help_and_bounds_near_identical_ones(four_materials):
    """The synthetic LR-HSI is made with the MTF the check assumes.  On this noiseless low-rank scene CNMF is best
    (relative RMSE 0.0272) and LS detail, the anchor, 0.0348; the blend reaches 0.0289 with CNMF's share (0.14)
    fitted at the check's scale, where CNMF does less well: 6 % above CNMF, 17 % below the anchor.  MTF-GLP-HS
    and LS detail are near-identical here: unbounded, their weights were +2800 and -2800."""
    tile, scene, truth = four_materials
    errors, methods = {}, {}
    for name in (*CANDIDATES, "hs_blend"):
        m = methods[name] = get_method(name)
        m.prepare([tile], scene)
        errors[name] = rel_rmse(m.apply(tile), truth)
    assert errors["hs_blend"] < 0.87 * errors[ANCHOR], errors
    assert errors["hs_blend"] < min(errors[n] for n in CANDIDATES if n != "cnmf"), errors
    w = methods["hs_blend"].weights
    np.testing.assert_allclose(w.sum(axis=1), 1.0, atol=1e-9)
    assert np.abs(w).max() <= MAX_WEIGHT + 1e-9
    assert methods["hs_blend"].provenance()["blend"]["mean_weights"]["cnmf"] > 0.05


def test_a_scene_too_small_for_the_check_gets_ls_detail_alone_with_a_warning(four_materials):
    tile, scene, _truth = four_materials
    from core.methods.base import Tile
    c = tile.phase[0]
    small = Tile(hr=tile.hr[:, :40, :40], lr_up=tile.lr_up[:, :40, :40], lr=tile.lr[:, :10, :10],
                 valid=tile.valid[:40, :40], ratio=4, phase=tile.phase, lr_origin=(float(c), float(c)))
    m = get_method("hs_blend")
    m.prepare([small], scene)
    assert any("too small" in w for w in m.warnings)
    alone = get_method(ANCHOR)
    alone.prepare([small], scene)
    np.testing.assert_allclose(m.apply(small), alone.apply(small), rtol=1e-6, atol=1e-6)
    assert m.provenance()["blend"]["reason"].startswith("the scene is too small")
