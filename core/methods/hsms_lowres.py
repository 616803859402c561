"""What the classical HS-MS methods learn at the HSI's resolution: the HSI samples and the MSI degraded to them.

The LR-HSI samples are the interpolated HSI on the tile's decimation phase (the interpolators keep the
samples); the MSI is degraded with the HSI sensor's MTF and sampled on the same pixels, so both describe
the same ground at the same resolution.  Pixels whose filter footprint touches an invalid pixel are left
out, so nodata filled with any value never enters a fit.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from .. import filters
from ..errors import InputError
from .base import SceneInfo, Tile

MAX_LR_PIXELS = 200_000          # LR pixels kept for the scene-wide fits (every k-th, deterministic)
MAX_GAIN_PIXELS = 50_000
GAIN_GRID = (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def hsi_gain(scene: SceneInfo) -> float:
    """One MTF Nyquist gain for the HSI (the mean of its bands'): the degradation the MSI is matched to."""
    g = [float(v) for v in scene.gnyq_lr] or [0.3]
    return float(np.mean(g))


def good_bands(scene: SceneInfo) -> np.ndarray:
    """Positions of the HSI bands the methods fuse (the scene's bad bands hold 0 and stay 0)."""
    bad = set(scene.lr_bad_bands)
    return np.array([i for i in range(scene.lr_bands) if i not in bad], dtype=int)


def lr_mask(tile: Tile, radius: int) -> np.ndarray:
    """Valid core pixels on the tile's LR grid whose (2 radius + 1)^2 footprint is valid."""
    r = tile.ratio
    valid = ndimage.minimum_filter(tile.valid, size=2 * radius + 1, mode="nearest") if radius else tile.valid
    core = np.zeros_like(valid)
    core[tile.core] = True
    return filters.decimate(valid & core, r, tile.phase)


@dataclass
class LowResPairs:
    hsi: np.ndarray      # (bands, N) float64: the LR-HSI samples (all bands, bad ones 0)
    msi: np.ndarray      # (msi bands, N) float64: the MSI degraded to the same pixels


def degrade_msi(tile: Tile, gain: float) -> np.ndarray:
    """The tile's MSI filtered with the HSI MTF and sampled on its LR pixels (float64; for the scene-wide fits)."""
    return filters.mtf_filter_decimate_dense(np.asarray(tile.hr, dtype=np.float64), gain, tile.ratio, tile.phase)


def _lowres_pixels(samples: Sequence[Tile], scene: SceneInfo, what: str, max_pixels: int
                   ) -> tuple[list[tuple[Tile, np.ndarray]], int]:
    """The sample tiles with their LR pixels to use (valid footprint, core only) and the step that keeps at most
    ``max_pixels`` of them all (every step-th)."""
    radius = filters.mtf_radius(scene.ratio)
    picked = [(t, m) for t in samples if (m := lr_mask(t, radius)).any()]
    n = sum(int(m.sum()) for _t, m in picked)
    if n < 2 * (scene.hr_bands + 2):
        raise InputError(f"Not enough valid pixels to estimate the {what}: the images hardly overlap or are "
                         "mostly nodata.")
    return picked, (n // max_pixels + 1 if n > max_pixels else 1)


def _gather(picked: list[tuple[Tile, np.ndarray]], step: int, image) -> np.ndarray:
    """(bands, N) float64: ``image(tile)`` (on the LR grid) at the picked pixels of every tile, every step-th."""
    return np.concatenate([image(t)[:, m].astype(np.float64, copy=False) for t, m in picked], axis=1)[:, ::step]


def _lr_hsi(t: Tile) -> np.ndarray:
    return filters.decimate(np.asarray(t.lr_up), t.ratio, t.phase)     # the interpolators keep the samples


def lowres_pairs(samples: Sequence[Tile], scene: SceneInfo, what: str, max_pixels: int = MAX_LR_PIXELS,
                 gain: float | None = None) -> LowResPairs:
    """The LR pixels of every sample tile (valid footprint, core only), at most ``max_pixels`` of them; the MSI
    degraded with the MTF of Nyquist gain ``gain`` (default: the HSI sensor's)."""
    gain = hsi_gain(scene) if gain is None else gain
    picked, step = _lowres_pixels(samples, scene, what, max_pixels)
    return LowResPairs(_gather(picked, step, _lr_hsi), _gather(picked, step, lambda t: degrade_msi(t, gain)))


def estimate_gain(samples: Sequence[Tile], scene: SceneInfo, what: str) -> float:
    """The HSI's blur estimated from the data: the MTF Nyquist gain (of GAIN_GRID) with which the degraded MSI
    best explains the LR-HSI by least squares (each HSI band a linear combination of the MSI bands plus an
    offset), the way HySure estimates its blur from the data, restricted to the MTF family."""
    good = good_bands(scene)
    picked, step = _lowres_pixels(samples, scene, what, MAX_GAIN_PIXELS)
    y = _gather(picked, step, _lr_hsi)[good].T
    spread = max(float(np.sum((y - y.mean(axis=0)) ** 2)), 1e-300)
    total = float(np.sum(y * y))
    best, best_res = hsi_gain(scene), np.inf
    for g in GAIN_GRID:
        msi = _gather(picked, step, lambda t, g=g: degrade_msi(t, g))
        design = np.hstack([msi.T, np.ones((msi.shape[1], 1))])
        # the least-squares residual of every band at once: what the design's column space (its left singular
        # vectors above lstsq's cut-off, so a constant MSI band counts once) leaves of y
        u, sv, _ = np.linalg.svd(design, full_matrices=False)
        u = u[:, sv > sv[0] * max(design.shape) * np.finfo(float).eps] if sv[0] > 0 else u[:, :0]
        res = max(total - float(np.sum((u.T @ y) ** 2)), 0.0) / spread
        if res < best_res:
            best, best_res = g, res
    return best


def spectral_response(pairs: LowResPairs, scene: SceneInfo, good: np.ndarray, scale_hsi: float = 1.0,
                      scale_msi: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(R (msi bands, good bands), offsets (msi bands,)) with msi / scale_msi ~ R hsi / scale_hsi + offset,
    estimated from the data (core.srf.estimate_srf: non-negative, smooth along the bands in wavelength order)."""
    from ..srf import estimate_srf
    wl = [scene.lr_wavelengths_nm[i] if i < len(scene.lr_wavelengths_nm) else None for i in good]
    order = np.argsort(wl, kind="stable") if all(w is not None for w in wl) else np.arange(len(good))
    est = estimate_srf(pairs.hsi[good][order] / scale_hsi, pairs.msi / scale_msi)
    weights = np.zeros((pairs.msi.shape[0], len(good)))
    weights[:, order] = est["weights"]
    return weights, np.asarray(est["offsets"], dtype=np.float64)


def robust_scale(x: np.ndarray) -> float:
    """A typical magnitude of ``x`` (99th percentile of |x|), never 0: the methods work on data near 1."""
    v = float(np.percentile(np.abs(x), 99)) if x.size else 0.0
    return v if v > 0 and np.isfinite(v) else 1.0


def crop_tile(t: Tile, y0: int, y1: int, x0: int, x1: int) -> Tile:
    """The part [y0:y1, x0:x1] of a tile, its decimation phase, LR origin and core moved with it."""
    r = t.ratio
    h, w = t.valid.shape
    c0, c1 = t.core
    core = (slice(max(0, (c0.start or 0) - y0), max(0, min(y1, c0.stop if c0.stop is not None else h) - y0)),
            slice(max(0, (c1.start or 0) - x0), max(0, min(x1, c1.stop if c1.stop is not None else w) - x0)))
    return Tile(hr=t.hr[:, y0:y1, x0:x1], lr_up=t.lr_up[:, y0:y1, x0:x1], lr=t.lr, valid=t.valid[y0:y1, x0:x1],
                ratio=r, phase=((t.phase[0] - y0) % r, (t.phase[1] - x0) % r),
                lr_origin=(t.lr_origin[0] - y0, t.lr_origin[1] - x0), core=core)


def limit_tiles(samples: Sequence[Tile], max_pixels: int, margin: int) -> list[Tile]:
    """The samples cut to centred windows of at most ``max_pixels`` HR pixels in all (for iterative fits);
    where a window cuts into a tile, its core stays ``margin`` pixels away from the cut (filters stay exact)."""
    total = sum(t.valid.size for t in samples)
    if total <= max_pixels:
        return list(samples)
    shrink = np.sqrt(max_pixels / total)
    out = []
    for t in samples:
        h, w = t.valid.shape
        nh, nw = max(1, int(h * shrink)), max(1, int(w * shrink))
        y0, x0 = (h - nh) // 2, (w - nw) // 2
        c = crop_tile(t, y0, y0 + nh, x0, x0 + nw)
        (a, b), (d, e) = ((s.start or 0, s.stop if s.stop is not None else n) for s, n in zip(c.core, (nh, nw)))
        a, d = max(a, margin if y0 > 0 else 0), max(d, margin if x0 > 0 else 0)
        b, e = min(b, nh - margin if y0 + nh < h else nh), min(e, nw - margin if x0 + nw < w else nw)
        c.core = (slice(a, max(a, b)), slice(d, max(d, e)))
        out.append(c)
    return out
