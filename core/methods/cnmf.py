"""CNMF: coupled non-negative matrix factorisation (Yokoya, Yairi and Iwasaki, IEEE TGRS 50(2), 2012).

Both images are unmixed with shared endmembers: the HR-HSI is Z = W H (W: bands x p endmember spectra,
H: p x pixels abundances); the LR-HSI is X = W H_lr with H_lr the spatially degraded abundances, the MSI is
Y = W_m H with W_m = R W (R: the spectral responses).  NMF updates (Lee and Seung's multiplicative rules)
alternate between the two images:

  1. W from the LR-HSI: endmembers initialised by the successive projection algorithm (pure pixels), then
     W and H_lr updated on X;
  2. H from the MSI: W_m = R W, H initialised by unmixing the interpolated HSI with W, then W_m and H
     updated on Y;
  3. H_lr = degraded H, W updated on X with it; back to 2 (OUTER times).

How it tiles: W and W_m are scene-wide (prepare, on the sample tiles, at most MAX_FIT_PIXELS HR pixels);
apply only computes the abundances of each pixel with W and W_m fixed (unmixing of the interpolated HSI,
then APPLY_ITERS steps on the MSI: accelerated projected gradient, same objective as the multiplicative
updates but far fewer steps where W_m is ill-conditioned) and returns W H.  Every step is per pixel, so tiles
equal the whole image exactly (up to float rounding).  The responses R come from the data
(core.srf.estimate_srf), the blur of the HSI (an MTF) too (hsms_lowres.estimate_gain); the data are scaled to
about 1 and clipped at 0 (NMF needs non-negative values).
"""
from __future__ import annotations

import numpy as np

from .. import filters
from .base import FusionMethod, SceneInfo, Tile
from .hsms_lowres import estimate_gain, good_bands, limit_tiles, lowres_pairs, lr_mask, robust_scale, spectral_response

MAX_ENDMEMBERS = 20
RANK_TOL = 1e-3          # no more endmembers than singular values above this share of the largest
INNER = 60               # multiplicative updates per NMF step in prepare
OUTER = 2
APPLY_ITERS = 50         # steps of the abundances on the MSI, per pixel, in apply
UNMIX_ITERS = 20         # updates of the abundances on the interpolated HSI (from the clipped LS start)
MAX_FIT_PIXELS = 300_000
MAX_FIT_VALUES = 20_000_000   # HR pixels x HSI bands held by prepare's coupled steps (80 MB in float32)
APPLY_CHUNK = 65_536          # pixels unmixed at once in apply
_EPS = 1e-9
_H_FLOOR = 1e-4          # start of an abundance the least-squares start puts at or below 0


def successive_projection(x: np.ndarray, p: int) -> np.ndarray:
    """Columns of ``x`` (bands, N) picked by SPA (Araujo 2001, Gillis and Vavasis 2014): p pure pixels.

    Each step picks the column farthest from the span of those picked, i.e. with the largest residual norm
    ||r||^2 - ||U^T r||^2 (U: orthonormal basis of the picks): one product with the data per step instead of
    projecting every column."""
    r = x / np.maximum(x.sum(axis=0, keepdims=True), _EPS)
    norms = (r * r).sum(axis=0)
    basis = np.zeros((r.shape[0], 0))
    picks = []
    for _ in range(p):
        j = int(np.argmax(norms))
        picks.append(j)
        v = r[:, j] - basis @ (basis.T @ r[:, j])
        v = v - basis @ (basis.T @ v)                 # again: the basis stays orthonormal to rounding
        u = v / max(np.linalg.norm(v), _EPS)
        basis = np.hstack([basis, u[:, None]])
        norms -= (u @ r) ** 2
    return x[:, picks].copy()


def update_h(wtw: np.ndarray, wty: np.ndarray, h: np.ndarray, iters: int) -> np.ndarray:
    """``iters`` multiplicative updates H <- H (W^T Y) / (W^T W H), in place; every column on its own."""
    for _ in range(iters):
        h *= wty / np.maximum(wtw @ h, _EPS)
    return h


