"""core.metrics against hand-computed values, independent direct computations and invariances
(docs/methods_metrics.md section 3, docs/cave_protocol.md section 7)."""
import math
import os

import numpy as np
import pytest

from core import filters, metrics as M
from core.shared_data import DATA

DEMO_MS = os.path.join(DATA, "demo", "landsat8_ms_B2-B5_30m.tif")
DEMO_PAN = os.path.join(DATA, "demo", "landsat8_pan_B8_15m.tif")


def rng(seed=0):
    return np.random.default_rng(seed)


def noisy_pair(shape=(4, 64, 64), seed=0, noise=60.0):
    """Integer-valued DN reference and a noisy fused image (float)."""
    r = rng(seed)
    ref = r.integers(200, 2000, size=shape).astype(np.float64)
    fused = np.clip(ref + r.normal(0, noise, size=shape), 0, None)
    return fused, ref


# ------------------------------------------------------------------------------------------------
# SAM
# ------------------------------------------------------------------------------------------------

def test_sam_scaled_spectra_is_zero():
    _, ref = noisy_pair()
    assert M.sam(3.7 * ref, ref) == pytest.approx(0.0, abs=1e-6)


def test_sam_orthogonal_spectra_is_90():
    ref = np.zeros((2, 3, 3))
    ref[0] = 5.0
    fused = np.zeros((2, 3, 3))
    fused[1] = 2.0
    assert M.sam(fused, ref) == pytest.approx(90.0, abs=1e-12)


def test_sam_two_pixel_case_and_zero_norm_pixel_dropped():
    # pixel 0: f = (1, 0), r = (1, 1) -> 45 deg; pixel 1: f = (0, 3), r = (0, 5) -> 0 deg;
    # pixel 2: f = 0 -> zero norm, dropped.  Mean = 22.5 deg.
    fused = np.array([[[1.0, 0.0, 0.0]], [[0.0, 3.0, 0.0]]])
    ref = np.array([[[1.0, 0.0, 4.0]], [[1.0, 5.0, 2.0]]])
    assert M.sam(fused, ref) == pytest.approx(22.5, abs=1e-12)
    # masking pixel 0 leaves the 0-degree pixel only
    assert M.sam(fused, ref, mask=np.array([[False, True, True]])) == pytest.approx(0.0, abs=1e-12)
    # a NaN marks the pixel invalid too
    f2 = fused.copy()
    f2[0, 0, 0] = np.nan
    assert M.sam(f2, ref) == pytest.approx(0.0, abs=1e-12)


# ------------------------------------------------------------------------------------------------
# ERGAS, PSNR
# ------------------------------------------------------------------------------------------------

def test_ergas_by_hand():
    ref = np.array([[[2.0, 4.0], [6.0, 8.0]], [[10.0, 10.0], [10.0, 10.0]]])
    fused = ref + np.array([[[1.0, -1.0], [1.0, -1.0]], [[2.0, 2.0], [2.0, 2.0]]])
    # band 1: MSE 1, mean 5 -> 1/25; band 2: MSE 4, mean 10 -> 4/100
    # ERGAS = 100/4 * sqrt((0.04 + 0.04) / 2) = 25 * 0.2 = 5
    assert M.ergas(fused, ref, 4) == pytest.approx(5.0, rel=1e-12)
    assert M.ergas(fused, ref, 2) == pytest.approx(10.0, rel=1e-12)      # 100/ratio convention
    assert M.ergas(ref, ref, 4) == 0.0


def test_ergas_mask_equals_subset():
    fused, ref = noisy_pair((3, 20, 20))
    mask = np.zeros((20, 20), bool)
    mask[5:15, 2:18] = True
    sub = M.ergas(fused[:, 5:15, 2:18], ref[:, 5:15, 2:18], 4)
    assert M.ergas(fused, ref, 4, mask=mask) == pytest.approx(sub, rel=1e-12)


def test_psnr_by_hand():
    ref = np.zeros((2, 2, 2))
    fused = np.stack([np.ones((2, 2)), 2 * np.ones((2, 2))])
    # band 1: 10 log10(100 / 1) = 20 dB; band 2: 10 log10(100 / 4) = 13.9794 dB
    expected = (20.0 + 10 * math.log10(25.0)) / 2
    assert M.psnr(fused, ref, peak=10.0) == pytest.approx(expected, rel=1e-12)
    assert M.psnr(ref, ref, peak=10.0) == math.inf


