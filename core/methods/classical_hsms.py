"""Classical HS-MS fusion: interpolation (EXP) and GLP hypersharpening (MTF-GLP-HS).

MTF-GLP-HS follows the hypersharpening idea of Selva et al. (2015): every hyperspectral band gets its
own synthetic high-resolution image, the linear combination of the MSI bands that best explains that
band at low resolution, and the detail of that image (the image minus its MTF-GLP low-pass) is added
to the interpolated band.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from ..filters import mtf_filter_decimate, upsample
from .base import FusionMethod, SceneInfo, Tile

_MAX_FIT_PIXELS = 400_000     # over all sample tiles
_BAND_CHUNK = 32


def _glp_lowpass(img: np.ndarray, tile: Tile, gnyq: float) -> np.ndarray:
    """interp(decimate(MTF * img)) on the tile's global decimation phase."""
    r = tile.ratio
    low = mtf_filter_decimate(img, gnyq, r, tile.phase)
    return upsample(low, r, img.shape[-2:], offset=tile.phase).astype(np.float32)


class HSExp(FusionMethod):
    name = "hs_exp"

    def halo(self, ratio: int) -> int:
        return 0

    def apply(self, tile: Tile) -> np.ndarray:
        return tile.lr_up.astype(np.float32, copy=True)


class MTFGLPHS(FusionMethod):
    name = "mtf_glp_hs"

    def halo(self, ratio: int) -> int:
        return 20 + 11 * max(ratio - 1, 1) + 2 * ratio + 8

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        masks = []
        for t in samples:
            # pixels whose low-pass and interpolation footprint is valid: nodata fill stays out of the fit
            far = ndimage.minimum_filter(t.valid, size=2 * self.halo(t.ratio) + 1, mode="nearest")
            mask = t.valid_core() & far
            masks.append(mask if mask.any() else t.valid_core())
        # at most _MAX_FIT_PIXELS over all samples (every k-th, deterministic): 200+ bands x a million pixels
        # held in float64 took 4 GB
        total = sum(int(m.sum()) for m in masks)
        step = total // _MAX_FIT_PIXELS + 1 if total > _MAX_FIT_PIXELS else 1
        rows_x, rows_y = [], []
        for t, mask in zip(samples, masks):
            low = _glp_lowpass(t.hr, t, scene.gnyq_hr)
            idx = np.flatnonzero(mask)[::step]
            rows_x.append(low.reshape(low.shape[0], -1)[:, idx].T)
            rows_y.append(t.lr_up.reshape(t.lr_up.shape[0], -1)[:, idx].T.astype(np.float32))
        x = np.concatenate(rows_x).astype(np.float64)
        y = np.concatenate(rows_y)
        design = np.hstack([x, np.ones((x.shape[0], 1))])
        # One least-squares fit per HSI band (the minimum-norm solution, as lstsq); the constant absorbs offsets
        # between the two sensors.  Bands in chunks: float64 copies of a few of them at a time.
        solve = np.linalg.pinv(design)
        coef = np.concatenate([solve @ y[:, i:i + _BAND_CHUNK].astype(np.float64)
                               for i in range(0, y.shape[1], _BAND_CHUNK)], axis=1)
        self.weights = coef[:-1].T.astype(np.float32)          # (hsi_bands, msi_bands)

    def apply(self, tile: Tile) -> np.ndarray:
        detail = tile.hr - _glp_lowpass(tile.hr, tile, self.scene.gnyq_hr)          # (msi, h, w)
        injected = np.tensordot(self.weights, detail, axes=(1, 0))
        # in place: a 200-band tile is a GB per copy (the same sum, computed in the wider of the two types)
        np.add(injected, tile.lr_up, out=injected, casting="same_kind")
        return injected.astype(np.float32, copy=False)