def fit_h(w: np.ndarray, y: np.ndarray, h: np.ndarray, iters: int) -> np.ndarray:
    """``iters`` steps of accelerated projected gradient (FISTA) on min ||Y - W H||^2, H >= 0, from ``h``;
    every column on its own.  Where W has fewer rows than columns (fewer MSI bands than endmembers) the
    iterates keep the start's component that the data do not see: the abundances change no more than the
    MSI asks."""
    g = (w.T @ w).astype(y.dtype)
    b = w.T @ y
    step = np.float32(1.0 / max(float(np.linalg.eigvalsh(g.astype(np.float64)).max()), _EPS))
    x, v, t = h, h.copy(), 1.0
    for _ in range(iters):
        nxt = np.maximum(v - step * (g @ v - b), 0.0)
        t_next = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        v = nxt + np.float32((t - 1.0) / t_next) * (nxt - x)
        x, t = nxt, t_next
    return x


def unmix(w: np.ndarray, y: np.ndarray, iters: int) -> np.ndarray:
    """Non-negative abundances of the columns of ``y`` (data scaled to about 1): least squares clipped at a
    small positive value (multiplicative updates cannot leave 0), then multiplicative updates; per column."""
    h = np.maximum(np.linalg.pinv(w.astype(np.float64)).astype(y.dtype) @ y, _H_FLOOR)
    return update_h(w.T @ w, w.T @ y, h.astype(y.dtype, copy=False), iters)


def update_w(x: np.ndarray, h: np.ndarray, w: np.ndarray, iters: int) -> np.ndarray:
    """``iters`` multiplicative updates W <- W (X H^T) / (W H H^T) with H fixed."""
    xht, hht = x @ h.T, h @ h.T
    for _ in range(iters):
        w *= xht / np.maximum(w @ hht, _EPS)
    return w


def nmf(x: np.ndarray, w: np.ndarray, h: np.ndarray, iters: int) -> tuple[np.ndarray, np.ndarray]:
    """``iters`` alternating multiplicative updates of W and H on X ~ W H."""
    for _ in range(iters):
        h *= (w.T @ x) / np.maximum(w.T @ w @ h, _EPS)
        w *= (x @ h.T) / np.maximum(w @ (h @ h.T), _EPS)
    return w, h


