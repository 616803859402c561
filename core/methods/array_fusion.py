"""A classical pansharpening method of the registry run on whole in-memory arrays (one tile, no engine).

Training pairs and scene adaptation need the same classical fusions the engine runs on tiles; this prepares
the method on the arrays themselves and applies it once, so both use the plugin's own code.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import SceneInfo, Tile


def classical_fusion(name: str, ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms: Sequence[float] | float,
                     gnyq_pan: float, phase: tuple[int, int] | None = None) -> np.ndarray:
    """``name`` fused on (ms_up (C, H, W), pan (H, W)), float32, in the inputs' units; LR pixel centres at
    HR ``phase`` + r i (default r // 2)."""
    from . import get_method
    r = int(ratio)
    ph = (r // 2, r // 2) if phase is None else (int(phase[0]), int(phase[1]))
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