# ------------------------------------------------------------------------------------------------
# Q (UIQI, sliding windows)
# ------------------------------------------------------------------------------------------------

def _uiqi_direct(x, y):
    mx, my = x.mean(), y.mean()
    vx, vy = x.var(), y.var()
    c = ((x - mx) * (y - my)).mean()
    if vx + vy == 0:
        return 2 * mx * my / (mx * mx + my * my) if mx * mx + my * my else 1.0
    return 4 * c * mx * my / ((vx + vy) * (mx * mx + my * my))


def test_q_identical_is_one():
    _, ref = noisy_pair((4, 40, 40))
    assert M.q_index(ref, ref) == pytest.approx(1.0, abs=1e-12)


def test_q_constant_offset_and_gain_closed_form():
    # A 2 x 2 periodic pattern: every 32 x 32 window has the same mean mu and variance, so the
    # sliding map is constant and Q has a closed form.
    tile = np.array([[100.0, 300.0], [500.0, 700.0]])
    ref = np.tile(tile, (20, 20))[None]                 # 40 x 40, mu = 400
    mu, d, a = 400.0, 50.0, 1.5
    assert M.q_index(ref + d, ref) == pytest.approx(2 * mu * (mu + d) / (mu ** 2 + (mu + d) ** 2), rel=1e-12)
    assert M.q_index(a * ref, ref) == pytest.approx(4 * a * a / (1 + a * a) ** 2, rel=1e-12)


def test_q_constant_windows_special_case():
    ref = np.full((1, 32, 32), 3.0)
    fused = np.full((1, 32, 32), 5.0)
    assert M.q_index(fused, ref) == pytest.approx(2 * 15 / (9 + 25), rel=1e-12)
    assert M.q_index(np.zeros((1, 32, 32)), np.zeros((1, 32, 32))) == 1.0


def test_q_against_direct_sliding_computation_with_mask():
    fused, ref = noisy_pair((2, 24, 27), seed=3, noise=200.0)
    ref[0, :12, :12] = 77.0
    fused[0, :12, :12] = 91.0                           # constant windows in band 1
    b = 8
    mask = np.ones((24, 27), bool)
    mask[20, 3] = False
    per_band = []
    for k in range(2):
        vals = [_uiqi_direct(ref[k, i:i + b, j:j + b], fused[k, i:i + b, j:j + b])
                for i in range(24 - b + 1) for j in range(27 - b + 1)
                if mask[i:i + b, j:j + b].all()]
        per_band.append(np.mean(vals))
    assert M.q_index(fused, ref, block=b, mask=mask) == pytest.approx(np.mean(per_band), rel=1e-10)


# ------------------------------------------------------------------------------------------------
# Hypercomplex algebra and Q2n
# ------------------------------------------------------------------------------------------------

def test_quaternion_product_is_hamilton():
    r = rng(1)
    x, y = r.normal(size=4), r.normal(size=4)
    a1, b1, c1, d1 = x
    a2, b2, c2, d2 = y
    hamilton = [a1 * a2 - b1 * b2 - c1 * c2 - d1 * d2,
                a1 * b2 + b1 * a2 + c1 * d2 - d1 * c2,
                a1 * c2 - b1 * d2 + c1 * a2 + d1 * b2,
                a1 * d2 + b1 * c2 - c1 * b2 + d1 * a2]
    np.testing.assert_allclose(M.hypercomplex_mult(x, y), hamilton, rtol=1e-12, atol=1e-14)
    z = (x[0] + 1j * x[1]) * (y[0] + 1j * y[1])
    np.testing.assert_allclose(M.hypercomplex_mult(x[:2], y[:2]), [z.real, z.imag], rtol=1e-12)


