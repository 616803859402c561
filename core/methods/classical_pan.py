"""Classical pansharpening methods (docs/methods_metrics.md section 2, V15/V21 toolbox definitions).

Every scene-wide quantity (means, stds, regression weights, gains, haze levels) is estimated once in
``prepare`` from the valid core pixels of the sample tiles; ``apply`` is then local, so a scene cut
into tiles gives the same result as one big tile.  Decimation inside a method uses ``tile.phase``.
MS_k below is the upsampled MS band (``tile.lr_up``), P the PAN.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import linalg, optimize

from .. import filters, sensors
from ..errors import InputError
from .base import FusionMethod, SceneInfo, Tile

_EPS = np.finfo(np.float64).eps      # MATLAB eps, the toolbox's division guard
_PERCENTILE_SAMPLES = 4_000_000      # values kept per band for the BT-H haze percentile
GAIN_CAP = 3.0                       # ratio methods: gain at most this times the scene's typical gain


# ------------------------------------------------------------------------------------------------
# Scene statistics
# ------------------------------------------------------------------------------------------------

class _Moments:
    """Running first and second moments of a few variables over masked pixels (float64, shifted)."""

    def __init__(self) -> None:
        self.n = 0
        self.shift = self.s1 = self.s2 = None

    def add(self, stack: np.ndarray, mask: np.ndarray, rows_per_chunk: int = 256) -> None:
        """``stack`` (n_vars, h, w); only pixels where ``mask`` is True are used."""
        for y in range(0, mask.shape[0], rows_per_chunk):
            m = mask[y:y + rows_per_chunk]
            if not m.any():
                continue
            x = stack[:, y:y + rows_per_chunk][:, m].T.astype(np.float64)
            if self.shift is None:
                self.shift = x.mean(axis=0)
                self.s1 = np.zeros_like(self.shift)
                self.s2 = np.zeros((x.shape[1], x.shape[1]))
            d = x - self.shift
            self.n += d.shape[0]
            self.s1 += d.sum(axis=0)
            self.s2 += d.T @ d

    def _check(self, what: str) -> None:
        if self.n < 2:
            raise InputError(f"Not enough valid pixels to estimate the {what}: the images hardly overlap "
                             "or are mostly nodata.")

    def mean(self) -> np.ndarray:
        return self.shift + self.s1 / self.n

    def cov(self) -> np.ndarray:
        """Covariance matrix, N-1 normalised (MATLAB cov / std2)."""
        return (self.s2 - np.outer(self.s1, self.s1) / self.n) / (self.n - 1)

    def gram(self) -> np.ndarray:
        """Sum over pixels of x x^T (raw, uncentred)."""
        a, s1 = self.shift, self.s1
        return self.s2 + np.outer(a, s1) + np.outer(s1, a) + self.n * np.outer(a, a)


def _collect(samples: Sequence[Tile], vars_fn, what: str) -> _Moments:
    """Moments of the variables ``vars_fn(tile) -> (stack, mask)`` over all sample tiles."""
    mom = _Moments()
    for tile in samples:
        stack, mask = vars_fn(tile)
        mom.add(stack, mask)
    mom._check(what)
    return mom


def _lstsq(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Solve the normal equations gram @ x = rhs (least squares), tolerating a singular gram."""
    return linalg.lstsq(gram, rhs, cond=1e-12)[0]


def _std_ratio(num_var: float, den_var: float) -> float:
    return float(np.sqrt(num_var / den_var)) if den_var > 0 else 1.0


