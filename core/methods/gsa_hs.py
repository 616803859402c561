"""GSA adapted to HS-MS fusion (Yokoya, Grohnfeldt and Chanussot, IEEE GRSM 2017, section "GSA").

The HSI bands are grouped by the MSI band that covers them: the spectral responses are estimated from the
data (core.srf.estimate_srf), each HSI band joins the MSI band whose response, relative to its peak, is the
highest at that band; a band no response covers (below COVERED of every peak) joins the MSI band it
correlates best with.  Each group is then pansharpened by GSA (Aiazzi et al. 2007) with its MSI band as
the PAN:

    I = sum_b w_b HS_b + w_0       (w: least squares of the MSI band on the group's bands, at low resolution)
    out_b = HS_b + g_b (P - mean P - (I - mean I)),   g_b = cov(HS_b, I) / var(I)

with HS_b the interpolated HSI, P the MSI band, means and covariances over the scene.  Scene-wide: the
groups, weights, gains and means (prepare); apply is per pixel, so tiles equal the whole image.
"""
from __future__ import annotations

import numpy as np

from .. import filters
from .base import FusionMethod, SceneInfo, Tile
from .hsms_lowres import good_bands, lowres_pairs, robust_scale, spectral_response

COVERED = 0.1        # an HSI band is covered by an MSI band where its response is at least this share of the peak


def group_bands(response: np.ndarray, hsi: np.ndarray, msi: np.ndarray) -> np.ndarray:
    """The MSI band of each HSI band: the highest relative response, or the best correlation where none covers it.

    ``response`` (msi bands, hsi bands) >= 0; ``hsi`` (hsi bands, N) and ``msi`` (msi bands, N) at low resolution.
    """
    peak = response.max(axis=1, keepdims=True)
    rel = np.divide(response, peak, out=np.zeros_like(response), where=peak > 0)
    group = rel.argmax(axis=0)
    uncovered = rel.max(axis=0) < COVERED
    if uncovered.any():
        h = hsi - hsi.mean(axis=1, keepdims=True)
        m = msi - msi.mean(axis=1, keepdims=True)
        hn = np.linalg.norm(h, axis=1)
        mn = np.linalg.norm(m, axis=1)
        corr = (m @ h.T) / np.maximum(np.outer(mn, hn), 1e-300)        # (msi, hsi)
        group[uncovered] = corr[:, uncovered].argmax(axis=0)
    return group


class GSAHS(FusionMethod):
    name = "gsa_hs"

    def halo(self, ratio: int) -> int:
        return 2 * filters.mtf_radius(ratio) + ratio        # the degraded MSI in prepare; apply is per pixel

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        good = good_bands(scene)
        pairs = lowres_pairs(samples, scene, "GSA band groups and weights")
        response, _ = spectral_response(pairs, scene, good, robust_scale(pairs.hsi[good]), robust_scale(pairs.msi))
        self.group = np.full(scene.lr_bands, -1, dtype=int)          # -1: a bad band, not fused
        self.group[good] = group_bands(response, pairs.hsi[good], pairs.msi)

        # Scene means and covariances at full resolution (valid core pixels).
        n = 0
        s1 = np.zeros(scene.lr_bands + scene.hr_bands)
        s2 = np.zeros((scene.lr_bands, scene.lr_bands))
        shift = None
        for t in samples:
            mask = t.valid_core()
            if not mask.any():
                continue
            hs = np.asarray(t.lr_up, dtype=np.float64)[:, mask]
            ms = np.asarray(t.hr, dtype=np.float64)[:, mask]
            if shift is None:
                shift = hs.mean(axis=1)
            d = hs - shift[:, None]
            n += hs.shape[1]
            s1 += np.concatenate([d.sum(axis=1), ms.sum(axis=1)])
            s2 += d @ d.T
        mean_d = s1[:scene.lr_bands] / n
        self.mean_hs = shift + mean_d
        self.mean_ms = s1[scene.lr_bands:] / n
        cov = (s2 - n * np.outer(mean_d, mean_d)) / max(n - 1, 1)

        self.weights = np.zeros(scene.lr_bands)
        self.gains = np.zeros(scene.lr_bands)
        for k in range(scene.hr_bands):
            members = np.flatnonzero(self.group == k)
            if members.size == 0:
                continue
            design = np.hstack([pairs.hsi[members].T, np.ones((pairs.hsi.shape[1], 1))])
            w = np.linalg.lstsq(design, pairs.msi[k], rcond=None)[0][:-1]
            c = cov[np.ix_(members, members)]
            var_i = float(w @ c @ w)
            self.weights[members] = w
            self.gains[members] = (c @ w) / var_i if var_i > 0 else 1.0

    def apply(self, tile: Tile) -> np.ndarray:
        out = np.array(tile.lr_up, dtype=np.float32)
        for k in range(self.scene.hr_bands):
            members = np.flatnonzero(self.group == k)
            if members.size == 0:
                continue
            w = self.weights[members]
            # I0 = sum_b w_b (HS_b - mean_b); computed from the group's own bands only (memory).
            i0 = np.tensordot(w.astype(np.float32), out[members], axes=1) - np.float32(w @ self.mean_hs[members])
            detail = tile.hr[k] - np.float32(self.mean_ms[k]) - i0
            for b, g in zip(members, self.gains[members]):
                out[b] += np.float32(g) * detail
        return out