def test_cayley_dickson_norm_and_conjugate():
    r = rng(2)
    for m in (2, 4, 8):
        x, y = r.normal(size=(m, 5)), r.normal(size=(m, 5))     # five numbers at once
        p = M.hypercomplex_mult(x, y)
        # composition algebras (complex, quaternions, octonions): |xy| = |x||y|
        np.testing.assert_allclose(np.linalg.norm(p, axis=0),
                                   np.linalg.norm(x, axis=0) * np.linalg.norm(y, axis=0), rtol=1e-12)
        xx = M.hypercomplex_mult(x, M.hypercomplex_conj(x))
        np.testing.assert_allclose(xx[0], (x * x).sum(axis=0), rtol=1e-12)
        np.testing.assert_allclose(xx[1:], 0, atol=1e-12)
    with pytest.raises(ValueError):
        M.hypercomplex_mult(np.ones(3), np.ones(3))


@pytest.mark.parametrize("bands", [1, 3, 4, 8])
def test_q2n_identical_is_one(bands):
    _, ref = noisy_pair((bands, 64, 64))
    assert M.q2n(ref, ref) == pytest.approx(1.0, abs=1e-12)


def test_q2n_four_bands_degenerate_closed_form():
    # Bands 2-4 constant and equal in both images, band 1 of the fused = reference + delta.
    # Normalised: z = (z1, 1, 1, 1), conj(z') = (z1 + delta/s, -1, -1, -1); the covariance is real
    # (= 1, unit variance of z1), sigma_z^2 + sigma_z'^2 = 2, so
    # Q2n = 2 |m1| |m2| / (|m1|^2 + |m2|^2) with |m1|^2 = 4, |m2|^2 = m^2 + 3, m = 1 + delta/s.
    r = rng(4)
    ref = np.empty((4, 32, 32))
    ref[0] = r.integers(500, 1500, size=(32, 32))
    ref[1], ref[2], ref[3] = 100.0, 200.0, 300.0
    delta = 40.0
    fused = ref.copy()
    fused[0] += delta
    s = ref[0].std(ddof=1)
    m = 1 + delta / s
    expected = 4 * math.sqrt(m * m + 3) / (m * m + 7)
    assert M.q2n(fused, ref) == pytest.approx(expected, rel=1e-12)


def test_q2n_single_band_gain_closed_form():
    # One band (no padding, real algebra), fused = a * ref:  z = (x - mu)/s + 1, z' = (a x - mu)/s + 1,
    # cov = a, var_z = 1, var_z' = a^2, mean(z') = (a - 1) mu / s + 1:
    # Q2n = 2a / (1 + a^2) * 2 m2 / (1 + m2^2).
    r = rng(5)
    ref = r.integers(500, 1500, size=(1, 32, 32)).astype(np.float64)
    a = 2.0
    mu, s = ref.mean(), ref.std(ddof=1)
    m2 = (a - 1) * mu / s + 1
    expected = 2 * a / (1 + a * a) * 2 * m2 / (1 + m2 * m2)
    assert M.q2n(a * ref, ref) == pytest.approx(expected, rel=1e-12)


def test_q2n_band_padding_is_zero_bands():
    fused, ref = noisy_pair((3, 64, 64), seed=6)
    zero = np.zeros((1, 64, 64))
    explicit = M.q2n(np.concatenate([fused, zero]), np.concatenate([ref, zero]))
    assert M.q2n(fused, ref) == pytest.approx(explicit, rel=1e-12)


def test_q2n_mirror_padding_of_the_image():
    fused, ref = noisy_pair((4, 40, 50), seed=7)
    pad = ((0, 0), (0, 24), (0, 14))                     # to 64 x 64, edge pixel repeated (symmetric)
    explicit = M.q2n(np.pad(fused, pad, mode="symmetric"), np.pad(ref, pad, mode="symmetric"))
    value, qmap = M.q2n(fused, ref, return_map=True)
    assert qmap.shape == (2, 2)
    assert value == pytest.approx(explicit, rel=1e-12)


def test_q2n_uint16_cast():
    _, ref = noisy_pair((4, 32, 32), seed=8)
    assert M.q2n(ref + 0.3, ref) == pytest.approx(1.0, abs=1e-12)    # rounds back to ref
    assert M.q2n(ref + 0.6, ref) < 1.0                                   # rounds to ref + 1
    # saturation: everything above 65535 is 65535
    sat = np.full((4, 32, 32), 70000.0)
    assert M.q2n(sat, np.full((4, 32, 32), 65535.0)) == pytest.approx(1.0, abs=1e-12)


