"""core.filters against docs/methods_metrics.md (sections 1.1-1.3, 6) and independent references."""
import math

import numpy as np
import pytest
from scipy import ndimage

from core import filters as F

# docs/methods_metrics.md section 6: GNyq -> alpha, kernel sum, centre tap, gain at 0.125 cyc/px (r=4, N=41)
SELF_CHECK = [
    (0.325, 3.3349, 0.99882, 0.041570, 0.307),
    (0.315, 3.2895, 0.99879, 0.040446, 0.297),
    (0.34, 3.4039, 0.99887, 0.043309, 0.322),
    (0.22, 2.8733, 0.99842, 0.030857, 0.204),
    (0.14, 2.5215, 0.99795, 0.023764, 0.127),
    (0.30, 3.2222, 0.99874, 0.038807, 0.282),
]


@pytest.mark.parametrize("gnyq,alpha,ksum,centre,gain", SELF_CHECK)
def test_mtf_kernel_self_check_table(gnyq, alpha, ksum, centre, gain):
    k = F.mtf_kernel(gnyq, 4)
    assert k.shape == (41, 41)
    assert F.mtf_alpha(gnyq, 4) == pytest.approx(alpha, abs=1e-3)
    assert k.sum() == pytest.approx(ksum, abs=1e-4)
    assert k[20, 20] == pytest.approx(centre, abs=1e-5)
    x = np.arange(41) - 20
    response = np.sum(k * np.cos(2 * np.pi * 0.125 * x)[None, :])     # H(0.125, 0)
    assert response == pytest.approx(gain, abs=1e-3)
    assert np.allclose(k, k.T) and np.allclose(k, k[::-1, ::-1])


def test_lp_gauss_uses_n_not_n_minus_1():
    # LPfilterGauss: alpha = sqrt((N fcut/2)^2 / (-2 ln 0.3)), N = 41, fixed GNyq 0.3
    assert F.mtf_alpha(0.3, 4, minus_one=False) == pytest.approx(41 / 8 / math.sqrt(-2 * math.log(0.3)))
    rng = np.random.default_rng(3)
    img = rng.random((60, 70))
    kernel = F._kernel(0.3, 4, 41, False)
    assert not np.allclose(kernel, F.mtf_kernel(0.3, 4))
    exact = ndimage.correlate(img, kernel, mode="nearest")
    assert np.abs(F.lp_gauss(img, 4) - exact).max() < 1e-6


# Measured max |separable - exact 2-D| / data range on uniform noise: 1.6e-7 (r=4, G=0.3),
# 5.7e-7 (r=2, G=0.34), 1.1e-6 at most over r in {2, 3, 4, 8}; one SVD term alone would give ~7e-6.
SEPARABLE_TOL = 2e-6


@pytest.mark.parametrize("ratio", [2, 3, 4, 8])
@pytest.mark.parametrize("gnyq", [0.14, 0.22, 0.3, 0.34])
def test_mtf_filter_matches_exact_2d_correlation(ratio, gnyq):
    rng = np.random.default_rng(0)
    img = rng.random((97, 83)) * 2047.0
    exact = ndimage.correlate(img, F.mtf_kernel(gnyq, ratio), mode="nearest")
    fast = F.mtf_filter(img, gnyq, ratio)
    assert fast.shape == img.shape
    assert np.abs(fast - exact).max() / 2047.0 < SEPARABLE_TOL


def test_mtf_filter_per_band_gains_and_dtype():
    rng = np.random.default_rng(1)
    img = rng.random((3, 50, 40)).astype(np.float32)
    gains = [0.34, 0.22, 0.34]
    out = F.mtf_filter(img, gains, 4)
    assert out.dtype == np.float32 and out.shape == img.shape
    for b, g in enumerate(gains):
        exact = ndimage.correlate(img[b].astype(np.float64), F.mtf_kernel(g, 4), mode="nearest")
        assert np.abs(out[b] - exact).max() < 1e-5
    with pytest.raises(ValueError):
        F.mtf_filter(img, [0.3, 0.3], 4)


@pytest.mark.parametrize("ratio,phase", [(4, None), (4, (0, 3)), (2, (1, 0)), (3, (2, 1)), (8, (5, 2))])
def test_mtf_filter_decimate_equals_filter_then_decimate(ratio, phase):
    rng = np.random.default_rng(2)
    img = rng.random((2, 75, 66))
    ref = F.decimate(F.mtf_filter(img, [0.3, 0.22], ratio), ratio, phase)
    out = F.mtf_filter_decimate(img, [0.3, 0.22], ratio, phase)
    assert out.shape == ref.shape
    assert np.abs(out - ref).max() < 1e-12



