"""HySure: subspace-based fusion with vector total variation (Simoes, Bioucas-Dias, Almeida and Chanussot,
IEEE TGRS 53(6), 2015).

The HR-HSI lives in a p-dimensional subspace, Z = E X (E: the first p singular vectors of the LR-HSI).
X minimises

    1/2 ||Y_h - E X B M||^2 + lambda_m/2 ||Y_m - R E X||^2 + lambda_phi TV(X)

with B the HSI sensor's blur, M the decimation onto the LR pixels, R the spectral responses and TV the
isotropic vector total variation of the p images.  Solved by ADMM (SALSA) with the splits V1 = X B,
V2 = X, V3 = X D_h, V4 = X D_v; the X step is diagonal in the Fourier domain, the others per pixel.

Simplified but faithful: R is estimated from the data (core.srf.estimate_srf, as the paper estimates it),
B is estimated from the data within the MTF family (hsms_lowres.estimate_gain) instead of freely,
ITERATIONS is fixed and X starts at E^T of the interpolated HSI.

How it tiles: E, R and the scaling are scene-wide (prepare); each tile is solved on itself plus a mirrored
border, so a tile's core depends on the pixels within the halo (HALO_PER_RATIO x ratio + 8): TV and the
Fourier-domain X step spread information further in principle, but their influence decays fast (at ratio 4,
2.5e-6 of the dynamic range with a 32-pixel halo, 5e-4 with 16); tests/core/test_hsms_classical.py bounds
the tiled-minus-whole difference at 1e-4.
"""
from __future__ import annotations

import numpy as np
from scipy import fft as sfft

from .. import filters
from .base import FusionMethod, SceneInfo, Tile
from .hsms_lowres import estimate_gain, good_bands, lowres_pairs, robust_scale, spectral_response

SUBSPACE = 10
RANK_TOL = 1e-3
LAMBDA_M = 1.0           # weight of the MSI term (the paper's default)
LAMBDA_PHI = 5e-4        # weight of the vector TV (the paper's default; data scaled to about 1)
MU = 0.05                # ADMM penalty (the paper's code)
ITERATIONS = 30
HALO_PER_RATIO = 8        # halo = 8 ratio + 8 HR pixels: tiles within 1e-5 of the range of the whole image


def _fast_len(n: int) -> int:
    return sfft.next_fast_len(n, real=True)


def _dh(x: np.ndarray) -> np.ndarray:
    return np.roll(x, -1, axis=-1) - x


def _dv(x: np.ndarray) -> np.ndarray:
    return np.roll(x, -1, axis=-2) - x


def _dh_t(x: np.ndarray) -> np.ndarray:
    return np.roll(x, 1, axis=-1) - x


def _dv_t(x: np.ndarray) -> np.ndarray:
    return np.roll(x, 1, axis=-2) - x


