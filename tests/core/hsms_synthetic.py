"""A noiseless synthetic HS-MS scene whose answer is known: a low-rank HR-HSI, its MSI through box responses,
its LR-HSI through the MTF of the HSI sensor (the degradation the methods assume)."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from core import filters as F
from core.methods import SceneInfo, Tile

GAIN = 0.3


def endmember_spectra(bands: int, p: int) -> np.ndarray:
    """p smooth, positive, distinct spectra (bands, p)."""
    t = np.linspace(0.0, 1.0, bands)
    rows = [0.2 + 0.6 * np.exp(-((t - c) / 0.25) ** 2) for c in np.linspace(0.1, 0.9, p)]
    return np.stack(rows, axis=1)


def abundance_maps(h: int, w: int, p: int, seed: int = 0) -> np.ndarray:
    """Piecewise-constant abundances (p, h, w) summing to one: blocks of pure material and of fixed mixtures,
    slightly smoothed so that edges are not single-pixel steps."""
    rng = np.random.default_rng(seed)
    cell = 16
    labels = rng.integers(0, p + 2, size=(h // cell + 1, w // cell + 1))
    labels = np.kron(labels, np.ones((cell, cell), int))[:h, :w]
    mixes = np.vstack([np.eye(p), rng.dirichlet(np.ones(p), size=2)])
    a = np.moveaxis(mixes[labels], -1, 0)
    return ndimage.gaussian_filter(a, (0, 1.0, 1.0))


def box_responses(bands: int, m: int) -> np.ndarray:
    """m MSI bands, each the mean of a contiguous run of HSI bands (m, bands), runs tiling the range."""
    edges = np.linspace(0, bands, m + 1).astype(int)
    resp = np.zeros((m, bands))
    for k in range(m):
        resp[k, edges[k]:edges[k + 1]] = 1.0 / (edges[k + 1] - edges[k])
    return resp


def scene_pair(h=128, w=128, bands=24, p=3, m=4, ratio=4, seed=0):
    """(tile, scene, truth): the whole-image tile as the engine builds it, and the HR-HSI truth (float64)."""
    e = endmember_spectra(bands, p)
    a = abundance_maps(h, w, p, seed)
    truth = np.tensordot(e, a, axes=1)                               # (bands, h, w)
    msi = np.tensordot(box_responses(bands, m), truth, axes=1)
    c = ratio // 2
    lr = F.mtf_filter_decimate(truth, GAIN, ratio, (c, c))
    up = F.upsample(lr, ratio, (h, w), offset=(c, c))
    tile = Tile(hr=msi.astype(np.float32), lr_up=up.astype(np.float32), lr=lr.astype(np.float32),
                valid=np.ones((h, w), bool), ratio=ratio, phase=(c, c), lr_origin=(float(c), float(c)))
    scene = SceneInfo(task="hsms", ratio=ratio, lr_bands=bands, hr_bands=m, gnyq_lr=[GAIN] * bands,
                      gnyq_hr=GAIN, value_max=1.0)
    return tile, scene, truth


def rel_rmse(x, ref) -> float:
    return float(np.sqrt(np.mean((np.asarray(x, np.float64) - ref) ** 2)) / np.sqrt(np.mean(ref ** 2)))