class CNMF(FusionMethod):
    name = "cnmf"

    def halo(self, ratio: int) -> int:
        return 2 * filters.mtf_radius(ratio) + ratio        # degradation of H in prepare; apply is per pixel

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        self.good = good_bands(scene)
        self.gain = estimate_gain(samples, scene, "CNMF blur")
        pairs = lowres_pairs(samples, scene, "CNMF endmembers", gain=self.gain)
        self.scale_hsi = robust_scale(pairs.hsi[self.good])
        self.scale_msi = robust_scale(pairs.msi)
        r_resp, self.msi_offsets = spectral_response(pairs, scene, self.good, self.scale_hsi, self.scale_msi)
        x_all = np.maximum(pairs.hsi[self.good] / self.scale_hsi, 0.0)
        sv = np.linalg.svd(x_all[:, :: max(1, x_all.shape[1] // 20000)], compute_uv=False)
        rank = int(np.sum(sv > RANK_TOL * sv[0])) if sv.size and sv[0] > 0 else 1
        p = max(1, min(MAX_ENDMEMBERS, len(self.good), rank, x_all.shape[1]))
        self.endmembers = p

        # 1. endmembers from the LR-HSI (the updates in float32: half the time, the fit unchanged to 1e-6)
        x32 = x_all.astype(np.float32)
        w = successive_projection(x_all, p).astype(np.float32)
        w = nmf(x32, w, unmix(w, x32, INNER), INNER)[0].astype(np.float64)
        del x32

        # The HR blocks the coupled steps work on, with their LR samples.
        gain = self.gain
        radius = filters.mtf_radius(scene.ratio)
        blocks = []
        for t in limit_tiles(samples, min(MAX_FIT_PIXELS, MAX_FIT_VALUES // len(self.good)), radius):
            mask_lr = lr_mask(t, radius)
            core = t.valid_core()
            if not mask_lr.any() or not core.any():
                continue
            z = self._hsi(t)
            y = self._msi(t)
            x = filters.decimate(z, t.ratio, t.phase)[:, mask_lr]
            blocks.append((t, z, y, core, mask_lr, x))
        if not blocks:
            self.w, self.w_m = w, r_resp @ w
            return
        for _ in range(OUTER):
            # 2. abundances from the MSI, W_m = R W coupled to the HSI's endmembers
            w_m = r_resp @ w
            hs = []
            for _t, z, _y, _core, _mask_lr, _x in blocks:
                hs.append(unmix(w, z.reshape(z.shape[0], -1), UNMIX_ITERS).reshape((p,) + z.shape[1:]))
            flat = [(y.reshape(y.shape[0], -1).astype(np.float32), h.reshape(p, -1).astype(np.float32),
                     None if core.all() else np.flatnonzero(core.ravel()))
                    for h, (_t, _z, y, core, _m, _x) in zip(hs, blocks)]
            for _ in range(INNER):
                wm32 = w_m.astype(np.float32)
                num = np.zeros_like(w_m)
                den = np.zeros((p, p))
                for yf, hf, sel in flat:
                    hf *= (wm32.T @ yf) / np.maximum((wm32.T @ wm32) @ hf, _EPS)
                    yc, hc = (yf, hf) if sel is None else (yf[:, sel], hf[:, sel])
                    num += yc @ hc.T
                    den += hc @ hc.T
                w_m *= num / np.maximum(w_m @ den, _EPS)
            hs = [hf.reshape((p,) + h.shape[1:]) for (_y, hf, _s), h in zip(flat, hs)]
            # 3. the HSI's endmembers refitted with the degraded HR abundances
            xs, hls = [], []
            for h, (t, _z, _y, _core, mask_lr, x) in zip(hs, blocks):
                hl = filters.mtf_filter_decimate_dense(h, gain, t.ratio, t.phase)[:, mask_lr]
                xs.append(x)
                hls.append(np.maximum(hl, 0.0))
            w = update_w(np.concatenate(xs, axis=1), np.concatenate(hls, axis=1), w, INNER)
        self.w = w
        self.w_m = w_m

    def _hsi(self, t: Tile) -> np.ndarray:
        return np.maximum(np.asarray(t.lr_up, dtype=np.float32)[self.good] / np.float32(self.scale_hsi), 0.0)

    def _msi(self, t: Tile) -> np.ndarray:
        y = np.asarray(t.hr, dtype=np.float64) / self.scale_msi - self.msi_offsets[:, None, None]
        return np.maximum(y, 0.0)

    def apply(self, tile: Tile) -> np.ndarray:
        h_, w_ = tile.valid.shape
        n = h_ * w_
        lr_up = np.asarray(tile.lr_up).reshape(self.scene.lr_bands, n)
        hr = np.asarray(tile.hr).reshape(self.w_m.shape[0], n)
        w, w_m = self.w.astype(np.float32), self.w_m.astype(np.float32)
        s_h, s_m = np.float32(self.scale_hsi), np.float32(self.scale_msi)
        offsets = self.msi_offsets.astype(np.float32)[:, None]
        out = np.zeros((self.scene.lr_bands, n), dtype=np.float32)
        # Pixels in chunks: every step is per pixel, and many-band tiles stay within memory.
        for a in range(0, n, APPLY_CHUNK):
            b = min(n, a + APPLY_CHUNK)
            z = np.maximum(lr_up[self.good, a:b].astype(np.float32) / s_h, 0.0)
            y = np.maximum(hr[:, a:b].astype(np.float32) / s_m - offsets, 0.0)
            h = fit_h(w_m, y, unmix(w, z, UNMIX_ITERS), APPLY_ITERS)
            out[self.good, a:b] = (w @ h) * s_h
        return out.reshape(self.scene.lr_bands, h_, w_)
