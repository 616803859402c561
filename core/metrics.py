"""Pansharpening / HS-MS fusion quality metrics with the conventions of the V21 MATLAB toolbox.

Definitions: docs/methods_metrics.md section 3 (reduced and full resolution) and docs/cave_protocol.md
section 7 (PSNR / SSIM as used in the MHIF tables).  numpy / scipy only.

Arrays are (bands, h, w) (a 2-D array is one band) in the data's own units (DN): the metrics are
scale-invariant except PSNR / SSIM (``peak``) and Q2n / D_lambda(Khan) / HQNR, which cast to uint16
like the toolbox.  ``fused`` is always the first argument, the reference (or the MS) the second.

Every metric takes an optional ``mask`` (h, w) of valid pixels (True = valid); pixels that are not
finite in any band of any input are invalid too.  Pixel-wise metrics (SAM, ERGAS, PSNR) use the valid
pixels; window / block metrics (Q, Q2n, SSIM, D_lambda, D_S, ...) skip windows containing an invalid
pixel; SCC skips the gradients that touch one.

Large scenes are processed in strips / chunks of blocks, so memory stays bounded (about
``_CHUNK_ELEMS`` float64 values per temporary array).
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

__all__ = [
    "sam", "ergas", "q_index", "q2n", "scc", "psnr", "ssim",
    "d_lambda", "d_s", "qnr", "d_lambda_khan", "hqnr",
    "reduced_resolution_report", "full_resolution_report",
    "hypercomplex_mult", "hypercomplex_conj", "default_peak",
]

_EPS = float(np.finfo(np.float64).eps)      # MATLAB eps
_CHUNK_ELEMS = 1 << 22                      # ~32 MB of float64 per temporary array


# ------------------------------------------------------------------------------------------------
# Input handling
# ------------------------------------------------------------------------------------------------

def _cube(a, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"{name} must be (bands, h, w) or (h, w); got shape {a.shape}")
    return a


def _same_shape(a: np.ndarray, b: np.ndarray, what: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{what}: shapes differ {a.shape} vs {b.shape}")


def _valid_mask(*cubes: np.ndarray, mask=None):
    """(h, w) bool of the valid pixels, or None when every pixel is valid."""
    h, w = cubes[0].shape[-2:]
    valid = None
    if mask is not None:
        valid = np.array(mask, dtype=bool, copy=True)
        if valid.shape != (h, w):
            raise ValueError(f"mask has shape {valid.shape}, expected {(h, w)}")
    for c in cubes:
        if not np.issubdtype(c.dtype, np.inexact):
            continue
        for k in range(c.shape[0]):
            fin = np.isfinite(c[k])
            if not fin.all():
                valid = fin if valid is None else (valid & fin)
    if valid is not None and valid.all():
        return None
    return valid


def _f64(band, valid=None, fill: float = 0.0) -> np.ndarray:
    """float64 copy of a 2-D band with invalid pixels replaced by ``fill``."""
    out = np.array(band, dtype=np.float64, copy=True)
    if valid is not None:
        out[~valid] = fill
    return out


def default_peak(ref) -> float:
    """PSNR / SSIM peak when none is given: 1 for normalised data (max <= 1), otherwise 2**n - 1
    for the smallest bit depth n that holds the largest finite reference value (e.g. 2047 for 11-bit)."""
    ref = np.asarray(ref)
    m = float(np.nanmax(np.where(np.isfinite(ref), ref, np.nan))) if np.issubdtype(ref.dtype, np.inexact) \
        else float(ref.max())
    if not np.isfinite(m) or m <= 1.0:
        return 1.0
    return float(2 ** math.ceil(math.log2(m + 1.0)) - 1)


# ------------------------------------------------------------------------------------------------
# Window sums
# ------------------------------------------------------------------------------------------------

def _sliding_sum(a: np.ndarray, b: int, axis: int) -> np.ndarray:
    """Sums of ``b`` consecutive elements along ``axis`` ('valid': n - b + 1 outputs).

    Doubling: S_2p[k] = S_p[k] + S_p[k + p], then b is assembled from its binary digits.  Each sum is a
    pairwise (tree) summation of its own b values -- no drift along long lines as with a cumsum
    difference -- and every step is one vectorised addition.
    """
    axis = axis % a.ndim
    n = a.shape[axis]
    nout = n - b + 1

    def take(x, start, stop):
        idx = [slice(None)] * x.ndim
        idx[axis] = slice(start, stop)
        return x[tuple(idx)]

    out, off, cur, p = None, 0, a, 1
    while True:
        if b & p:                                   # this power of two is a digit of b
            piece = take(cur, off, off + nout)
            out = piece.copy() if out is None else out + piece
            off += p
        if 2 * p > b:
            break
        m = cur.shape[axis]
        cur = take(cur, 0, m - p) + take(cur, p, m)   # window length 2p
        p *= 2
    return out


def _box_sum(a: np.ndarray, b: int) -> np.ndarray:
    """'valid' b x b window sums of a 2-D float array (= filter2(ones(b), a, 'valid'))."""
    return _sliding_sum(_sliding_sum(a, b, 0), b, 1)


def _box_count(a: np.ndarray, br: int, bc: int) -> np.ndarray:
    """'valid' br x bc window sums of a 2-D bool / integer array, exact (integer arithmetic)."""
    a = a.astype(np.int32)
    return _sliding_sum(_sliding_sum(a, br, 0), bc, 1)


def _both_constant_windows(x: np.ndarray, y: np.ndarray, b: int) -> np.ndarray:
    """True for the 'valid' b x b windows where x and y are both constant (exact test)."""
    if b == 1:
        return np.ones(x.shape, dtype=bool)
    ch_h = (x[:, 1:] != x[:, :-1]) | (y[:, 1:] != y[:, :-1])
    ch_v = (x[1:] != x[:-1]) | (y[1:] != y[:-1])
    return (_box_count(ch_h, b, b - 1) == 0) & (_box_count(ch_v, b - 1, b) == 0)


def _uiqi(mx, my, vx, vy, cxy, both_const) -> np.ndarray:
    """Wang-Bovik Q from window moments, with img_qi.m's special cases.

    Q = 4 cxy mx my / ((vx + vy)(mx^2 + my^2)); when both windows are constant (vx + vy = 0)
    Q = 2 mx my / (mx^2 + my^2), and Q = 1 when that is 0/0 too (img_qi.m).
    """
    msum = mx * my
    msq = mx * mx + my * my
    vs = np.where(both_const, 0.0, vx + vy)
    num = 4.0 * cxy * msum
    den = vs * msq
    q = np.ones(np.shape(den))
    i1 = (vs == 0) & (msq != 0)
    q[i1] = 2.0 * msum[i1] / msq[i1]
    i2 = den != 0
    q[i2] = num[i2] / den[i2]
    return q


# ------------------------------------------------------------------------------------------------
# Reduced resolution (with reference)
# ------------------------------------------------------------------------------------------------

def sam(fused, ref, mask=None) -> float:
    """Spectral angle mapper (SAM.m), degrees: mean over pixels of acos(<f, r> / (|f| |r|)).

    Pixels where |f| |r| = 0 are dropped (as are invalid pixels); cosines are clipped to [-1, 1]
    (= MATLAB's real(acos(.)) for rounding overshoots).  NaN when no pixel is left.
    """
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "sam")
    valid = _valid_mask(F, R, mask=mask)
    dot = np.zeros(F.shape[1:])
    nf = np.zeros(F.shape[1:])
    nr = np.zeros(F.shape[1:])
    for k in range(F.shape[0]):
        f, r = _f64(F[k], valid), _f64(R[k], valid)    # invalid pixels -> zero norm -> dropped
        dot += f * r
        nf += f * f
        nr += r * r
    pn = np.sqrt(nf * nr)
    keep = pn > 0
    if not keep.any():
        return float("nan")
    cosv = np.clip(dot[keep] / pn[keep], -1.0, 1.0)
    return float(np.degrees(np.arccos(cosv).mean()))


def ergas(fused, ref, ratio, mask=None) -> float:
    """ERGAS.m: 100/ratio * sqrt(mean_k( mean((ref_k - f_k)^2) / mean(ref_k)^2 )).

    ``ratio`` is the PAN/MS pixel-size ratio (e.g. 4); the reference means are the denominators.
    """
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "ergas")
    valid = _valid_mask(F, R, mask=mask)
    if valid is not None and not valid.any():
        return float("nan")
    acc = 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(F.shape[0]):
            f = np.asarray(F[k], dtype=np.float64)
            r = np.asarray(R[k], dtype=np.float64)
            if valid is not None:
                f, r = f[valid], r[valid]
            acc += np.mean((r - f) ** 2) / np.mean(r) ** 2
    return float(100.0 / ratio * math.sqrt(acc / F.shape[0]))


def psnr(fused, ref, peak, mask=None) -> float:
    """Band-mean PSNR: mean_k 10 log10(peak^2 / MSE_k) (inf for an exact band)."""
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "psnr")
    valid = _valid_mask(F, R, mask=mask)
    if valid is not None and not valid.any():
        return float("nan")
    vals = []
    with np.errstate(divide="ignore"):
        for k in range(F.shape[0]):
            f = np.asarray(F[k], dtype=np.float64)
            r = np.asarray(R[k], dtype=np.float64)
            if valid is not None:
                f, r = f[valid], r[valid]
            mse = float(np.mean((f - r) ** 2))
            vals.append(10.0 * np.log10(float(peak) ** 2 / mse) if mse > 0 else np.inf)
    return float(np.mean(vals))


def _strip_rows(n_out: int, width: int, per_row: int = 1) -> int:
    return max(1, _CHUNK_ELEMS // max(1, width * per_row))


def _q_band(x, y, b: int, valid):
    """(sum, count) of the sliding b x b Q map of one band pair (img_qi.m), valid windows only."""
    h, w = x.shape
    if h < b or w < b:
        return 0.0, 0
    n = float(b * b)
    # Second moments are accumulated on data shifted by a per-band constant (exact for integers).
    xm = x[valid] if valid is not None else x
    ym = y[valid] if valid is not None else y
    if xm.size == 0:
        return 0.0, 0
    cx = float(np.round(np.mean(xm, dtype=np.float64)))
    cy = float(np.round(np.mean(ym, dtype=np.float64)))
    n_out = h - b + 1
    step = _strip_rows(n_out, w)
    total, count = 0.0, 0
    for r0 in range(0, n_out, step):
        r1 = min(n_out, r0 + step)
        sv = valid[r0:r1 + b - 1] if valid is not None else None
        xs = _f64(x[r0:r1 + b - 1], sv, cx) - cx
        ys = _f64(y[r0:r1 + b - 1], sv, cy) - cy
        sx, sy = _box_sum(xs, b), _box_sum(ys, b)
        sxx, syy, sxy = _box_sum(xs * xs, b), _box_sum(ys * ys, b), _box_sum(xs * ys, b)
        both_const = _both_constant_windows(xs, ys, b)
        mx, my = sx / n + cx, sy / n + cy
        vx = (n * sxx - sx * sx) / (n * n)
        vy = (n * syy - sy * sy) / (n * n)
        cxy = (n * sxy - sx * sy) / (n * n)
        q = _uiqi(mx, my, vx, vy, cxy, both_const)
        if sv is not None:
            ok = _box_count(~sv, b, b) == 0
            total += float(q[ok].sum())
            count += int(ok.sum())
        else:
            total += float(q.sum())
            count += q.size
    return total, count


def q_index(fused, ref, block: int = 32, mask=None) -> float:
    """Band-averaged UIQI (Q.m / img_qi.m): Q on sliding block x block windows (stride 1, 'valid'),
    averaged over the map, then over the bands.  NaN when no window fits."""
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "q_index")
    valid = _valid_mask(F, R, mask=mask)
    per_band = []
    for k in range(F.shape[0]):
        s, c = _q_band(R[k], F[k], int(block), valid)
        per_band.append(s / c if c else np.nan)
    return float(np.mean(per_band))


# --- hypercomplex (Cayley-Dickson) algebra -------------------------------------------------------

def hypercomplex_conj(x) -> np.ndarray:
    """Cayley-Dickson conjugate of numbers stored along axis 0 (2^n components): (x0, -x1, ..., -x_{m-1})."""
    x = np.asarray(x)
    out = -x
    out[0] = x[0]
    return out


def hypercomplex_mult(x, y) -> np.ndarray:
    """Cayley-Dickson product of hypercomplex numbers stored along axis 0 (2^n components).

    With x = (a, b), y = (c, d) (halves): x y = (a c - conj(d) b, d a + b conj(c)).
    2 components: complex numbers; 4: quaternions in the order (1, i, j, k); 8: octonions.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    m = x.shape[0]
    if y.shape[0] != m or m & (m - 1):
        raise ValueError(f"hypercomplex numbers need the same power-of-two length, got {m} and {y.shape[0]}")
    if m == 1:
        return x * y
    h = m // 2
    a, b, c, d = x[:h], x[h:], y[:h], y[h:]
    first = hypercomplex_mult(a, c) - hypercomplex_mult(hypercomplex_conj(d), b)
    second = hypercomplex_mult(d, a) + hypercomplex_mult(b, hypercomplex_conj(c))
    return np.concatenate([first, second], axis=0)


@lru_cache(maxsize=8)
def _cd_table(m: int) -> np.ndarray:
    """Structure constants T[i, j, :] = e_i e_j of the 2^n-component Cayley-Dickson algebra."""
    eye = np.eye(m)
    xs = np.repeat(eye, m, axis=1)          # column i*m + j holds e_i
    ys = np.tile(eye, (1, m))               # column i*m + j holds e_j
    prod = hypercomplex_mult(xs, ys)        # (m, m*m)
    table = prod.T.reshape(m, m, m)
    table.setflags(write=False)
    return table


def _to_uint16(band) -> np.ndarray:
    """MATLAB uint16(): round half away from zero, saturate to [0, 65535], NaN -> 0."""
    a = np.asarray(band, dtype=np.float64)
    a = np.nan_to_num(a, nan=0.0, posinf=65535.0, neginf=0.0)
    return np.clip(np.floor(a + 0.5), 0, 65535).astype(np.uint16)


def _onion_blocks(X: np.ndarray, Y: np.ndarray, m: int) -> np.ndarray:
    """onions_quality.m for a batch of blocks: X (reference), Y (fused) as (bands, n_blocks, n_pixels).

    Bands are padded with zero bands to ``m`` (a power of 2).  Returns the modulus of the block's
    hypercomplex quality, shape (n_blocks,).
    """
    nb_bands, nblk, n = X.shape
    a = X.mean(axis=-1)
    s = X.std(axis=-1, ddof=1)
    t = np.where(s == 0, _EPS, s)                               # norm_blocco: std 0 -> eps
    all_const = ((X.max(-1) == X.min(-1)) & (Y.max(-1) == Y.min(-1))).all(axis=0)
    Z = np.ones((m, nblk, n))
    W = np.ones((m, nblk, n))                                    # zero bands normalise to 1 in both
    Z[:nb_bands] = (X - a[..., None]) / t[..., None] + 1.0
    # the fused band gets the reference block's mean / std; a zero mean means "no scaling" (q2n.m)
    W[:nb_bands] = np.where((a == 0)[..., None], Y + 1.0, (Y - a[..., None]) / t[..., None] + 1.0)
    W[1:] *= -1.0                                                # conjugate
    m1, m2 = Z.mean(axis=-1), W.mean(axis=-1)                    # (m, nblk)
    Zc, Wc = Z - m1[..., None], W - m2[..., None]
    # hypercomplex covariance: (1/(n-1)) sum_p Zc_p * Wc_p, via the structure constants
    M = np.matmul(Zc.transpose(1, 0, 2), Wc.transpose(1, 2, 0)) / (n - 1)   # (nblk, m, m)
    qcov = np.einsum("bij,ijk->bk", M, _cd_table(m))
    var = ((Zc * Zc).sum(axis=(0, 2)) + (Wc * Wc).sum(axis=(0, 2))) / (n - 1)   # sigma_z^2 + sigma_w^2
    n1sq, n2sq = (m1 * m1).sum(axis=0), (m2 * m2).sum(axis=0)
    mean_bias = 2.0 * np.sqrt(n1sq * n2sq) / (n1sq + n2sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.sqrt((qcov * qcov).sum(axis=-1)) * mean_bias * 2.0 / var
    return np.where(all_const, mean_bias, q)


def q2n(fused, ref, block: int = 32, shift: int = 32, mask=None, return_map: bool = False):
    """Q2n (Q4 / Q8 / ..., q2n.m + onions_quality.m, Garzelli & Nencini 2009).

    * image padded at the bottom / right by mirroring (edge pixel repeated) so that blocks of
      ``block`` with step ``shift`` cover it;
    * both images cast to uint16 (round, saturate: pass DN, not reflectance in [0, 1]);
    * bands padded with zero bands to the next power of 2;
    * per block, each reference band normalised to (x - mu)/sigma + 1 (sigma with N - 1; 0 -> eps)
      and the fused band with the same mu / sigma (no scaling where mu = 0), then conjugated;
      block value |sigma_zz'| * 2 / (sigma_z^2 + sigma_z'^2) * 2 |z_mean| |z'_mean| / (|z_mean|^2 + |z'_mean|^2);
    * Q2n = mean over blocks (blocks with an invalid pixel skipped).

    Returns the index, or (index, map) with ``return_map``.
    """
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "q2n")
    block, shift = int(block), int(shift)
    L, H, Wd = R.shape
    valid = _valid_mask(F, R, mask=mask)
    stepx, stepy = -(-H // shift), -(-Wd // shift)
    est1 = max(0, (stepx - 1) * shift + block - H)
    est2 = max(0, (stepy - 1) * shift + block - Wd)
    pad = ((0, est1), (0, est2))
    Ru = np.stack([np.pad(_to_uint16(R[k]), pad, mode="symmetric") for k in range(L)])
    Fu = np.stack([np.pad(_to_uint16(F[k]), pad, mode="symmetric") for k in range(L)])
    m = 1 << max(0, math.ceil(math.log2(L)))
    swv = np.lib.stride_tricks.sliding_window_view
    vr = swv(Ru, (block, block), axis=(1, 2))[:, ::shift, ::shift][:, :stepx, :stepy]
    vf = swv(Fu, (block, block), axis=(1, 2))[:, ::shift, ::shift][:, :stepx, :stepy]
    if valid is not None:
        vm = np.pad(valid, pad, mode="symmetric")
        block_ok = swv(vm, (block, block))[::shift, ::shift][:stepx, :stepy].all(axis=(-2, -1))
    else:
        block_ok = np.ones((stepx, stepy), dtype=bool)
    n = block * block
    qmap = np.full((stepx, stepy), np.nan)
    rows = max(1, _CHUNK_ELEMS // (m * n * stepy))
    for j0 in range(0, stepx, rows):
        j1 = min(stepx, j0 + rows)
        X = vr[:, j0:j1].reshape(L, (j1 - j0) * stepy, n).astype(np.float64)
        Y = vf[:, j0:j1].reshape(L, (j1 - j0) * stepy, n).astype(np.float64)
        qmap[j0:j1] = _onion_blocks(X, Y, m).reshape(j1 - j0, stepy)
    value = float(qmap[block_ok].mean()) if block_ok.any() else float("nan")
    return (value, qmap) if return_map else value


def scc(fused, ref, mask=None) -> float:
    """Spatial correlation coefficient, Sobel version (SCC.m): on the interior img[1:-1, 1:-1] of each
    band, gradient magnitude with fspecial('sobel') and its transpose (zero border);
    SCC = sum(G_f G_r) / sqrt(sum G_f^2 * sum G_r^2) over all pixels and bands (no mean removal)."""
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "scc")
    valid = _valid_mask(F, R, mask=mask)
    L, H, W = F.shape
    if H < 3 or W < 3:
        return float("nan")
    hc, wc = H - 2, W - 2
    vin = valid[1:-1, 1:-1] if valid is not None else None
    sfr = sff = srr = 0.0
    step = _strip_rows(hc, wc, 4)
    for r0 in range(0, hc, step):
        r1 = min(hc, r0 + step)
        a0, a1 = max(r0 - 1, 0), min(r1 + 1, hc)
        pad = ((1 if r0 == 0 else 0, 1 if r1 == hc else 0), (1, 1))   # zero border of imfilter
        ok = None
        if vin is not None:
            inv = np.pad(~vin[a0:a1], pad, constant_values=False)
            bad = np.zeros((r1 - r0, wc), dtype=bool)
            for du in range(3):
                for dv in range(3):
                    bad |= inv[du:du + r1 - r0, dv:dv + wc]
            ok = ~bad
        for k in range(L):
            gf = _sobel_mag(np.pad(_f64(F[k, 1:-1, 1:-1][a0:a1], vin[a0:a1] if vin is not None else None), pad))
            gr = _sobel_mag(np.pad(_f64(R[k, 1:-1, 1:-1][a0:a1], vin[a0:a1] if vin is not None else None), pad))
            if ok is not None:
                gf, gr = gf[ok], gr[ok]
            sfr += float((gf * gr).sum())
            sff += float((gf * gf).sum())
            srr += float((gr * gr).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(sfr / math.sqrt(sff * srr)) if sff * srr > 0 else float("nan")


def _sobel_mag(p: np.ndarray) -> np.ndarray:
    """Gradient magnitude of the interior of a zero-padded array (3 x 3 'valid' correlation)."""
    gy = (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:]) - (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:])
    gx = (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2]) - (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:])
    return np.sqrt(gx * gx + gy * gy)