def test_q2n_invariances_and_band_order_sensitivity():
    fused, ref = noisy_pair((4, 64, 64), seed=9, noise=150.0)
    fused[1] += 0.3 * (fused[0] - fused[0].mean())      # make the bands interact differently
    fused = np.round(fused)
    base = M.q2n(fused, ref)
    assert 0 < base < 1
    # common per-band affine change (positive integer gain, integer offset) -> unchanged
    g = np.array([2.0, 3.0, 1.0, 2.0])[:, None, None]
    o = np.array([100.0, 0.0, 7.0, 50.0])[:, None, None]
    assert M.q2n(g * fused + o, g * ref + o) == pytest.approx(base, rel=1e-10)
    # cyclic permutation of the imaginary units (i -> j -> k) is a quaternion automorphism
    perm = [0, 2, 3, 1]
    assert M.q2n(fused[perm], ref[perm]) == pytest.approx(base, rel=1e-10)
    # but the real part (band 1) is special: swapping bands 1 and 2 changes the index
    swap = [1, 0, 2, 3]
    assert abs(M.q2n(fused[swap], ref[swap]) - base) > 1e-4
    # and Q2n is not symmetric in (fused, reference): the reference's block statistics normalise both
    assert abs(M.q2n(ref, fused) - base) > 1e-6


def test_q2n_skips_invalid_blocks():
    fused, ref = noisy_pair((4, 64, 64), seed=10, noise=100.0)
    _, qmap = M.q2n(fused, ref, return_map=True)
    f2 = fused.copy()
    f2[2, 5, 40] = np.nan            # block (0, 1) invalid
    assert M.q2n(f2, ref) == pytest.approx(np.mean([qmap[0, 0], qmap[1, 0], qmap[1, 1]]), rel=1e-12)


# ------------------------------------------------------------------------------------------------
# SCC, SSIM
# ------------------------------------------------------------------------------------------------

def _sobel_direct(band):
    from scipy import ndimage
    k = np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]])
    a = band[1:-1, 1:-1]
    return np.hypot(ndimage.correlate(a, k, mode="constant"), ndimage.correlate(a, k.T, mode="constant"))


def test_scc_identity_scale_and_direct():
    fused, ref = noisy_pair((3, 30, 41), seed=11, noise=150.0)
    assert M.scc(ref, ref) == pytest.approx(1.0, abs=1e-12)
    gf = np.stack([_sobel_direct(b) for b in fused])
    gr = np.stack([_sobel_direct(b) for b in ref])
    expected = (gf * gr).sum() / math.sqrt((gf ** 2).sum() * (gr ** 2).sum())
    assert M.scc(fused, ref) == pytest.approx(expected, rel=1e-12)
    assert M.scc(5 * fused, ref) == pytest.approx(expected, rel=1e-12)   # no mean removal, scale-free


def _ssim_direct(x, y):
    """Wang's SSIM on data already in [0, 255]: explicit 11 x 11 Gaussian weights, 'valid' windows."""
    t = np.arange(11) - 5.0
    w = np.exp(-(t[:, None] ** 2 + t[None, :] ** 2) / (2 * 1.5 ** 2))
    w /= w.sum()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    vals = []
    for i in range(x.shape[0] - 10):
        for j in range(x.shape[1] - 10):
            a, b = x[i:i + 11, j:j + 11], y[i:i + 11, j:j + 11]
            ma, mb = (w * a).sum(), (w * b).sum()
            va, vb = (w * a * a).sum() - ma ** 2, (w * b * b).sum() - mb ** 2
            cab = (w * a * b).sum() - ma * mb
            vals.append((2 * ma * mb + c1) * (2 * cab + c2) / ((ma ** 2 + mb ** 2 + c1) * (va + vb + c2)))
    return np.mean(vals)


