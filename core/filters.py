"""Filters and resamplers shared by the methods, the engine and the metrics.

Conventions follow the V21 MATLAB pansharpening toolbox (docs/methods_metrics.md, section 1):
MTF-matched Gaussian FIR (genMTF / MTF.m), decimation phase r//2, the 23-tap polynomial
interpolator, LPfilterGauss, the a-trous B3-spline low-pass and MATLAB's bicubic imresize.
Arrays are (h, w) or (..., h, w); filtering always acts on the last two axes.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from .scipy_check import require_scipy

require_scipy()                     # a sentence for the user instead of "No module named 'scipy'"
from scipy import ndimage  # noqa: E402

# ------------------------------------------------------------------------------------------------
# MTF-matched Gaussian FIR filters (genMTF.m / MTF.m / LPfilterGauss.m)
# ------------------------------------------------------------------------------------------------

_SVD_REL_TOL = 1e-6      # separable terms are kept until the dropped singular values are below this
_MIN_RADIUS = 20         # the toolbox's 41-tap kernels (genMTF, LPfilterGauss)
_RADIUS_PER_RATIO = 2.5  # the spatial Gaussian's std is about 0.5-0.6 ratio: 2.5 ratio holds > 4 std


def mtf_radius(ratio: int) -> int:
    """Half-width of the MTF kernels for ``ratio``: the toolbox's 20 up to ratio 8, wider above.

    With a fixed 41 taps the Gaussian is cut at about 1.3 std for ratio 32 and the kernel keeps only 75 % of
    the mean (DC gain 0.75 instead of 1), which shifts the band means of every method that divides by or
    regresses on the low-pass; the frequency design (gain at the MS Nyquist) is the same for any size.
    """
    return max(_MIN_RADIUS, int(np.ceil(_RADIUS_PER_RATIO * int(ratio))))


def mtf_taps(ratio: int) -> int:
    return 2 * mtf_radius(ratio) + 1


def _float(img) -> np.ndarray:
    img = np.asarray(img)
    return img if img.dtype in (np.float32, np.float64) else img.astype(np.float64)


def _fwind1_gaussian(alpha: float, n: int) -> np.ndarray:
    """fwind1(fspecial('gaussian', n, alpha)/max, kaiser(n)): frequency sampling times a radial window."""
    x = np.arange(n) - (n - 1) / 2.0
    # Hd: Gaussian frequency response, peak 1 (fspecial's normalisation cancels with /max).
    hd = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * alpha ** 2))
    # fsamp2: the spatial filter whose DFT samples are Hd (centred frequency and space grids).
    h = np.real(np.fft.fftshift(np.fft.ifft2(np.fft.ifftshift(hd))))
    # fwind1 with a 1-D window rotates it: w(t1, t2) = w1(sqrt(t1^2 + t2^2)), t in [-1, 1], 0 outside.
    t = np.linspace(-1.0, 1.0, n)
    radius = np.hypot(t[:, None], t[None, :])
    w = np.interp(radius, t, np.kaiser(n, 0.5), right=0.0)
    w[radius > 1.0] = 0.0
    return h * w


def mtf_alpha(gnyq: float, ratio: int, n: int | None = None, minus_one: bool = True) -> float:
    """Std (in frequency samples) of the Gaussian frequency response with gain ``gnyq`` at the MS Nyquist.

    ``minus_one`` selects genMTF's (N-1)*fcut/2; LPfilterGauss uses N*fcut/2 (doc 1.1 pitfall a).
    """
    if not 0.0 < gnyq < 1.0:
        raise ValueError(f"MTF Nyquist gain must be in (0, 1), got {gnyq}")
    n = mtf_taps(ratio) if n is None else n
    half = ((n - 1) if minus_one else n) / (2.0 * ratio)
    return float(np.sqrt(half ** 2 / (-2.0 * np.log(gnyq))))


@lru_cache(maxsize=256)
def _kernel(gnyq: float, ratio: int, n: int, minus_one: bool) -> np.ndarray:
    k = _fwind1_gaussian(mtf_alpha(gnyq, ratio, n, minus_one), n)
    k.setflags(write=False)
    return k


def mtf_kernel(gnyq: float, ratio: int, n: int | None = None) -> np.ndarray:
    """The exact 2-D genMTF kernel (n x n, default ``mtf_taps(ratio)``; not renormalised, sum ~0.999)."""
    return _kernel(float(gnyq), int(ratio), int(mtf_taps(ratio) if n is None else n), True).copy()


@lru_cache(maxsize=256)
def _separable_terms(gnyq: float, ratio: int, n: int, minus_one: bool) -> tuple:
    """The kernel as sum_i col_i (x) row_i from its SVD, truncated at _SVD_REL_TOL."""
    u, s, vt = np.linalg.svd(_kernel(gnyq, ratio, n, minus_one))
    keep = max(1, int(np.sum(s >= _SVD_REL_TOL * s[0])))
    # The kernel is even, so every singular vector is symmetric up to rounding; making that exact lets
    # correlate1d use its symmetric-filter fast path (half the multiplications).
    def sym(v):
        return 0.5 * (v + v[::-1])
    return tuple((sym(u[:, i] * s[i]), sym(vt[i])) for i in range(keep))


def _correlate_separable(img: np.ndarray, terms: tuple) -> np.ndarray:
    """sum_i (col_i along rows, row_i along columns) with replicate borders (= 2-D 'replicate')."""
    out = None
    for col, row in terms:
        tmp = ndimage.correlate1d(img, col.astype(img.dtype), axis=-2, mode="nearest")
        tmp = ndimage.correlate1d(tmp, row.astype(img.dtype), axis=-1, mode="nearest")
        out = tmp if out is None else out + tmp
    return out


def band_gains(gains, n_bands: int) -> np.ndarray:
    """One Nyquist gain per band from a single gain or a list of ``n_bands``."""
    g = np.asarray(gains, dtype=float).ravel()
    if g.size not in (1, n_bands):
        raise ValueError(f"{g.size} Nyquist gains given for {n_bands} bands")
    return np.broadcast_to(g, (n_bands,))


def _filter_bands(img, gains, ratio: int, minus_one: bool) -> np.ndarray:
    img = _float(img)
    if img.ndim == 2:
        g = np.ravel(gains)
        if g.size != 1:
            raise ValueError("one Nyquist gain expected for a 2-D image")
        return _correlate_separable(img, _separable_terms(float(g[0]), int(ratio), mtf_taps(ratio), minus_one))
    lead = img.shape[:-2]
    flat = img.reshape((-1,) + img.shape[-2:])
    g = band_gains(gains, flat.shape[0])
    out = np.empty_like(flat)
    for value in np.unique(g):            # bands sharing a gain are filtered together
        idx = np.flatnonzero(g == value)
        out[idx] = _correlate_separable(flat[idx],
                                        _separable_terms(float(value), int(ratio), mtf_taps(ratio), minus_one))
    return out.reshape(lead + img.shape[-2:])


def mtf_filter(img, gnyq, ratio: int) -> np.ndarray:
    """MTF.m / MTF_PAN.m: correlate each band with its genMTF kernel, replicate borders, same size.

    ``gnyq`` is a float or one gain per band.  float32 input stays float32.
    """
    return _filter_bands(img, gnyq, ratio, True)


def _decimated_per_gain(img, gnyq, ratio: int, phase, filter_bands) -> np.ndarray:
    """The frame of both filter-and-decimate versions: ``filter_bands(flat, idx, out, terms, r, (p0, p1))``
    writes ``out[idx]``, the bands ``idx`` of ``flat`` (one Nyquist gain, its kernel's separable ``terms``)
    filtered and kept at rows p0, p0 + r, ... and columns p1, p1 + r, ..."""
    img = _float(img)
    r = int(ratio)
    p = (r // 2, r // 2) if phase is None else (int(phase[0]), int(phase[1]))
    flat = img.reshape((-1,) + img.shape[-2:])
    g = band_gains(gnyq, flat.shape[0])
    h, w = flat.shape[-2:]
    hd, wd = len(range(p[0], h, r)), len(range(p[1], w, r))
    out = np.zeros((flat.shape[0], hd, wd), dtype=flat.dtype)
    if hd and wd:
        for value in np.unique(g):
            terms = _separable_terms(float(value), r, mtf_taps(r), True)
            filter_bands(flat, np.flatnonzero(g == value), out, terms, r, p)
    return out.reshape(img.shape[:-2] + (hd, wd))


def _strided_bands(flat, idx, out, terms, r: int, p) -> None:
    (p0, p1), (hd, wd), w = p, out.shape[-2:], flat.shape[-1]
    rad = len(terms[0][0]) // 2
    padded = np.pad(flat[idx], ((0, 0), (rad, rad), (rad, rad)), mode="edge")
    for col, row in terms:
        # padded row p0 + r*i + a holds the input row that tap a of output row i reads
        rows = np.zeros((len(idx), hd, w + 2 * rad), dtype=flat.dtype)
        for a, c in enumerate(col.astype(flat.dtype)):
            rows += c * padded[:, p0 + a:p0 + a + r * (hd - 1) + 1:r, :]
        acc = out[idx]
        for b, c in enumerate(row.astype(flat.dtype)):
            acc += c * rows[:, :, p1 + b:p1 + b + r * (wd - 1) + 1:r]
        out[idx] = acc


def mtf_filter_decimate(img, gnyq, ratio: int, phase=None) -> np.ndarray:
    """``decimate(mtf_filter(img, gnyq, ratio), ratio, phase)``, computing only the kept pixels.

    About ``ratio`` times cheaper than filtering everything (the GLP methods' hot path).
    """
    return _decimated_per_gain(img, gnyq, ratio, phase, _strided_bands)


# Inputs per dense block of the filter-and-decimate operator (plus the taps' reach): the dense product does a few
# times the multiplications of the banded one, in BLAS instead of numpy (256 was fastest on 3 to 224 bands).
_DENSE_INPUTS = 256
_CHUNK_BYTES = 32 << 20       # bands filtered at once: their row-filtered block stays about this size


def _decimating_blocks(taps: np.ndarray, n: int, r: int, p: int, dtype) -> list[tuple[slice, slice, np.ndarray]]:
    """Correlation of ``n`` samples with ``taps`` (replicate borders) kept at p, p + r, ... as dense blocks:
    (output slice, input slice, matrix (outputs, inputs)); the borders are folded into the first and last columns."""
    rad = len(taps) // 2
    centres = np.arange(p, n, r)
    step = max(1, _DENSE_INPUTS // r)
    out = []
    for i0 in range(0, len(centres), step):
        c = centres[i0:i0 + step]
        lo, hi = max(0, int(c[0]) - rad), min(n, int(c[-1]) + rad + 1)
        m = np.zeros((len(c), hi - lo))
        cols = np.clip(c[:, None] + np.arange(-rad, rad + 1), 0, n - 1) - lo
        np.add.at(m, (np.repeat(np.arange(len(c)), len(taps)), cols.ravel()), np.tile(taps, len(c)))
        out.append((slice(i0, i0 + len(c)), slice(lo, hi), m.astype(dtype)))
    return out


def _dense_bands(flat, idx, out, terms, r: int, p) -> None:
    h, w = flat.shape[-2:]
    col_blocks = [_decimating_blocks(col, h, r, p[0], flat.dtype) for col, _ in terms]
    row_blocks = [_decimating_blocks(row, w, r, p[1], flat.dtype) for _, row in terms]
    chunk = max(1, _CHUNK_BYTES // (min(out.shape[-2], max(1, _DENSE_INPUTS // r)) * w * flat.itemsize))
    for c0 in range(0, len(idx), chunk):
        sel = idx[c0:c0 + chunk]
        part = flat[sel[0]:sel[-1] + 1] if sel[-1] - sel[0] + 1 == len(sel) else flat[sel]
        acc = np.zeros((len(sel),) + out.shape[-2:], dtype=flat.dtype)
        for cols, rows in zip(col_blocks, row_blocks):
            for o_r, i_r, mc in cols:
                y = np.matmul(mc, part[:, i_r, :])                   # (bands, outputs, w)
                for o_c, i_c, mr in rows:
                    acc[:, o_r, o_c] += np.matmul(y[:, :, i_c], mr.T)
        out[sel] = acc


def mtf_filter_decimate_dense(img, gnyq, ratio: int, phase=None) -> np.ndarray:
    """``mtf_filter_decimate`` for the scene-wide fits: each separable term of the kernel applied as dense
    matrix blocks (``_decimating_blocks``, BLAS), 3 to 15 times faster on 3 to 224 bands.

    Equal up to float rounding, but the rounding of a pixel depends on where the image starts and on BLAS's
    kernels, so a tile would not reproduce the whole image bit for bit: what a method writes uses
    ``mtf_filter_decimate``.
    """
    return _decimated_per_gain(img, gnyq, ratio, phase, _dense_bands)


def lp_gauss(img, ratio: int) -> np.ndarray:
    """LPfilterGauss.m: the genMTF design with GNyq 0.3 and the N*fcut/2 alpha (doc 1.1 pitfall a);
    N = mtf_taps(ratio) (41 up to ratio 8)."""
    return _filter_bands(img, 0.3, ratio, False)


# ------------------------------------------------------------------------------------------------
# Decimation and the 23-tap interpolator
# ------------------------------------------------------------------------------------------------

def decimate(img, ratio: int, phase=None) -> np.ndarray:
    """img[..., p0::r, p1::r]; default phase (r//2, r//2) = MATLAB imresize(., 1/r, 'nearest')."""
    r = int(ratio)
    p0, p1 = (r // 2, r // 2) if phase is None else (int(phase[0]), int(phase[1]))
    return np.asarray(img)[..., p0::r, p1::r]


_CDF23 = 2.0 * np.array([0.5, 0.305334091185, 0, -0.072698593239, 0, 0.021809577942, 0,
                         -0.005192756653, 0, 0.000807762146, 0, -0.000060081482])
# The 23-tap filter is h = [CDF23[:0:-1], CDF23]: 1 at the centre, zero at even offsets, so a 2x pass
# keeps the input samples and fills the gaps with a 12-tap half-sample interpolator (polyphase form).
_HALF = _CDF23[1::2]                                # taps at offsets 1, 3, ..., 11
_HALF_TAPS = np.concatenate([_HALF[::-1], _HALF])   # value at k + 1/2 from x[k-5] ... x[k+6]


def _is_pow2(r: int) -> bool:
    return r >= 1 and (r & (r - 1)) == 0


def _double(x: np.ndarray, axis: int, first: bool, mode: str) -> np.ndarray:
    """One 2x pass of interp23tap along ``axis``.

    First pass: input k -> output 2k+1 (MATLAB U(2:2:end)); later passes: k -> 2k (U(1:2:end)).
    The boundary ``mode`` applies to the input of the pass, which for 'wrap' is exactly the
    MATLAB circular filtering of the zero-stuffed signal.
    """
    # origin=-1: taps x[k-5..k+6] -> value at k + 1/2;  origin=0: x[k-6..k+5] -> value at k - 1/2
    mid = ndimage.correlate1d(x, _HALF_TAPS.astype(x.dtype), axis=axis, mode=mode,
                              origin=0 if first else -1)
    ax = axis % x.ndim
    shape = list(x.shape)
    shape[ax] *= 2
    # interleave by stacking on a new axis after ``ax`` (contiguous writes, faster than strided assignment)
    return np.stack((mid, x) if first else (x, mid), axis=ax + 1).reshape(shape)


# Multi-band images of at least this many output samples are interpolated on several threads, bands split
# between them (scipy's filters release the GIL; the arithmetic per band, so the result, is unchanged).
_THREADED_SAMPLES = 1 << 22
_BAND_WORKERS = max(1, min(4, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _band_pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=_BAND_WORKERS, thread_name_prefix="interp23tap")


def interp23tap(img, ratio: int, mode: str = "reflect") -> np.ndarray:
    """interp23tap.m with log2(r) passes: LR pixel k lands on HR index r*k + r//2.

    ``mode`` is the scipy boundary mode ('wrap' reproduces MATLAB's circular boundary).
    """
    r = int(ratio)
    if not _is_pow2(r):
        raise ValueError(f"interp23tap needs a power-of-two ratio, got {ratio}")
    out = _float(img)
    workers = _BAND_WORKERS
    if out.ndim == 3 and out.shape[0] > 1 and workers > 1 and out.size * r * r >= _THREADED_SAMPLES \
            and not threading.current_thread().name.startswith("interp23tap"):
        result = np.empty(out.shape[:-2] + (out.shape[-2] * r, out.shape[-1] * r), out.dtype)
        chunks = np.array_split(np.arange(out.shape[0]), min(workers, out.shape[0]))

        def part(idx):
            result[idx[0]:idx[-1] + 1] = interp23tap(out[idx[0]:idx[-1] + 1], r, mode)
        list(_band_pool().map(part, chunks))
        return result
    first = True
    while r > 1:
        out = _double(out, -2, first, mode)
        out = _double(out, -1, first, mode)
        first = False
        r //= 2
    return out


# ------------------------------------------------------------------------------------------------
# General resampling onto an HR grid
# ------------------------------------------------------------------------------------------------

def _mirror_index(idx: np.ndarray, n: int) -> np.ndarray:
    """scipy 'mirror' extension (d c b | a b c d | c b a) of integer indices."""
    if n == 1:
        return np.zeros_like(idx)
    period = 2 * (n - 1)
    idx = np.mod(idx, period)
    return np.where(idx > n - 1, period - idx, idx)


def _spline_resample_axis(x: np.ndarray, coords: np.ndarray, axis: int) -> np.ndarray:
    """Cubic B-spline interpolation of ``x`` along ``axis`` at ``coords`` (mode 'mirror').

    Same as ndimage.map_coordinates(order=3, mode='mirror') restricted to one axis; applying it to
    both axes gives the 2-D tensor-product spline.
    """
    n = x.shape[axis]
    c = ndimage.spline_filter1d(x, order=3, axis=axis, mode="mirror", output=x.dtype)
    base = np.floor(coords).astype(np.int64)
    t = (coords - base).astype(x.dtype)
    weights = (((1 - t) ** 3) / 6,                               # cubic B-spline at distances
               (3 * t ** 3 - 6 * t ** 2 + 4) / 6,                # 1+t, t, 1-t, 2-t
               (-3 * t ** 3 + 3 * t ** 2 + 3 * t + 1) / 6,
               t ** 3 / 6)
    c = np.moveaxis(c, axis, -1)
    out = 0
    for j, w in enumerate(weights):
        out = out + c[..., _mirror_index(base - 1 + j, n)] * w
    return np.moveaxis(out, -1, axis)


def _spline_upsample_axis(x: np.ndarray, r: int, off: float, n_out: int, axis: int) -> np.ndarray:
    """``_spline_resample_axis`` at the regular coordinates (arange(n_out) - off) / r, polyphase:
    the output pixels of one phase (y mod r) share their B-spline weights, so each phase is four
    strided slices of the coefficients instead of four gathers."""
    n = x.shape[axis]
    c = np.moveaxis(ndimage.spline_filter1d(x, order=3, axis=axis, mode="mirror", output=x.dtype), axis, -1)
    q = (np.arange(r) - off) / r                     # coordinate of the first output of each phase
    base = np.floor(q).astype(np.int64)
    lo = int(base.min()) - 1
    hi = int(base.max()) + (n_out + r - 1) // r + 3
    # Coefficients over [lo, hi) with the mirror extension, so every phase reads plain slices.
    c = c[..., _mirror_index(np.arange(lo, hi), n)]
    out = np.empty(c.shape[:-1] + (n_out,), dtype=x.dtype)
    for j in range(min(r, n_out)):
        m = len(range(j, n_out, r))
        t = q[j] - base[j]
        weights = ((1 - t) ** 3 / 6, (3 * t ** 3 - 6 * t ** 2 + 4) / 6,
                   (-3 * t ** 3 + 3 * t ** 2 + 3 * t + 1) / 6, t ** 3 / 6)
        start = base[j] - 1 - lo
        acc = weights[0] * c[..., start:start + m]
        for k in (1, 2, 3):
            acc += weights[k] * c[..., start + k:start + k + m]
        out[..., j::r] = acc
    return np.moveaxis(out, -1, axis)


def upsample(lr, ratio: int, out_shape, offset=None) -> np.ndarray:
    """Resample ``lr`` onto an HR grid of ``out_shape`` = (out_h, out_w).

    Output pixel (y, x) samples LR coordinate ((y - offset[0]) / r, (x - offset[1]) / r), LR pixel
    centres at integers; default offset (r//2, r//2) (the interp23tap / decimation phase).  A power-of-two
    ratio with offset - r//2 integral uses interp23tap plus an integer shift; anything else uses cubic
    spline interpolation (mirror boundary).
    """
    r = int(ratio)
    if r < 1 or r != ratio:
        raise ValueError(f"ratio must be an integer >= 1, got {ratio}")
    lr = _float(lr)
    out_h, out_w = int(out_shape[-2]), int(out_shape[-1])
    off = (r // 2, r // 2) if offset is None else (float(offset[0]), float(offset[1]))
    shift = (off[0] - r // 2, off[1] - r // 2)
    if _is_pow2(r) and all(float(s).is_integer() for s in shift):
        up = interp23tap(lr, r)
        s0, s1 = int(shift[0]), int(shift[1])
        # out[y] = up[y - s]; pad (half-sample symmetric) only where the request leaves ``up``.
        before = (max(0, s0), max(0, s1))
        after = (max(0, out_h - s0 - up.shape[-2]), max(0, out_w - s1 - up.shape[-1]))
        if any(before) or any(after):
            pad = [(0, 0)] * (up.ndim - 2) + [(before[0], after[0]), (before[1], after[1])]
            up = np.pad(up, pad, mode="symmetric")
        y0, x0 = before[0] - s0, before[1] - s1
        return np.ascontiguousarray(up[..., y0:y0 + out_h, x0:x0 + out_w])
    out = _spline_upsample_axis(lr, r, off[0], out_h, lr.ndim - 2)
    return _spline_upsample_axis(out, r, off[1], out_w, lr.ndim - 1)


# ------------------------------------------------------------------------------------------------
# A-trous low-pass (ATWT / AWLP / GSA's LPfilterPlusDec)
# ------------------------------------------------------------------------------------------------

_B3 = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def atwt_lowpass(img, ratio: int) -> np.ndarray:
    """Approximation plane of the a-trous B3-spline transform, ceil(log2 r) levels (details zeroed).

    Level j uses the B3 kernel dilated by 2**j; symmetric (half-sample) borders.
    """
    out = _float(img)
    levels = int(np.ceil(np.log2(ratio))) if ratio > 1 else 0
    for j in range(levels):
        step = 2 ** j
        k = np.zeros(4 * step + 1, dtype=out.dtype)
        k[::step] = _B3
        out = ndimage.correlate1d(out, k, axis=-2, mode="reflect")
        out = ndimage.correlate1d(out, k, axis=-1, mode="reflect")
    return out


# ------------------------------------------------------------------------------------------------
# MATLAB imresize, bicubic with antialiasing
# ------------------------------------------------------------------------------------------------

def _cubic(x: np.ndarray) -> np.ndarray:
    """Keys cubic convolution kernel, a = -0.5 (MATLAB imresize 'bicubic')."""
    ax = np.abs(x)
    ax2, ax3 = ax ** 2, ax ** 3
    return np.where(ax <= 1, 1.5 * ax3 - 2.5 * ax2 + 1,
                    np.where(ax <= 2, -0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2, 0.0))


def _imresize_weights(in_len: int, scale: float, out_len: int):
    """imresize's contributions(): weights and (mirrored) indices, shape (out_len, taps)."""
    width = 4.0 / scale if scale < 1 else 4.0          # antialiasing stretches the kernel when shrinking
    u = np.arange(1, out_len + 1) / scale + 0.5 * (1 - 1 / scale)   # 1-based input coordinate
    left = np.floor(u - width / 2)
    taps = int(np.ceil(width)) + 2
    idx = left[:, None] + np.arange(taps)[None, :]
    dist = u[:, None] - idx
    w = scale * _cubic(scale * dist) if scale < 1 else _cubic(dist)
    w = w / w.sum(axis=1, keepdims=True)
    # Out-of-range indices are mirrored with edge repetition (aux = [1..n, n..1]).
    aux = np.concatenate([np.arange(in_len), np.arange(in_len)[::-1]])
    idx = aux[np.mod(idx.astype(np.int64) - 1, 2 * in_len)]
    keep = np.any(w != 0, axis=0)                      # drop all-zero tap columns
    return w[:, keep], idx[:, keep]


def _resize_axis(x: np.ndarray, axis: int, scale: float, out_len: int) -> np.ndarray:
    w, idx = _imresize_weights(x.shape[axis], scale, out_len)
    xm = np.moveaxis(x, axis, -1)
    out = np.zeros(xm.shape[:-1] + (out_len,), dtype=x.dtype)
    for j in range(w.shape[1]):
        out += xm[..., idx[:, j]] * w[:, j].astype(x.dtype)
    return np.moveaxis(out, -1, axis)


def imresize_bicubic(img, scale: float) -> np.ndarray:
    """MATLAB ``imresize(img, scale)`` (bicubic, antialiasing when shrinking) on the last two axes.

    Output size ceil(scale * size); no rounding or clipping (float in, float out).
    """
    img = _float(img)
    scale = float(scale)
    if scale <= 0:
        raise ValueError("scale must be positive")
    h, w = img.shape[-2:]
    out_h = int(np.ceil(round(scale * h, 9)))
    out_w = int(np.ceil(round(scale * w, 9)))
    out = _resize_axis(img, img.ndim - 2, scale, out_h)   # MATLAB: rows first when scales are equal
    return _resize_axis(out, img.ndim - 1, scale, out_w)