@pytest.mark.parametrize("chunk_bytes", [1, 1 << 30])      # one band per chunk; all bands of a gain at once
@pytest.mark.parametrize("ratio,shape,phase", [(2, (300, 530), (1, 0)), (3, (530, 301), (2, 1)), (4, (7, 9), None),
                                               (4, (75, 66), (0, 3))])
def test_mtf_filter_decimate_dense_equals_the_exact_one(ratio, shape, phase, chunk_bytes, monkeypatch):
    """The fits' dense filter-and-decimate: several blocks per axis, bands filtered one or several at a time
    (gains interleaved, so a chunk's bands are not adjacent), an image smaller than the kernel (every tap
    clamped to the borders); float32 stays float32."""
    monkeypatch.setattr(F, "_CHUNK_BYTES", chunk_bytes)
    rng = np.random.default_rng(3)
    img = rng.random((5,) + shape)
    gains = [0.3, 0.22, 0.3, 0.22, 0.3]
    ref = F.mtf_filter_decimate(img, gains, ratio, phase)
    out = F.mtf_filter_decimate_dense(img, gains, ratio, phase)
    assert out.shape == ref.shape and out.dtype == np.float64
    assert np.abs(out - ref).max() < 1e-12
    out32 = F.mtf_filter_decimate_dense(img.astype(np.float32), gains, ratio, phase)
    assert out32.dtype == np.float32 and np.abs(out32 - ref).max() < 1e-5

def test_decimate_phase():
    x = np.arange(24 * 24).reshape(24, 24)
    assert np.array_equal(F.decimate(x, 4), x[2::4, 2::4])
    assert np.array_equal(F.decimate(x, 2), x[1::2, 1::2])
    assert np.array_equal(F.decimate(x, 3), x[1::3, 1::3])
    assert np.array_equal(F.decimate(x, 4, (0, 1)), x[0::4, 1::4])


def _interp23tap_zero_stuffing(img, ratio):
    """The MATLAB algorithm literally: zero-stuff, then 23-tap filter rows and columns, circular border."""
    c = 2 * np.array([0.5, 0.305334091185, 0, -0.072698593239, 0, 0.021809577942, 0,
                      -0.005192756653, 0, 0.000807762146, 0, -0.000060081482])
    h = np.concatenate([c[:0:-1], c])
    out = img
    for z in range(int(math.log2(ratio))):
        u = np.zeros((2 * out.shape[0], 2 * out.shape[1]))
        if z == 0:
            u[1::2, 1::2] = out
        else:
            u[0::2, 0::2] = out
        u = ndimage.correlate1d(u, h, axis=0, mode="wrap")
        out = ndimage.correlate1d(u, h, axis=1, mode="wrap")
    return out


@pytest.mark.parametrize("ratio", [2, 4, 8])
def test_interp23tap_matches_matlab_algorithm_with_wrap(ratio):
    rng = np.random.default_rng(4)
    img = rng.random((13, 17))
    out = F.interp23tap(img, ratio, mode="wrap")
    assert out.shape == (13 * ratio, 17 * ratio)
    assert np.abs(out - _interp23tap_zero_stuffing(img, ratio)).max() < 1e-12


def test_interp23tap_constant_impulse_and_roundtrip():
    const = F.interp23tap(np.full((2, 9, 11), 7.5), 4)
    assert const.shape == (2, 36, 44)
    # the published taps are rounded to 12 digits: the odd taps sum to 1 - 4e-10, hence ~1e-9 relative
    assert np.abs(const - 7.5).max() < 7.5 * 5e-9
    imp = np.zeros((12, 12))
    imp[5, 7] = 1.0
    up = F.interp23tap(imp, 4)
    assert np.unravel_index(np.argmax(up), up.shape) == (22, 30)
    assert up[22, 30] == pytest.approx(1.0, abs=1e-12)
    rng = np.random.default_rng(5)
    for r in (2, 4, 8):
        x = rng.random((3, 10, 14)).astype(np.float32)
        y = F.interp23tap(x, r)
        assert y.dtype == np.float32
        assert np.array_equal(F.decimate(y, r), x)          # interpolating: LR samples kept exactly
    with pytest.raises(ValueError):
        F.interp23tap(np.ones((4, 4)), 3)


def test_upsample_fast_path_is_shifted_interp23tap():
    rng = np.random.default_rng(6)
    lr = rng.random((2, 20, 25))
    e = F.interp23tap(lr, 4)
    assert np.array_equal(F.upsample(lr, 4, (80, 100)), e)
    u = F.upsample(lr, 4, (90, 110), offset=(5, -2))          # out[y, x] = e[y - 3, x + 4]
    assert u.shape == (2, 90, 110)
    assert np.array_equal(u[:, 3:83, :96], e[:, 0:80, 4:100])
    assert np.array_equal(u[:, 2, :96], e[:, 0, 4:])         # reflected padding beyond the data
    assert np.array_equal(F.upsample(lr, 1, (20, 25)), lr)


