"""The classical residual base of PanAdapter (``PanAdapterConfig.base``), computed with the plugin's own
classical method on whole arrays (training pairs, scene adaptation); the engine method runs the same
method on its tiles.  numpy only."""
from __future__ import annotations

import numpy as np

from ...methods.base import SceneInfo, Tile
from ...methods.classical_pan import MTFGLPHPM


def classical_base(name: str, ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms, gnyq_pan: float,
                   phase=None) -> np.ndarray:
    """``name`` ("mtf_glp_hpm") fused on (ms_up (C, H, W), pan (H, W)); ``ms_up`` for "ms_up"."""
    if name == "ms_up":
        return ms_up
    if name != "mtf_glp_hpm":
        raise ValueError(f"unknown residual base {name!r}")
    r = int(ratio)
    ph = (r // 2, r // 2) if phase is None else (int(phase[0]), int(phase[1]))
    c = ms_up.shape[0]
    gains = list(gnyq_ms) if np.ndim(gnyq_ms) else [float(gnyq_ms)] * c
    tile = Tile(hr=pan[None].astype(np.float32), lr_up=ms_up.astype(np.float32),
                lr=np.ascontiguousarray(ms_up[:, ph[0]::r, ph[1]::r]), valid=np.ones(pan.shape, bool), ratio=r,
                phase=ph, lr_origin=(float(ph[0]), float(ph[1])))
    scene = SceneInfo(task="pansharpen", ratio=r, lr_bands=c, hr_bands=1, gnyq_lr=gains, gnyq_hr=float(gnyq_pan))
    method = MTFGLPHPM()
    method.prepare([tile], scene)
    return method.apply(tile).astype(np.float32)