class HySure(FusionMethod):
    name = "hysure"

    def halo(self, ratio: int) -> int:
        return HALO_PER_RATIO * ratio + 8

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        self.good = good_bands(scene)
        self.gain = estimate_gain(samples, scene, "HySure blur")
        pairs = lowres_pairs(samples, scene, "HySure subspace and spectral responses", gain=self.gain)
        self.scale_hsi = robust_scale(pairs.hsi[self.good])
        self.scale_msi = robust_scale(pairs.msi)
        resp, self.msi_offsets = spectral_response(pairs, scene, self.good, self.scale_hsi, self.scale_msi)
        x = pairs.hsi[self.good] / self.scale_hsi
        vals, vecs = np.linalg.eigh(x @ x.T)
        order = np.argsort(vals)[::-1]
        vals, vecs = np.maximum(vals[order], 0.0), vecs[:, order]
        rank = int(np.sum(np.sqrt(vals) > RANK_TOL * np.sqrt(vals[0]))) if vals[0] > 0 else 1
        p = max(1, min(SUBSPACE, len(self.good), rank))
        self.basis = vecs[:, :p]                                     # E (good bands, p), orthonormal
        self.re = resp @ self.basis                                  # R E (msi bands, p)
        self.v2_inverse = np.linalg.inv(LAMBDA_M * self.re.T @ self.re + MU * np.eye(p))

    def _kernel_fft(self, shape: tuple[int, int]) -> np.ndarray:
        """rfft2 of the HSI's MTF kernel centred on pixel (0, 0) of a periodic image of ``shape``."""
        k = filters.mtf_kernel(self.gain, self.scene.ratio)
        k = k / k.sum()
        img = np.zeros(shape)
        n = k.shape[0] // 2
        img[:k.shape[0], :k.shape[1]] = k
        img = np.roll(img, (-n, -n), axis=(0, 1))
        return sfft.rfft2(img).real.astype(np.float32)

    def apply(self, tile: Tile) -> np.ndarray:
        r = tile.ratio
        h, w = tile.valid.shape
        pad = int(np.ceil(2 * filters.mtf_radius(r) / r)) * r
        hh, ww = _fast_len(h + 2 * pad), _fast_len(w + 2 * pad)
        widths = ((pad, hh - h - pad), (pad, ww - w - pad))
        e = self.basis.astype(np.float32)

        def padded(a):
            return np.pad(a, ((0, 0),) + widths, mode="symmetric")

        # E with zero rows for the bad bands, over the scale: no copy of the many-band tile is made.
        e_all = np.zeros((self.scene.lr_bands, e.shape[1]), dtype=np.float32)
        e_all[self.good] = e
        x = padded(np.tensordot(e_all.T / np.float32(self.scale_hsi), np.asarray(tile.lr_up, dtype=np.float32),
                                axes=1))                                     # E^T Z: start and LR data
        ym = np.asarray(tile.hr, dtype=np.float32) / np.float32(self.scale_msi) \
            - self.msi_offsets.astype(np.float32)[:, None, None]
        valid = np.pad(tile.valid, widths, mode="symmetric")
        rty = np.tensordot((LAMBDA_M * self.re.T).astype(np.float32), padded(ym), axes=1) * valid
        observed = np.zeros((hh, ww), dtype=bool)                           # the LR samples (inside the tile)
        observed[pad + tile.phase[0]:pad + h:r, pad + tile.phase[1]:pad + w:r] = True
        observed &= valid
        ety = np.where(observed, x, 0.0).astype(np.float32)
        inv = self.v2_inverse.astype(np.float32)

        bf = self._kernel_fft((hh, ww))
        delta = np.zeros((hh, ww), dtype=np.float32)
        delta[0, 0] = 1.0
        dhf, dvf = sfft.rfft2(_dh(delta)), sfft.rfft2(_dv(delta))
        denom = (bf ** 2 + 1.0 + np.abs(dhf) ** 2 + np.abs(dvf) ** 2).astype(np.float32)

        def blur(a):
            return sfft.irfft2(sfft.rfft2(a) * bf, s=(hh, ww)).astype(np.float32)

        v1, v2, v3, v4 = blur(x), x.copy(), _dh(x), _dv(x)
        d1, d2, d3, d4 = (np.zeros_like(x) for _ in range(4))
        thresh = np.float32(LAMBDA_PHI / MU)
        for _ in range(ITERATIONS):
            num = sfft.rfft2(v1 + d1) * bf + sfft.rfft2(v2 + d2) + sfft.rfft2(_dh_t(v3 + d3) + _dv_t(v4 + d4))
            xf = num / denom
            x = sfft.irfft2(xf, s=(hh, ww)).astype(np.float32)
            xb = sfft.irfft2(xf * bf, s=(hh, ww)).astype(np.float32)
            # V1: the LR-HSI term at the observed samples
            v1 = xb - d1
            v1 = np.where(observed, (ety + MU * v1) / (1.0 + MU), v1).astype(np.float32)
            # V2: the MSI term (per pixel, p x p), only where the MSI is valid: elsewhere V2 follows X
            v2 = np.where(valid, np.tensordot(inv, rty + MU * (x - d2), axes=1), x - d2).astype(np.float32)
            # V3, V4: vector soft thresholding of the gradients (isotropic over the p images and both directions)
            gh, gv = _dh(x) - d3, _dv(x) - d4
            norm = np.sqrt((gh * gh).sum(axis=0) + (gv * gv).sum(axis=0))
            shrink = np.maximum(0.0, 1.0 - thresh / np.maximum(norm, 1e-12)).astype(np.float32)
            v3, v4 = gh * shrink, gv * shrink
            d1 -= xb - v1
            d2 -= x - v2
            d3 -= _dh(x) - v3
            d4 -= _dv(x) - v4
        x = x[:, pad:pad + h, pad:pad + w]
        return np.tensordot(e_all * np.float32(self.scale_hsi), np.ascontiguousarray(x), axes=1)