def _gauss_window_1d(size: int = 11, sigma: float = 1.5) -> np.ndarray:
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-x * x / (2 * sigma * sigma))
    return g / g.sum()          # outer(g, g) = fspecial('gaussian', size, sigma)


def _corr_valid(a: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """'valid' 1-D correlation of a with the symmetric odd-length taps g along axis."""
    n = a.shape[axis] - g.size + 1
    c = g.size // 2

    def sh(t):
        sl = [slice(None)] * a.ndim
        sl[axis] = slice(t, t + n)
        return a[tuple(sl)]

    out = g[c] * sh(c)
    for t in range(c):                       # g[t] == g[2c - t]
        out += g[t] * (sh(t) + sh(2 * c - t))
    return out


def ssim(fused, ref, peak, mask=None) -> float:
    """Band-mean SSIM (Wang et al. ssim_index.m): 11 x 11 Gaussian window (sigma 1.5), K = (0.01, 0.03),
    L = 255 on data scaled by 255 / peak, 'valid' filtering, mean of the map, then of the bands.
    NaN for images smaller than the window."""
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "ssim")
    valid = _valid_mask(F, R, mask=mask)
    L, H, W = F.shape
    win = 11
    if H < win or W < win:
        return float("nan")
    g = _gauss_window_1d(win, 1.5)
    c1, c2 = (0.01 * 255.0) ** 2, (0.03 * 255.0) ** 2
    scale = 255.0 / float(peak)
    n_out = H - win + 1
    step = _strip_rows(n_out, W, 2)
    per_band = []
    for k in range(L):
        total, count = 0.0, 0
        for r0 in range(0, n_out, step):
            r1 = min(n_out, r0 + step)
            sv = valid[r0:r1 + win - 1] if valid is not None else None
            x = _f64(R[k, r0:r1 + win - 1], sv) * scale
            y = _f64(F[k, r0:r1 + win - 1], sv) * scale

            def filt(a):
                return _corr_valid(_corr_valid(a, g, 0), g, 1)

            mu1, mu2 = filt(x), filt(y)
            mu11, mu22, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
            s11 = filt(x * x) - mu11
            s22 = filt(y * y) - mu22
            s12 = filt(x * y) - mu12
            smap = ((2 * mu12 + c1) * (2 * s12 + c2)) / ((mu11 + mu22 + c1) * (s11 + s22 + c2))
            if sv is not None:
                ok = _box_count(~sv, win, win) == 0
                total += float(smap[ok].sum())
                count += int(ok.sum())
            else:
                total += float(smap.sum())
                count += smap.size
        per_band.append(total / count if count else np.nan)
    return float(np.mean(per_band))


