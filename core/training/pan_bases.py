"""Classical fusions of whole training pairs: the bases PanScet learns to correct.

The network is trained with a base drawn at random among BASES for every crop, so that it serves whichever
one the method picks for a scene (the Auto check ranks these same methods).  Each base is computed once
per pair on the whole reduced image, with the plugin's own methods (prepare on the image, then apply).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..methods import get_method
from ..methods.base import SceneInfo, Tile

BASES = ("gsa", "bdsd_pc", "mtf_glp_hpm", "mtf_glp_fs")


def classical_fusion(name: str, ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms: Sequence[float] | float,
                     gnyq_pan: float, phase: tuple[int, int] | None = None) -> np.ndarray:
    """``name`` fused on (ms_up (C, H, W), pan (H, W)), float32, in the inputs' units."""
    r = int(ratio)
    ph = (r // 2, r // 2) if phase is None else tuple(int(p) for p in phase)
    c = ms_up.shape[0]
    gains = [float(g) for g in gnyq_ms] if np.ndim(gnyq_ms) else [float(gnyq_ms)] * c
    ms_up = np.ascontiguousarray(ms_up, dtype=np.float32)
    tile = Tile(hr=np.ascontiguousarray(pan, dtype=np.float32)[None], lr_up=ms_up,
                lr=np.ascontiguousarray(ms_up[:, ph[0]::r, ph[1]::r]), valid=np.ones(pan.shape, bool), ratio=r,
                phase=ph, lr_origin=(float(ph[0]), float(ph[1])))
    scene = SceneInfo(task="pansharpen", ratio=r, lr_bands=c, hr_bands=1, gnyq_lr=gains, gnyq_hr=float(gnyq_pan),
                      bit_depth=16, value_max=float(max(np.max(ms_up), np.max(pan), 1e-6)))
    method = get_method(name)
    method.prepare([tile], scene)
    return np.asarray(method.apply(tile), dtype=np.float32)


def pair_bases(ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms, gnyq_pan: float,
               names: Sequence[str] = BASES) -> dict[str, np.ndarray]:
    """{name: base} for one pair."""
    return {n: classical_fusion(n, ms_up, pan, ratio, gnyq_ms, gnyq_pan) for n in names}