def _crop_to_phase(tile: Tile) -> tuple[int, int]:
    """Offsets that move the tile's decimation phase to r//2, the phase of MATLAB imresize(., 1/r)."""
    r = tile.ratio
    return (tile.phase[0] - r // 2) % r, (tile.phase[1] - r // 2) % r


def _glp_lowpass(x: np.ndarray, gnyq, tile: Tile) -> np.ndarray:
    """interp23tap(decimate(MTF * x)): the MTF-GLP low-pass on the tile's own decimation grid."""
    r = tile.ratio
    low = filters.mtf_filter_decimate(x, gnyq, r, tile.phase)
    # LR sample i sits on HR pixel phase + r*i; upsample's offset is exactly that position.
    return filters.upsample(low, r, x.shape[-2:], offset=tile.phase)


def _glp_lowpass_pan(pan: np.ndarray, gains, tile: Tile) -> np.ndarray:
    """_glp_lowpass of one PAN for every band's gain, filtering once per distinct gain."""
    distinct, index = np.unique(np.asarray(gains, dtype=float), return_inverse=True)
    low = _glp_lowpass(np.broadcast_to(pan, (len(distinct),) + pan.shape), distinct, tile)
    return low[index]


def _glp_halo(r: int) -> int:
    # MTF support + interpolator support (12-tap half-band at every 2x pass: 12*(r-1) HR pixels)
    # + up to r-1 pixels to the first decimated sample.
    return filters.mtf_radius(r) + 12 * (r - 1) + r


def _atwt_radius(r: int) -> int:
    levels = int(np.ceil(np.log2(r))) if r > 1 else 0
    return 2 * (2 ** levels - 1)


def _gains(scene: SceneInfo, n_bands: int) -> list[float]:
    g = list(scene.gnyq_lr)
    if len(g) == 1:
        g = g * n_bands
    if len(g) != n_bands:
        raise InputError(f"{len(g)} MTF gains given for {n_bands} MS bands.")
    return g


def _f32(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float32)


def _modulate(ms: np.ndarray, num: np.ndarray, den: np.ndarray, detail: np.ndarray, cap) -> np.ndarray:
    """``ms + g * detail`` with the modulation gain ``g = num / den`` kept in [0, cap] (cap per band).

    The ratio methods (Brovey, BT-H, HPM) are this with ``detail = pan - den``.  Where the equalised
    intensity or low-pass PAN is well above zero the result is exactly the ratio form; where it nears
    zero or turns negative (dark water under a PAN that does not see the band) the gain stops at the
    cap instead of exploding, and stays continuous.
    """
    cap = np.broadcast_to(np.asarray(cap, dtype=np.float32).reshape(-1), (ms.shape[0],))
    num, den, detail = (np.broadcast_to(x, ms.shape) for x in (num, den, detail))
    out = np.empty(ms.shape, dtype=np.float32)
    # Band by band, so that the temporaries are single planes: tiles stay cheap in memory.
    for k in range(ms.shape[0]):
        with np.errstate(divide="ignore", invalid="ignore"):
            gain = num[k] / den[k]
            gain[~(den[k] * cap[k] > num[k])] = cap[k]
        np.maximum(gain, 0, out=gain)
        gain *= detail[k]
        gain += ms[k]
        out[k] = gain
    return out


def _gain_cap(num_mean, den_mean) -> np.ndarray:
    """Largest modulation gain allowed: GAIN_CAP times the scene's typical gain mean(num) / mean(den)."""
    num_mean = np.atleast_1d(np.asarray(num_mean, dtype=float))
    typical = num_mean / den_mean if den_mean > 0 else np.ones_like(num_mean)
    return GAIN_CAP * np.maximum(typical, 1e-3)


def _finite(out: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = fallback[bad]
    return out.astype(np.float32, copy=False)


# ------------------------------------------------------------------------------------------------
# Methods
# ------------------------------------------------------------------------------------------------

class Exp(FusionMethod):
    name = "exp"

    def halo(self, ratio: int) -> int:
        return 0

    def apply(self, tile: Tile) -> np.ndarray:
        return _f32(tile.lr_up).copy()


class Brovey(FusionMethod):
    """Weighted Brovey (the algorithm of GDAL's pansharpening) with the band weights fitted to the scene.

    GDAL leaves the weights to the user (equal by default); here they are the non-negative least-squares
    fit of the low-pass PAN by the MS bands, so bands the PAN does not see (e.g. Landsat's NIR, outside
    the 0.50-0.68 um PAN) get little weight instead of distorting every band.
    """
    name = "brovey"

    def halo(self, ratio: int) -> int:
        return filters.mtf_radius(ratio)       # LPfilterGauss in prepare; apply is per pixel

    def prepare(self, samples, scene) -> None:
        self.scene = scene

        def fit_vars(t: Tile):
            return np.concatenate([_f32(t.lr_up), filters.lp_gauss(t.pan, scene.ratio)[None]]), t.valid_core()

        gram = _collect(samples, fit_vars, "Brovey band weights").gram()
        nb = scene.lr_bands
        # NNLS on the normal equations: min ||L^T w - L^-1 c|| with gram_MS = L L^T.
        chol = linalg.cholesky(gram[:nb, :nb] + 1e-9 * np.trace(gram[:nb, :nb]) * np.eye(nb), lower=True)
        target = linalg.solve_triangular(chol, gram[:nb, nb], lower=True)
        w, _ = optimize.nnls(chol.T, target)
        self.weights = (w if w.sum() > 0 else np.full(nb, 1.0 / nb)).astype(np.float32)

        def variables(t: Tile):
            return np.stack([np.tensordot(self.weights, _f32(t.lr_up), axes=(0, 0)), t.pan]), t.valid_core()

        mom = _collect(samples, variables, "Brovey statistics")
        mean, cov = mom.mean(), mom.cov()
        # P' = (P - mean P) * std(I) / std(P) + mean(I)
        self.a = _std_ratio(cov[0, 0], cov[1, 1])
        self.b = mean[0] - self.a * mean[1]
        ms_mean = _collect(samples, lambda t: (t.lr_up, t.valid_core()), "Brovey statistics").mean()
        self.cap = _gain_cap(ms_mean, mean[0])

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        intensity = np.tensordot(self.weights, ms, axes=(0, 0))[None]
        pan = np.float32(self.a) * tile.pan + np.float32(self.b)
        # F = MS * P' / I
        return _finite(_modulate(ms, ms, intensity, pan - intensity, self.cap), ms)


class BTH(FusionMethod):
    name = "bt_h"

    def halo(self, ratio: int) -> int:
        return filters.mtf_radius(ratio)       # LPfilterGauss in prepare; apply is per pixel

    @staticmethod
    def _haze_coeffs(scene: SceneInfo):
        """Fractions of the 1st percentile (option, sensor preset, or the toolbox's 4-band B, G, R, NIR rule)."""
        nb = scene.lr_bands
        if scene.options.get("haze_coeffs") is not None:
            coeffs = np.asarray(scene.options["haze_coeffs"], dtype=float)
            if coeffs.size != nb:
                raise InputError(f"BT-H: {coeffs.size} haze coefficients given for {nb} MS bands.")
            return coeffs
        try:
            preset = sensors.get_sensor(scene.sensor)
        except InputError:
            preset = None
        if preset is not None and preset.haze_coeffs is not None and len(preset.haze_coeffs) == nb:
            return np.asarray(preset.haze_coeffs, dtype=float)
        return np.asarray(sensors.HAZE_BGRN) if nb == 4 else None

    def prepare(self, samples, scene) -> None:
        self.scene = scene
        nb = scene.lr_bands
        ratio = scene.ratio

        # Haze: 4-band (B, G, R, NIR) sensors -> fixed fractions of the 1st percentile, else the minimum.
        values = [[] for _ in range(nb)]
        total = sum(int(t.valid_core().sum()) for t in samples)
        step = max(1, total // _PERCENTILE_SAMPLES)
        for t in samples:
            m = t.valid_core()
            for k in range(nb):
                values[k].append(t.lr_up[k][m][::step])
        values = [np.concatenate(v) for v in values]
        if values[0].size == 0:
            raise InputError("No valid pixels to estimate the haze levels.")
        coeffs = self._haze_coeffs(scene)
        if coeffs is not None:
            # MATLAB prctile = linear interpolation at (i - 0.5)/n, numpy's 'hazen' method
            self.haze = coeffs * np.array([np.percentile(v, 1, method="hazen") for v in values])
        else:
            self.haze = np.array([v.min() for v in values], dtype=float)

        def variables(t: Tile):
            return np.concatenate([t.lr_up, filters.lp_gauss(t.pan, ratio)[None]]), t.valid_core()

        mom = _collect(samples, variables, "BT-H regression")
        gram = mom.gram()
        self.alpha = _lstsq(gram[:nb, :nb], gram[:nb, nb])          # LS of LP(P) on MS, no constant
        mean, cov = mom.mean(), mom.cov()
        mean_i = float(self.alpha @ (mean[:nb] - self.haze))
        var_i = float(self.alpha @ cov[:nb, :nb] @ self.alpha)
        # P' = (P - mean(P_LP)) * std(I) / std(P_LP) + mean(I)
        self.a = _std_ratio(var_i, cov[nb, nb])
        self.b = mean_i - self.a * mean[nb]
        self.cap = _gain_cap(mean[:nb] - self.haze, mean_i)

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        haze = _f32(self.haze)[:, None, None]
        intensity = np.tensordot(_f32(self.alpha), ms - haze, axes=1)[None]
        pan = np.float32(self.a) * tile.pan + np.float32(self.b)
        # F = max(MS - L, 0) * P' / I + L
        hazeless = np.maximum(ms - haze, 0)
        return _finite(_modulate(hazeless, hazeless, intensity, pan - intensity, self.cap) + haze, ms)


class GSA(FusionMethod):
    name = "gsa"

    def halo(self, ratio: int) -> int:
        return _atwt_radius(ratio) + ratio      # a-trous low-pass in prepare; apply is per pixel

    def prepare(self, samples, scene) -> None:
        self.scene = scene
        nb, r = scene.lr_bands, scene.ratio

        full = _collect(samples, lambda t: (np.concatenate([t.lr_up, t.pan[None]]), t.valid_core()),
                        "GSA statistics")
        self.mean_ms = full.mean()[:nb]
        self.mean_pan = full.mean()[nb]
        cov_ms = full.cov()[:nb, :nb]

        def reduced(t: Tile):
            # LPfilterPlusDec(P): a-trous low-pass then nearest decimation, on the MS grid of the tile.
            pan_lr = filters.decimate(filters.atwt_lowpass(t.pan, r), r, t.phase)
            ms_lr = filters.decimate(t.lr_up, r, t.phase)
            mask = filters.decimate(t.valid_core(), r, t.phase)
            return np.concatenate([ms_lr, np.ones_like(pan_lr)[None], pan_lr[None]]), mask

        low = _collect(samples, reduced, "GSA weights")
        # Regress P0_LR on [MS_LR,k - mean, 1]; the weights w_k do not depend on the centring, and the
        # constant w_0 cancels in I0 = I - mean(I), so raw LS on [MS_LR, 1] gives the same I0.
        gram = low.gram()
        w = _lstsq(gram[:nb + 1, :nb + 1], gram[:nb + 1, nb + 1])
        self.weights = w[:nb]
        var_i = float(self.weights @ cov_ms @ self.weights)
        # g_k = cov(I0, MS_k) / var(I0)
        self.g = (cov_ms @ self.weights) / var_i if var_i > 0 else np.ones(nb)
        # The final mean reset F_k - mean(F_k) + mean(MS_k) is the identity here: P0 and I0 are centred
        # with the scene means, so mean(F_k) = mean(MS_k) over the scene.

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        i0 = np.tensordot(_f32(self.weights), ms - _f32(self.mean_ms)[:, None, None], axes=1)
        detail = tile.pan - np.float32(self.mean_pan) - i0
        return _finite(ms + _f32(self.g)[:, None, None] * detail, ms)


class BDSDPC(FusionMethod):
    name = "bdsd_pc"

    def halo(self, ratio: int) -> int:
        # apply is per pixel; prepare filters the bicubic-reduced MS with the MTF on the LR grid
        # (mtf_radius LR pixels), after a bicubic reduction (2r+1 HR pixels) and a phase crop (< r).
        return filters.mtf_radius(ratio) * ratio + 3 * ratio + 1

    def prepare(self, samples, scene) -> None:
        self.scene = scene
        nb, r = scene.lr_bands, scene.ratio
        gains = _gains(scene, nb)

        def reduced(t: Tile):
            s0, s1 = _crop_to_phase(t)             # now decimation phase r//2 = imresize's grid
            ms = t.lr_up[:, s0:, s1:].astype(np.float64)
            gt_lr = filters.imresize_bicubic(ms, 1.0 / r)
            ms_lr = filters.mtf_filter(gt_lr, gains, r)
            pan_lr = filters.mtf_filter_decimate(t.pan[s0:, s1:].astype(np.float64), scene.gnyq_hr, r)
            mask = filters.decimate(t.valid_core()[s0:, s1:], r)
            h = min(gt_lr.shape[-2], pan_lr.shape[-2])
            w = min(gt_lr.shape[-1], pan_lr.shape[-1])
            stack = np.concatenate([pan_lr[None, :h, :w], ms_lr[:, :h, :w], gt_lr[:, :h, :w]])
            return stack, mask[:h, :w]

        mom = _collect(samples, reduced, "BDSD-PC coefficients")
        gram = mom.gram()
        # Per band k: min ||H g - (GT_k - MS_lr,k)||^2, H = [P_lr, MS_lr,1..L], g_0 >= 0, g_j <= 0.
        # With gram = R^T R the objective is ||R g - R^-T H^T y||^2 + const: a tiny problem.
        hh = gram[:nb + 1, :nb + 1]
        scale = np.sqrt(np.diag(hh)).clip(min=1e-12)      # column scaling for conditioning
        hs = hh / np.outer(scale, scale)
        try:
            rmat = linalg.cholesky(hs + 1e-12 * np.eye(nb + 1), lower=False)
        except linalg.LinAlgError:
            vals, vecs = linalg.eigh(hs)
            rmat = (vecs * np.sqrt(vals.clip(min=0))).T
        lower = np.r_[0.0, np.full(nb, -np.inf)] * scale
        upper = np.r_[np.inf, np.zeros(nb)] * scale
        gamma = np.zeros((nb + 1, nb))
        for k in range(nb):
            # H^T y with y = GT_k - MS_lr,k
            hty = (gram[:nb + 1, nb + 1 + k] - gram[:nb + 1, 1 + k]) / scale
            target = linalg.lstsq(rmat.T, hty, cond=1e-12)[0]          # R^-T H^T y
            res = optimize.lsq_linear(rmat, target, bounds=(lower, upper), method="bvls")
            gamma[:, k] = res.x / scale
        self.gamma = gamma

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        g = _f32(self.gamma)
        detail = g[0][:, None, None] * tile.pan + np.tensordot(g[1:].T, ms, axes=1)
        return _finite(ms + detail, ms)


class MTFGLPHPM(FusionMethod):
    name = "mtf_glp_hpm"

    def halo(self, ratio: int) -> int:
        return _glp_halo(ratio)

    def prepare(self, samples, scene) -> None:
        self.scene = scene
        nb, r = scene.lr_bands, scene.ratio
        self.gains = _gains(scene, nb)
        mom = _collect(samples, lambda t: (np.concatenate(
            [t.lr_up, t.pan[None], filters.lp_gauss(t.pan, r)[None]]), t.valid_core()), "MTF-GLP-HPM statistics")
        mean, cov = mom.mean(), mom.cov()
        # P_k = (P - mean P) * std(MS_k) / std(LPfilterGauss(P)) + mean(MS_k)
        self.a = np.array([_std_ratio(cov[k, k], cov[nb + 1, nb + 1]) for k in range(nb)])
        self.b = mean[:nb] - self.a * mean[nb]
        # P_k is equalised to MS_k, so the typical gain MS_k / P_L,k is 1.
        self.cap = np.full(nb, GAIN_CAP)
        self.ksum = _f32([filters.mtf_kernel(g, r).sum() for g in self.gains])[:, None, None]

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        a, b = _f32(self.a)[:, None, None], _f32(self.b)[:, None, None]
        # The GLP low-pass is linear: LP(a P + b) = a LP(P) + b LP(1), and LP(1) is the MTF kernel's sum
        # (replicate borders, and interp23tap keeps constants), so the PAN is filtered once per gain.
        pan_low = _glp_lowpass_pan(tile.pan.astype(np.float32), self.gains, tile)
        pan_low *= a
        pan_low += b * self.ksum
        detail = a * tile.pan + b        # P_k, equalised PAN
        detail -= pan_low
        # F = MS * P_k / P_L,k
        return _finite(_modulate(ms, ms, pan_low, detail, self.cap), ms)



def mtf_glp_hpm_arrays(ms_up: np.ndarray, pan: np.ndarray, ratio: int, gains: list, gnyq_pan: float,
                       phase: tuple[int, int]) -> np.ndarray:
    """MTF-GLP-HPM of whole arrays (ms_up (C, H, W), pan (H, W)) prepared on themselves: PanAdapter's residual
    base for training pairs and scene adaptation (core.models.panadapter.residual_base is handed this function)."""
    r = int(ratio)
    tile = Tile(hr=pan[None].astype(np.float32), lr_up=ms_up.astype(np.float32),
                lr=np.ascontiguousarray(ms_up[:, phase[0]::r, phase[1]::r]), valid=np.ones(pan.shape, bool), ratio=r,
                phase=phase, lr_origin=(float(phase[0]), float(phase[1])))
    scene = SceneInfo(task="pansharpen", ratio=r, lr_bands=ms_up.shape[0], hr_bands=1, gnyq_lr=list(gains),
                      gnyq_hr=float(gnyq_pan))
    method = MTFGLPHPM()
    method.prepare([tile], scene)
    return method.apply(tile).astype(np.float32)

class MTFGLPFS(FusionMethod):
    name = "mtf_glp_fs"

    def halo(self, ratio: int) -> int:
        return _glp_halo(ratio)

    def prepare(self, samples, scene) -> None:
        self.scene = scene
        nb = scene.lr_bands
        self.gains = _gains(scene, nb)

        def variables(t: Tile):
            pan = t.pan.astype(np.float32)
            low = _glp_lowpass_pan(pan, self.gains, t)
            return np.concatenate([t.lr_up, low, pan[None]]), t.valid_core()

        cov = _collect(samples, variables, "MTF-GLP-FS gains").cov()
        # g_k = cov(MS_k, P) / cov(P_L,k, P)
        self.g = np.array([cov[k, 2 * nb] / cov[nb + k, 2 * nb] if cov[nb + k, 2 * nb] != 0 else 0.0
                           for k in range(nb)])

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        pan = tile.pan.astype(np.float32)
        low = _glp_lowpass_pan(pan, self.gains, tile)
        return _finite(ms + _f32(self.g)[:, None, None] * (pan - low), ms)


class AWLP(FusionMethod):
    name = "awlp"

    def halo(self, ratio: int) -> int:
        # apply: a-trous low-pass; prepare: bicubic down and up (about 2r + 2r) after a phase crop.
        return max(_atwt_radius(ratio), 5 * ratio + 2)

    def prepare(self, samples, scene) -> None:
        self.scene = scene
        nb, r = scene.lr_bands, scene.ratio

        def variables(t: Tile):
            s0, s1 = _crop_to_phase(t)
            pan = t.pan[s0:, s1:].astype(np.float64)
            pan_lu = filters.imresize_bicubic(filters.imresize_bicubic(pan, 1.0 / r), r)
            h, w = min(pan.shape[0], pan_lu.shape[0]), min(pan.shape[1], pan_lu.shape[1])
            stack = np.concatenate([t.lr_up[:, s0:s0 + h, s1:s1 + w], pan_lu[None, :h, :w], pan[None, :h, :w]])
            return stack, t.valid_core()[s0:s0 + h, s1:s1 + w]

        mom = _collect(samples, variables, "AWLP statistics")
        cov = mom.cov()
        # P_k = (P - mean P) * std(MS_k) / std(imresize(imresize(P, 1/r), r)) + mean(MS_k); the detail
        # P_k - LP(P_k) only needs the scale factor (the a-trous low-pass keeps constants).
        self.a = np.array([_std_ratio(cov[k, k], cov[nb, nb]) for k in range(nb)])

    def apply(self, tile: Tile) -> np.ndarray:
        ms = _f32(tile.lr_up)
        pan = tile.pan.astype(np.float32)
        detail = pan - filters.atwt_lowpass(pan, tile.ratio)
        weight = ms / (ms.mean(axis=0) + np.float32(_EPS))
        return _finite(ms + weight * _f32(self.a)[:, None, None] * detail, ms)