# ------------------------------------------------------------------------------------------------
# Full resolution (no reference)
# ------------------------------------------------------------------------------------------------

def _block_q_means(A: np.ndarray, B: np.ndarray, pairs, S: int, valid) -> np.ndarray:
    """Mean over non-overlapping S x S blocks of UIQI(A[i], B[j]) for each (i, j) in ``pairs``.

    Trailing rows / columns that do not fill a block are ignored; blocks with an invalid pixel are
    skipped.  Covariances with N - 1 (uqi.m; the factor cancels in Q); img_qi.m special cases for
    constant blocks.  NaN where no block is valid.
    """
    H, W = A.shape[-2:]
    by, bx = H // S, W // S
    if by == 0 or bx == 0:
        return np.full(len(pairs), np.nan)
    ia = sorted({i for i, _ in pairs})
    ib = sorted({j for _, j in pairs})
    sums = np.zeros(len(pairs))
    count = 0
    n = S * S
    rows = max(1, _CHUNK_ELEMS // (max(len(ia), len(ib)) * n * bx))

    def blocks(cube, idx, r0, r1):
        x = np.asarray(cube[idx, r0 * S:r1 * S, :bx * S], dtype=np.float64)
        return x.reshape(len(idx), r1 - r0, S, bx, S).transpose(0, 1, 3, 2, 4).reshape(len(idx), -1, n)

    def stats(x):
        mu = x.mean(axis=-1)
        xc = x - mu[..., None]
        const = x.max(axis=-1) == x.min(axis=-1)
        return mu, xc, (xc * xc).sum(axis=-1) / (n - 1), const

    for r0 in range(0, by, rows):
        r1 = min(by, r0 + rows)
        if valid is not None:
            v = valid[r0 * S:r1 * S, :bx * S].reshape(r1 - r0, S, bx, S).all(axis=(1, 3)).ravel()
            if not v.any():
                continue
        else:
            v = None
        ma, ca, va, ka = stats(blocks(A, ia, r0, r1))
        mb, cb, vb, kb = stats(blocks(B, ib, r0, r1))
        for p, (i, j) in enumerate(pairs):
            a, b = ia.index(i), ib.index(j)
            cov = (ca[a] * cb[b]).sum(axis=-1) / (n - 1)
            q = _uiqi(ma[a], mb[b], va[a], vb[b], cov, ka[a] & kb[b])
            sums[p] += q[v].sum() if v is not None else q.sum()
        count += int(v.sum()) if v is not None else (r1 - r0) * bx
    return sums / count if count else np.full(len(pairs), np.nan)


def _fr_inputs(fused, ms_up):
    F, M = _cube(fused, "fused"), _cube(ms_up, "ms_up")
    _same_shape(F, M, "fused / ms_up")
    return F, M


def d_lambda(fused, ms_up, block: int = 32, p: float = 1, mask=None) -> float:
    """Spectral distortion D_lambda (D_lambda.m, toolbox 1.0 variant, upsampled MS):
    (mean_{i<j} |Q(F_i, F_j) - Q(MS_i, MS_j)|^p)^(1/p), Q on non-overlapping block x block blocks.

    The toolbox wants sides that are multiples of ``block``; here the trailing partial blocks are
    ignored.  0 for a single band."""
    F, M = _fr_inputs(fused, ms_up)
    valid = _valid_mask(F, M, mask=mask)
    L = F.shape[0]
    pairs = [(i, j) for i in range(L) for j in range(i + 1, L)]
    if not pairs:
        return 0.0
    qf = _block_q_means(F, F, pairs, int(block), valid)
    qm = _block_q_means(M, M, pairs, int(block), valid)
    return float(np.mean(np.abs(qf - qm) ** p) ** (1.0 / p))


def _dilate(invalid: np.ndarray, reach: int) -> np.ndarray:
    """Pixels within ``reach`` (Chebyshev) of an invalid pixel."""
    from scipy import ndimage
    return ndimage.maximum_filter(invalid.astype(np.uint8), size=2 * reach + 1, mode="constant") > 0


def _fill_invalid(cube: np.ndarray, valid) -> np.ndarray:
    """float copy with the invalid pixels of each band set to the band's valid mean (before filtering)."""
    out = np.array(cube, dtype=np.float64 if cube.dtype != np.float32 else np.float32, copy=True)
    if valid is not None:
        for k in range(out.shape[0]):
            out[k][~valid] = out[k][valid].mean() if valid.any() else 0.0
    return out


def _pan_cube(pan, shape_hw) -> np.ndarray:
    P = _cube(pan, "pan")
    if P.shape[0] != 1 or P.shape[1:] != tuple(shape_hw):
        raise ValueError(f"pan must be (h, w) or (1, h, w) matching the fused image; got {P.shape}")
    return P


def _degraded_pan(P: np.ndarray, ratio: int, valid):
    """P~ = interp23tap(imresize(P, 1/r), r) (D_s.m), bicubic decimation with antialias then EXP
    (circular boundary as interp23tap.m), cropped to the PAN size.  Returns (P~, valid after filtering)."""
    from . import filters
    H, W = P.shape[-2:]
    r = int(ratio)
    src = _fill_invalid(P, valid)
    low = filters.imresize_bicubic(src, 1.0 / r)
    pt = filters.interp23tap(low, r, mode="wrap")[..., :H, :W]
    if pt.shape[-2:] != (H, W):                         # not a multiple of r: pad by replication
        pt = np.pad(pt, ((0, 0), (0, H - pt.shape[-2]), (0, W - pt.shape[-1])), mode="edge")
    if valid is not None:
        valid = ~_dilate(~valid, 14 * r)                 # reach of the bicubic + 23-tap chain
    return pt, valid


def d_s(fused, ms_up, pan, ratio: int, block: int = 32, q: float = 1, mask=None) -> float:
    """Spatial distortion D_S (D_s.m, toolbox 1.0 variant):
    (mean_k |Q(F_k, P) - Q(MS_k, P~)|^q)^(1/q), Q on non-overlapping blocks,
    P~ = interp23tap(imresize(P, 1/ratio), ratio)."""
    F, M = _fr_inputs(fused, ms_up)
    P = _pan_cube(pan, F.shape[1:])
    valid = _valid_mask(F, M, P, mask=mask)
    Pt, valid_t = _degraded_pan(P, ratio, valid)
    return _d_s_from(F, M, P, Pt, valid, valid_t, int(block), q)


def _d_s_from(F, M, P, Pt, valid, valid_t, block, q) -> float:
    pairs = [(k, 0) for k in range(F.shape[0])]
    qh = _block_q_means(F, P, pairs, block, valid_t)   # same blocks for both terms
    ql = _block_q_means(M, Pt, pairs, block, valid_t)
    return float(np.mean(np.abs(qh - ql) ** q) ** (1.0 / q))


def qnr(fused, ms_up, pan, ratio: int, block: int = 32, p: float = 1, q: float = 1,
        alpha: float = 1, beta: float = 1, mask=None) -> float:
    """QNR = (1 - D_lambda)^alpha (1 - D_S)^beta."""
    dl = d_lambda(fused, ms_up, block, p, mask=mask)
    ds = d_s(fused, ms_up, pan, ratio, block, q, mask=mask)
    return float((1 - dl) ** alpha * (1 - ds) ** beta)


def _khan(F, M, ratio, gnyq, block, valid) -> float:
    from . import filters
    src = _fill_invalid(F, valid)
    Ff = filters.mtf_filter(src, gnyq, int(ratio))
    v = ~_dilate(~valid, filters.mtf_radius(int(ratio))) if valid is not None else None   # MTF kernel reach
    H, W = F.shape[1:]
    hb, wb = (H // block) * block, (W // block) * block
    if hb == 0 or wb == 0:
        return float("nan")
    crop = (slice(None), slice(0, hb), slice(0, wb))
    return 1.0 - q2n(Ff[crop], M[crop], block, block, mask=None if v is None else v[:hb, :wb])


def d_lambda_khan(fused, ms_up, ratio: int, gnyq, block: int = 32, mask=None) -> float:
    """Khan's spectral distortion (D_lambda_K.m): 1 - Q2n(MS_up, MTF(F)), blocks block x block,
    F filtered with the MS MTF (``gnyq``: one Nyquist gain or one per band), no decimation.
    Like Q2n, needs DN (uint16 cast).  Computed on the largest multiple of ``block``."""
    F, M = _fr_inputs(fused, ms_up)
    valid = _valid_mask(F, M, mask=mask)
    return _khan(F, M, ratio, gnyq, int(block), valid)


def hqnr(fused, ms_up, pan, ratio: int, gnyq, block: int = 32, mask=None) -> float:
    """HQNR (HQNR.m) = (1 - D_lambda^K)(1 - D_S), D_S with q = 1."""
    dk = d_lambda_khan(fused, ms_up, ratio, gnyq, block, mask=mask)
    ds = d_s(fused, ms_up, pan, ratio, block, 1, mask=mask)
    return float((1 - dk) * (1 - ds))


# ------------------------------------------------------------------------------------------------
# Reports
# ------------------------------------------------------------------------------------------------

def reduced_resolution_report(fused, ref, ratio, cut: int = 0, value_max=None, mask=None,
                              block: int = 32) -> dict:
    """SAM, ERGAS, Q, Q2n, SCC, PSNR, SSIM of ``fused`` against ``ref`` (both in DN).

    ``cut`` > 0: toolbox border cut I(cut:end-cut) = ``I[cut-1:-cut]`` on both axes.
    ``value_max``: PSNR / SSIM peak (default :func:`default_peak` of the reference).
    Q2n is NaN when the data are normalised (peak <= 1): its uint16 cast would destroy them.
    """
    F, R = _cube(fused, "fused"), _cube(ref, "ref")
    _same_shape(F, R, "reduced_resolution_report")
    valid = _valid_mask(F, R, mask=mask)
    if cut and cut > 0:
        sl = (slice(None), slice(cut - 1, -cut), slice(cut - 1, -cut))
        F, R = F[sl], R[sl]
        valid = valid[sl[1:]] if valid is not None else None
    peak = float(value_max) if value_max is not None else default_peak(
        R if valid is None else R[:, valid])
    return {
        "SAM": sam(F, R, mask=valid),
        "ERGAS": ergas(F, R, ratio, mask=valid),
        "Q": q_index(F, R, block, mask=valid),
        "Q2n": q2n(F, R, block, block, mask=valid) if peak > 1 else float("nan"),
        "SCC": scc(F, R, mask=valid),
        "PSNR": psnr(F, R, peak, mask=valid),
        "SSIM": ssim(F, R, peak, mask=valid),
    }


def full_resolution_report(fused, ms_up, pan, ratio, gnyq, mask=None, block: int = 32) -> dict:
    """D_lambda, D_S, QNR, D_lambda_K, HQNR of ``fused`` against the upsampled MS ``ms_up`` and ``pan``
    (same grid, DN).  ``gnyq``: MS Nyquist gain(s) for Khan's D_lambda.  Block metrics use the largest
    multiple of ``block`` (the toolbox requires it); filtering is done on the whole arrays first."""
    F, M = _fr_inputs(fused, ms_up)
    P = _pan_cube(pan, F.shape[1:])
    valid = _valid_mask(F, M, P, mask=mask)
    block = int(block)
    L = F.shape[0]
    pairs = [(i, j) for i in range(L) for j in range(i + 1, L)]
    if pairs:
        dl = float(np.mean(np.abs(_block_q_means(F, F, pairs, block, valid)
                                  - _block_q_means(M, M, pairs, block, valid))))
    else:
        dl = 0.0
    Pt, valid_t = _degraded_pan(P, ratio, valid)
    ds = _d_s_from(F, M, P, Pt, valid, valid_t, block, 1)
    dk = _khan(F, M, ratio, gnyq, block, valid)
    return {"D_lambda": dl, "D_S": ds, "QNR": (1 - dl) * (1 - ds), "D_lambda_K": dk, "HQNR": (1 - dk) * (1 - ds)}
