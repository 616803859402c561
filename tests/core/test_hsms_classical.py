"""The classical HS-MS methods LS detail, GSA-HS, CNMF and HySure: values on hand-checked and noiseless synthetic
scenes, tiling, nodata, bad bands and dtype."""
import numpy as np
import pytest
from scipy import ndimage

from core import filters as F
from core.methods import SceneInfo, Tile, get_method, method_names
from core.methods.gsa_hs import group_bands
from hsms_synthetic import rel_rmse, scene_pair
from tile_quarters import quarters

NEW = ["ls_detail", "gsa_hs", "cnmf", "hysure", "hs_blend"]
PER_PIXEL_OR_LOCAL = ["ls_detail", "gsa_hs", "cnmf", "hs_blend"]     # tiles equal the whole image


def textures(n, h, w, seed):
    """n smooth positive random images (n, h, w)."""
    rng = np.random.default_rng(seed)
    return 1.0 + np.stack([ndimage.gaussian_filter(rng.standard_normal((h, w)), 2.0) * 3.0 for _ in range(n)])


def whole_tile(truth_hsi, msi, ratio, gain=0.3):
    c = ratio // 2
    lr = F.mtf_filter_decimate(truth_hsi, gain, ratio, (c, c))
    up = F.upsample(lr, ratio, msi.shape[-2:], offset=(c, c))
    tile = Tile(hr=msi.astype(np.float32), lr_up=up.astype(np.float32), lr=lr.astype(np.float32),
                valid=np.ones(msi.shape[-2:], bool), ratio=ratio, phase=(c, c), lr_origin=(float(c), float(c)))
    scene = SceneInfo(task="hsms", ratio=ratio, lr_bands=truth_hsi.shape[0], hr_bands=msi.shape[0],
                      gnyq_lr=[gain] * truth_hsi.shape[0], gnyq_hr=gain, value_max=1.0)
    return tile, scene


def test_registered_for_hs_ms():
    assert set(NEW) <= set(method_names("hsms"))


# --- LS detail --------------------------------------------------------------------------------------

def test_ls_detail_recovers_an_hsi_that_is_a_linear_function_of_the_msi():
    msi = textures(3, 96, 96, seed=1)
    a = np.array([[0.5, 0.2, 0.0], [0.1, 0.7, 0.3], [0.0, 0.4, 0.9], [1.2, -0.3, 0.2], [0.3, 0.3, 0.3]])
    c = np.array([0.1, -0.2, 0.05, 0.4, 0.0])
    truth = np.tensordot(a, msi, axes=1) + c[:, None, None]
    tile, scene = whole_tile(truth, msi, 4)
    m = get_method("ls_detail")
    m.prepare([tile], scene)
    np.testing.assert_allclose(m.weights, a, rtol=1e-5, atol=1e-6)
    out = m.apply(tile)
    assert out.dtype == np.float32 and out.shape == truth.shape
    # The simulated LR-HSI carries the offset through the MTF kernel, whose DC gain s is 0.99874, not 1: the
    # offset comes back as c s (the only departure from exact recovery).
    s = float(F.mtf_filter_decimate(np.ones((1, 48, 48)), 0.3, 4)[0, 10, 10])
    assert 0.998 < s < 0.9999
    expected = np.tensordot(a, msi, axes=1) + s * c[:, None, None]
    assert np.abs(out - expected).max() < 2e-5 * np.abs(expected).max()
    # ... far better than interpolation
    assert rel_rmse(out, truth) < 0.05 * rel_rmse(tile.lr_up, truth)


# --- GSA-HS -----------------------------------------------------------------------------------------