def test_ssim_identity_and_direct_small_patch():
    r = rng(12)
    ref = r.random((2, 14, 13))
    fused = np.clip(ref + r.normal(0, 0.05, ref.shape), 0, 1)
    assert M.ssim(ref, ref, 1.0) == pytest.approx(1.0, abs=1e-12)
    expected = np.mean([_ssim_direct(255 * ref[k], 255 * fused[k]) for k in range(2)])
    assert M.ssim(fused, ref, 1.0) == pytest.approx(expected, rel=1e-10)
    # peak -> 255 scaling: DN data with peak 2047 score the same as the same data / 2047 with peak 1
    assert M.ssim(2047 * fused, 2047 * ref, 2047.0) == pytest.approx(expected, rel=1e-10)
    assert math.isnan(M.ssim(fused[:, :10], ref[:, :10], 1.0))


# ------------------------------------------------------------------------------------------------
# Full resolution
# ------------------------------------------------------------------------------------------------

def fr_inputs(seed=13, shape=(4, 64, 96)):
    r = rng(seed)
    base = r.integers(300, 1500, size=shape[1:]).astype(np.float64)
    ms_up = np.stack([base * (1 + 0.2 * k) + r.normal(0, 40, shape[1:]) for k in range(shape[0])])
    pan = base + r.normal(0, 20, shape[1:])
    fused = ms_up + 0.5 * (pan - pan.mean())[None] + r.normal(0, 10, shape)
    return fused, ms_up, pan


def _uqi_block(a, b):
    a, b = a.ravel(), b.ravel()
    c = np.cov(a, b)
    return 4 * c[0, 1] * a.mean() * b.mean() / (c[0, 0] + c[1, 1]) / (a.mean() ** 2 + b.mean() ** 2)


def _block_mean_q(a, b, s=32):
    return np.mean([_uqi_block(a[i:i + s, j:j + s], b[i:i + s, j:j + s])
                    for i in range(0, a.shape[0] - s + 1, s) for j in range(0, a.shape[1] - s + 1, s)])


def test_d_lambda_perfect_direct_and_gain_invariance():
    fused, ms_up, _pan = fr_inputs()
    assert M.d_lambda(ms_up, ms_up) == 0.0
    assert M.d_lambda(1.7 * ms_up, ms_up) == pytest.approx(0.0, abs=1e-12)   # Q(aX, aY) = Q(X, Y)
    L = fused.shape[0]
    expected = np.mean([abs(_block_mean_q(fused[i], fused[j]) - _block_mean_q(ms_up[i], ms_up[j]))
                        for i in range(L) for j in range(i + 1, L)])
    assert M.d_lambda(fused, ms_up) == pytest.approx(expected, rel=1e-10)
    assert M.d_lambda(fused[:1], ms_up[:1]) == 0.0


def test_d_s_direct():
    fused, ms_up, pan = fr_inputs()
    ratio = 4
    pt = filters.interp23tap(filters.imresize_bicubic(pan, 1 / ratio), ratio, mode="wrap")
    expected = np.mean([abs(_block_mean_q(fused[k], pan) - _block_mean_q(ms_up[k], pt))
                        for k in range(fused.shape[0])])
    assert M.d_s(fused, ms_up, pan, ratio) == pytest.approx(expected, rel=1e-10)


def test_qnr_perfect_is_one():
    # fused = MS (no spectral distortion) and a flat PAN (P and P~ carry no detail): QNR = 1
    _f, ms_up, _p = fr_inputs()
    pan = np.full(ms_up.shape[1:], 800.0)
    assert M.qnr(ms_up, ms_up, pan, 4) == pytest.approx(1.0, abs=1e-9)