@pytest.mark.parametrize("ratio,offset", [(3, (1.0, 1.0)), (4, (1.5, 2.25)), (2, (0.5, -3.5)), (1, (0.3, 0.0))])
def test_upsample_cubic_matches_map_coordinates(ratio, offset):
    rng = np.random.default_rng(7)
    lr = rng.random((2, 20, 25))
    shape = (ratio * 20 + 5, ratio * 25 - 3)
    out = F.upsample(lr, ratio, shape, offset)
    yy, xx = np.meshgrid((np.arange(shape[0]) - offset[0]) / ratio, (np.arange(shape[1]) - offset[1]) / ratio,
                         indexing="ij")
    ref = np.stack([ndimage.map_coordinates(b, [yy, xx], order=3, mode="mirror") for b in lr])
    assert np.abs(out - ref).max() < 1e-10


@pytest.mark.parametrize("ratio,offset", [(3, (0.7, 1.2)), (4, (1.5, 2.5)), (2, (0.25, 0.0))])
def test_upsample_fractional_offset_reproduces_ramp(ratio, offset):
    rows, cols = np.mgrid[0:30, 0:40].astype(np.float64)
    lr = 3.0 * rows - 2.0 * cols + 10.0
    out = F.upsample(lr, ratio, (30 * ratio, 40 * ratio), offset)
    y, x = np.mgrid[0:30 * ratio, 0:40 * ratio].astype(np.float64)
    expected = 3.0 * (y - offset[0]) / ratio - 2.0 * (x - offset[1]) / ratio + 10.0
    m = 12 * ratio           # the mirror-border kink decays by 0.268 per LR pixel in a cubic spline
    assert np.abs(out[m:-m, m:-m] - expected[m:-m, m:-m]).max() < 1e-6


def test_atwt_lowpass():
    assert np.allclose(F.atwt_lowpass(np.full((30, 30), 4.0), 4), 4.0)
    imp = np.zeros((41, 41))
    imp[20, 20] = 1.0
    b3 = np.array([1, 4, 6, 4, 1]) / 16.0
    b3_2 = np.zeros(9)
    b3_2[::2] = b3
    line = np.convolve(b3, b3_2)                     # two levels: B3 then B3 with one hole
    out = F.atwt_lowpass(imp, 4)
    assert np.allclose(out[14:27, 14:27], np.outer(line, line))
    assert np.abs(out).sum() == pytest.approx(1.0)
    assert np.allclose(F.atwt_lowpass(imp, 2)[18:23, 18:23], np.outer(b3, b3))


def test_imresize_bicubic_grid_and_values():
    ramp = np.tile(np.arange(64.0), (3, 64, 1))
    down = F.imresize_bicubic(ramp, 0.25)
    assert down.shape == (3, 16, 16)
    # MATLAB maps output j (0-based) to input 4j + 1.5: a ramp is reproduced away from the borders
    assert np.allclose(down[0, 5, 3:13], 4 * np.arange(3, 13) + 1.5)
    up = F.imresize_bicubic(ramp[0], 2)
    assert up.shape == (128, 128)
    assert np.allclose(up[5, 4:120], (np.arange(4, 120) + 0.5) / 2 - 0.5)
    assert np.allclose(F.imresize_bicubic(np.full((33, 30), 2.0), 1 / 3), 2.0)
    assert F.imresize_bicubic(np.zeros((33, 30)), 1 / 3).shape == (11, 10)
    # antialiasing: a checkerboard at the HR Nyquist vanishes when shrinking by 4
    cb = (np.indices((64, 64)).sum(axis=0) % 2).astype(float)
    assert np.allclose(F.imresize_bicubic(cb, 0.25)[2:-2, 2:-2], 0.5, atol=1e-3)


def test_interp23tap_threaded_band_split_is_exact(monkeypatch):
    # Large multi-band images are split by bands over threads: the values must not change.
    x = np.random.default_rng(8).random((5, 40, 33)).astype(np.float32)
    whole = F.interp23tap(x, 4)
    monkeypatch.setattr(F, "_THREADED_SAMPLES", 1)
    if F._BAND_WORKERS < 2:
        pytest.skip("one CPU: no threaded split")
    split = F.interp23tap(x, 4)
    assert np.array_equal(split, whole)
    assert np.array_equal(F.interp23tap(x[:1], 4)[0], whole[0])