def test_gsa_hs_groups_bands_by_msi_band_and_injects_each_groups_detail():
    """Bands 0-2 are multiples of texture s1, bands 3-6 of s2; MSI 1 = mean of bands 0-2, MSI 2 = mean of 3-5.
    By hand: the group weights w = mean(a) a / |a|^2 (minimum-norm fit), I0 = mean(a) (u - mean u) with
    u = interp(degraded s), g_b = a_b / mean(a); so out_b = a_b u + a_b (s - mean s - u + mean u)
    = a_b (s - mean s + mean u)."""
    s = textures(2, 96, 96, seed=2)
    a = np.array([1.0, 0.8, 0.6, 0.5, 0.7, 0.9, 0.4])
    k = np.array([0, 0, 0, 1, 1, 1, 1])
    truth = a[:, None, None] * s[k]
    msi = np.stack([truth[0:3].mean(axis=0), truth[3:6].mean(axis=0)])
    tile, scene = whole_tile(truth, msi, 4)
    m = get_method("gsa_hs")
    m.prepare([tile], scene)
    assert list(m.group) == list(k)
    out = m.apply(tile)
    assert out.dtype == np.float32
    u = tile.lr_up.astype(np.float64)[[0, 3]] / np.array([1.0, 0.5])[:, None, None]      # interp(degraded s_k)
    hand = a[:, None, None] * (s[k] - s[k].mean(axis=(1, 2), keepdims=True) + u[k].mean(axis=(1, 2), keepdims=True))
    assert np.abs(out - hand).max() < 1e-4 * np.abs(hand).max()


def test_gsa_hs_band_no_response_covers_joins_the_best_correlated_msi_band():
    rng = np.random.default_rng(0)
    msi = rng.random((2, 500))
    hsi = np.stack([msi[0], msi[0] + msi[1], msi[1], 2.0 * msi[1] + 0.1 * msi[0]])
    response = np.array([[1.0, 0.5, 0.0, 0.0],
                         [0.0, 0.4, 1.0, 0.05]])   # band 1: 0.5 of MSI 1's peak vs 0.4; band 3 covered by none
    assert list(group_bands(response, hsi, msi)) == [0, 0, 1, 1]
    response[0, 3] = 0.08                          # still below COVERED for both: correlation decides again
    assert list(group_bands(response, hsi, msi)) == [0, 0, 1, 1]


# --- CNMF and HySure on a noiseless low-rank scene ------------------------------------------------------

@pytest.fixture(scope="module")
def low_rank():
    return scene_pair()            # 3 materials, 24 bands, 4 box-response MSI bands, ratio 4, 128 x 128


@pytest.mark.parametrize("name, bound", [("cnmf", 0.012), ("hysure", 0.003)])
def test_noiseless_low_rank_scene_is_recovered(low_rank, name, bound):
    """Three materials and four MSI bands that tell them apart: the scene is recoverable.  The bounds are about
    twice what the fixed iteration counts reach (CNMF 0.0068: 50 projected-gradient steps per pixel from the
    unmixed interpolated HSI; HySure 0.0011: 30 ADMM iterations and the TV bias at the material edges); the
    interpolated HSI is at 0.063."""
    tile, scene, truth = low_rank
    m = get_method(name)
    m.prepare([tile], scene)
    out = m.apply(tile)
    assert out.dtype == np.float32 and out.shape == truth.shape
    assert rel_rmse(out, truth) < bound
    assert rel_rmse(tile.lr_up, truth) > 0.05
    if name == "cnmf":
        assert m.endmembers == 3                   # the rank of the data, not MAX_ENDMEMBERS


def test_hysure_estimates_the_blur_of_the_scene(low_rank):
    tile, scene, _ = low_rank
    m = get_method("hysure")
    m.prepare([tile], scene)
    assert m.gain == pytest.approx(0.3)            # the scene's LR-HSI was made with the MTF of gain 0.3



def test_successive_projection_picks_the_pure_pixels():
    """Three materials, each pure in one pixel, every other pixel a mixture: SPA returns the pure ones."""
    from core.methods.cnmf import successive_projection
    rng = np.random.default_rng(4)
    spectra = rng.random((20, 3)) + 0.1
    mix = rng.dirichlet(np.full(3, 1.0), 500).T * 0.9 + 0.1 / 3       # no mixture near a corner
    mix[:, [37, 211, 402]] = np.eye(3)
    picked = successive_projection(spectra @ mix, 3)
    assert sorted(map(tuple, np.round(picked.T, 12))) == sorted(map(tuple, np.round(spectra.T, 12)))

# --- tiling -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cave_like():
    """A 31-band pair of four materials seen by three MSI bands: no method recovers it exactly."""
    tile, scene, _truth = scene_pair(h=160, w=160, bands=31, p=4, m=3, seed=3)
    return tile, scene