def test_full_resolution_report_consistency():
    fused, ms_up, pan = fr_inputs()
    rep = M.full_resolution_report(fused, ms_up, pan, 4, [0.29, 0.30, 0.31, 0.28])
    assert set(rep) == {"D_lambda", "D_S", "QNR", "D_lambda_K", "HQNR"}
    assert rep["D_lambda"] == pytest.approx(M.d_lambda(fused, ms_up), rel=1e-12)
    assert rep["D_S"] == pytest.approx(M.d_s(fused, ms_up, pan, 4), rel=1e-12)
    assert rep["QNR"] == pytest.approx((1 - rep["D_lambda"]) * (1 - rep["D_S"]), rel=1e-12)
    assert rep["QNR"] == pytest.approx(M.qnr(fused, ms_up, pan, 4), rel=1e-12)
    gains = [0.29, 0.30, 0.31, 0.28]
    khan = 1 - M.q2n(filters.mtf_filter(fused, gains, 4), ms_up)       # D_lambda_K.m: q2n(msexp, MTF(F))
    assert rep["D_lambda_K"] == pytest.approx(khan, rel=1e-12)
    assert rep["D_lambda_K"] == pytest.approx(M.d_lambda_khan(fused, ms_up, 4, gains), rel=1e-12)
    assert rep["HQNR"] == pytest.approx((1 - rep["D_lambda_K"]) * (1 - rep["D_S"]), rel=1e-12)
    assert rep["HQNR"] == pytest.approx(M.hqnr(fused, ms_up, pan, 4, gains), rel=1e-12)
    for k in ("QNR", "HQNR"):
        assert 0 <= rep[k] <= 1
    assert 0 <= rep["D_lambda"] <= 1 and 0 <= rep["D_S"] <= 1 and 0 <= rep["D_lambda_K"] <= 1


def test_full_resolution_blocks_with_invalid_pixels_are_skipped():
    fused, ms_up, pan = fr_inputs(shape=(3, 64, 256))
    f2 = fused.copy()
    f2[:, 3, 3] = np.nan
    rep = M.full_resolution_report(f2, ms_up, pan, 4, 0.3)
    assert all(np.isfinite(v) for v in rep.values())
    # D_lambda: only block (0, 0) is dropped
    keep = (slice(None), slice(None), slice(32, None))
    sub_f, sub_m = fused[:, :32][keep], ms_up[:, :32][keep]
    pairs = [(0, 1), (0, 2), (1, 2)]
    qf = [(np.mean([_uqi_block(sub_f[i][:, c:c + 32], sub_f[j][:, c:c + 32]) for c in range(0, 224, 32)]) * 7
           + 8 * _block_mean_q(fused[i, 32:], fused[j, 32:])) / 15 for i, j in pairs]
    qm = [(np.mean([_uqi_block(sub_m[i][:, c:c + 32], sub_m[j][:, c:c + 32]) for c in range(0, 224, 32)]) * 7
           + 8 * _block_mean_q(ms_up[i, 32:], ms_up[j, 32:])) / 15 for i, j in pairs]
    assert rep["D_lambda"] == pytest.approx(np.mean(np.abs(np.subtract(qf, qm))), rel=1e-10)


# ------------------------------------------------------------------------------------------------
# Reduced-resolution report
# ------------------------------------------------------------------------------------------------

def test_reduced_report_keys_cut_and_peak():
    fused, ref = noisy_pair((4, 70, 70), seed=14)
    rep = M.reduced_resolution_report(fused, ref, 4, value_max=2047)
    assert list(rep) == ["SAM", "ERGAS", "Q", "Q2n", "SCC", "PSNR", "SSIM"]
    assert rep["PSNR"] == pytest.approx(M.psnr(fused, ref, 2047), rel=1e-12)
    # toolbox cut I(c:end-c) (1-based) = I[c-1:-c]
    c = 3
    cut = M.reduced_resolution_report(fused, ref, 4, cut=c, value_max=2047)
    sl = (slice(None), slice(c - 1, -c), slice(c - 1, -c))
    assert cut["ERGAS"] == pytest.approx(M.ergas(fused[sl], ref[sl], 4), rel=1e-12)
    assert cut["Q2n"] == pytest.approx(M.q2n(fused[sl], ref[sl]), rel=1e-12)
    # default peak: smallest 2^n - 1 above the data (11-bit here)
    assert M.default_peak(ref) == 2047.0 and M.default_peak(ref / 4096) == 1.0
    # normalised data: Q2n (uint16 cast) is meaningless -> NaN; the others are computed
    norm = M.reduced_resolution_report(fused / 2047, ref / 2047, 4)
    assert math.isnan(norm["Q2n"])
    assert norm["SSIM"] == pytest.approx(rep["SSIM"], rel=1e-10)
    assert norm["SAM"] == pytest.approx(rep["SAM"], rel=1e-10)


