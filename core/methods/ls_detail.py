"""Least-squares detail fusion: the fast HS-MS baseline.

Each HSI band b is fitted at the HSI's resolution as a linear combination of the MSI bands degraded to it
(MTF of the HSI sensor, sampled on the LR pixels) plus an offset:  hsi_b ~ sum_k a_bk msi_k + c_b.
At full resolution the band gets the high-pass detail of that synthesis:

    out_b = interp(hsi_b) + sum_k a_bk (msi_k - GLP(msi_k)),   GLP = interp(decimate(MTF_hsi * .)).

If the HR-HSI is exactly a linear function of the MSI this returns it (up to the MTF kernel's DC gain on
the offset).  Scene-wide: the fit (prepare); apply is local (filters only), so tiles equal the whole image.
"""
from __future__ import annotations

import numpy as np

from .. import filters
from .base import FusionMethod, SceneInfo, Tile
from .hsms_lowres import good_bands, hsi_gain, lowres_pairs


def glp_halo(ratio: int) -> int:
    """HR pixels the GLP low-pass reads around a pixel: MTF support, interpolator support, decimation phase."""
    return filters.mtf_radius(ratio) + 12 * max(ratio - 1, 1) + 2 * ratio + 8


def glp_detail(hr: np.ndarray, tile: Tile, gain: float) -> np.ndarray:
    """hr - interp(decimate(MTF * hr)) on the tile's decimation phase (float32)."""
    r = tile.ratio
    low = filters.mtf_filter_decimate(hr, gain, r, tile.phase)
    return (hr - filters.upsample(low, r, hr.shape[-2:], offset=tile.phase)).astype(np.float32)


class LSDetail(FusionMethod):
    name = "ls_detail"

    def halo(self, ratio: int) -> int:
        return glp_halo(ratio)

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        pairs = lowres_pairs(samples, scene, "least-squares synthesis of the HSI bands")
        good = good_bands(scene)
        x = pairs.msi.T
        design = np.hstack([x, np.ones((x.shape[0], 1))])
        # Columns scaled to unit norm: MSI bands in very different units stay well conditioned.
        norm = np.linalg.norm(design, axis=0)
        norm[norm == 0] = 1.0
        coef, *_ = np.linalg.lstsq(design / norm, pairs.hsi[good].T, rcond=None)
        coef = coef / norm[:, None]
        self.weights = np.zeros((scene.lr_bands, scene.hr_bands), dtype=np.float64)
        self.offsets = np.zeros(scene.lr_bands, dtype=np.float64)
        self.weights[good] = coef[:-1].T
        self.offsets[good] = coef[-1]

    def apply(self, tile: Tile) -> np.ndarray:
        detail = glp_detail(np.asarray(tile.hr, dtype=np.float32), tile, hsi_gain(self.scene))
        injected = np.tensordot(self.weights.astype(np.float32), detail, axes=(1, 0))
        injected += tile.lr_up          # in place: a many-band tile is hundreds of MB, no second copy
        return injected