@pytest.mark.parametrize("name", NEW)
def test_tiled_equals_whole(name, cave_like):
    """LS detail (local filters), GSA-HS and CNMF (per pixel) give the whole image's values on any tiling.
    HySure solves each tile on its own: the core of a tile with the method's halo (40 pixels here) stays within
    1e-4 of the dynamic range of the whole-image solution (measured about 2e-6; with a 16-pixel halo 5e-4)."""
    tile, scene = cave_like
    m = get_method(name)
    m.prepare([tile], scene)
    whole = m.apply(tile)
    scale = float(np.abs(whole).max())
    diffs = []
    for core, sub in quarters(tile, m.halo(tile.ratio)):
        part = m.apply(sub)[(slice(None),) + sub.core]
        diffs.append(part - whole[:, core[0]:core[1], core[2]:core[3]])
    worst = max(float(np.abs(d).max()) for d in diffs)
    rms = float(np.sqrt(np.mean(np.concatenate([d.ravel() for d in diffs]) ** 2)))
    if name in PER_PIXEL_OR_LOCAL:
        assert worst <= 1e-4 * scale, name
    else:
        assert worst <= 1e-4 * scale and rms <= 1e-5 * scale, (worst / scale, rms / scale)


# --- nodata, bad bands, dtype ---------------------------------------------------------------------------

def _params(method):
    return {k: np.asarray(v, dtype=float) for k, v in vars(method).items()
            if k not in ("scene", "warnings") and isinstance(v, (float, int, np.ndarray))}


@pytest.mark.parametrize("name", ["mtf_glp_hs", *NEW])
def test_prepare_ignores_invalid_pixels_and_output_is_finite_float32(name, cave_like):
    tile, scene = cave_like
    spoiled = Tile(hr=tile.hr.copy(), lr_up=tile.lr_up.copy(), lr=tile.lr, valid=tile.valid.copy(),
                   ratio=tile.ratio, phase=tile.phase, lr_origin=tile.lr_origin)
    spoiled.hr[:, :30] = 1e6
    spoiled.lr_up[:, :30] = -1e3
    spoiled.valid[:40] = False
    clean = Tile(hr=tile.hr, lr_up=tile.lr_up, lr=tile.lr, valid=spoiled.valid, ratio=tile.ratio,
                 phase=tile.phase, lr_origin=tile.lr_origin)
    a, b = get_method(name), get_method(name)
    a.prepare([spoiled], scene)
    b.prepare([clean], scene)
    pa, pb = _params(a), _params(b)
    assert set(pa) == set(pb)
    for key, value in pb.items():
        assert np.allclose(pa[key], value, rtol=1e-6, atol=1e-9), (name, key)
    out = a.apply(spoiled)
    assert out.dtype == np.float32 and out.shape == tile.lr_up.shape
    assert np.isfinite(out).all()


@pytest.mark.parametrize("name", NEW)
def test_bad_bands_stay_zero_and_the_others_are_fused(name, cave_like):
    tile, scene = cave_like
    up = tile.lr_up.copy()
    up[[5, 6]] = 0.0                                   # the engine's bad bands hold 0
    t = Tile(hr=tile.hr, lr_up=up, lr=tile.lr, valid=tile.valid, ratio=tile.ratio, phase=tile.phase,
             lr_origin=tile.lr_origin)
    sc = SceneInfo(**{**vars(scene), "lr_bad_bands": [5, 6]})
    m = get_method(name)
    m.prepare([t], sc)
    out = m.apply(t)
    assert out.dtype == np.float32
    assert np.all(out[[5, 6]] == 0.0)
    assert np.abs(out[[0, 10, 20]] - up[[0, 10, 20]]).max() > 1e-3        # detail was added to the others


def test_cnmf_pixel_chunks_do_not_change_the_result(cave_like, monkeypatch):
    from core.methods import cnmf
    tile, scene = cave_like
    m = get_method("cnmf")
    m.prepare([tile], scene)
    whole = m.apply(tile)
    monkeypatch.setattr(cnmf, "APPLY_CHUNK", 999)          # 26 chunks, the last one partial
    np.testing.assert_allclose(m.apply(tile), whole, rtol=1e-5, atol=1e-6 * float(np.abs(whole).max()))