def test_reduced_report_mask():
    fused, ref = noisy_pair((4, 64, 64), seed=15)
    mask = np.ones((64, 64), bool)
    mask[40:, 40:] = False
    f2 = fused.copy()
    f2[:, 40:, 40:] = np.nan
    a = M.reduced_resolution_report(f2, ref, 4, value_max=2047)
    b = M.reduced_resolution_report(fused, ref, 4, value_max=2047, mask=mask)
    assert a == pytest.approx(b, rel=1e-12)
    assert all(np.isfinite(v) for v in a.values())
    keep = mask.ravel()
    flat_f, flat_r = fused.reshape(4, 1, -1)[:, :, keep], ref.reshape(4, 1, -1)[:, :, keep]
    assert a["SAM"] == pytest.approx(M.sam(flat_f, flat_r), rel=1e-12)       # pixel-wise: valid pixels
    assert a["ERGAS"] == pytest.approx(M.ergas(flat_f, flat_r, 4), rel=1e-12)
    _, qmap = M.q2n(fused, ref, return_map=True)
    assert a["Q2n"] == pytest.approx(np.mean([qmap[0, 0], qmap[0, 1], qmap[1, 0]]), rel=1e-12)


# ------------------------------------------------------------------------------------------------
# Realistic sanity check: Landsat 8 demo MS
# ------------------------------------------------------------------------------------------------

def _read(path):
    gdal = pytest.importorskip("osgeo.gdal")
    if not os.path.exists(path):
        pytest.skip(f"demo data not found: {path}")
    ds = gdal.Open(path)
    return ds.ReadAsArray().astype(np.float64)


def test_landsat_degrade_and_reupsample():
    ms = _read(DEMO_MS)                                      # (4, 128, 128) uint16 DN
    ratio = 2
    low = filters.decimate(filters.mtf_filter(ms, 0.3, ratio), ratio)
    up = filters.interp23tap(low, ratio)
    assert up.shape == ms.shape

    same = M.reduced_resolution_report(ms, ms, ratio, value_max=65535)
    assert same["SAM"] == pytest.approx(0, abs=1e-6)
    assert same["ERGAS"] == 0
    for k in ("Q", "Q2n", "SCC", "SSIM"):
        assert same[k] == pytest.approx(1.0, abs=1e-12)
    assert same["PSNR"] == math.inf

    rep = M.reduced_resolution_report(up, ms, ratio, value_max=65535)
    assert rep["SAM"] > 0 and rep["ERGAS"] > 0
    for k in ("Q", "Q2n", "SCC", "SSIM"):
        assert 0 < rep[k] < 1, k
    assert 20 < rep["PSNR"] < math.inf
    # a 4x degradation is worse than a 2x one
    low4 = filters.decimate(filters.mtf_filter(ms, 0.3, 4), 4)
    rep4 = M.reduced_resolution_report(filters.interp23tap(low4, 4), ms, 4, value_max=65535)
    assert rep4["SAM"] > rep["SAM"] and rep4["Q2n"] < rep["Q2n"] and rep4["PSNR"] < rep["PSNR"]


def test_landsat_full_resolution_of_the_interpolated_ms():
    ms = _read(DEMO_MS)
    pan = _read(DEMO_PAN)
    if pan.ndim == 3:
        pan = pan[0]
    # The demo PAN (257 x 257) starts half a PAN pixel before the MS: MS pixel k is centred on PAN
    # pixel 2k + 1, which is where interp23tap puts it, so pan[:256, :256] is the matching grid.
    ratio = 2
    h, w = ratio * ms.shape[1], ratio * ms.shape[2]
    if pan.shape[0] < h or pan.shape[1] < w:
        pytest.skip(f"unexpected demo grids {ms.shape} / {pan.shape}")
    pan = pan[:h, :w]
    ms_up = filters.interp23tap(ms, ratio)
    rep = M.full_resolution_report(ms_up, ms_up, pan, ratio, 0.3)
    assert rep["D_lambda"] == 0.0                          # EXP has no spectral distortion
    assert 0 < rep["D_S"] < 1 and 0 < rep["D_lambda_K"] < 1
    assert 0 <= rep["QNR"] <= 1 and 0 <= rep["HQNR"] <= 1
