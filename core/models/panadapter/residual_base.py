"""The classical residual base of PanAdapter (``PanAdapterConfig.base``) on whole arrays (training pairs, scene
adaptation).  The fusion itself is handed in by the caller (core.methods.classical_pan.mtf_glp_hpm_arrays), so
models/ never imports methods/; the engine method runs the same classical method on its tiles.  numpy only."""
from __future__ import annotations

from typing import Callable

import numpy as np


def classical_base(name: str, ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms, gnyq_pan: float,
                   phase=None, *, fuse: Callable) -> np.ndarray:
    """``name`` ("mtf_glp_hpm") fused on (ms_up (C, H, W), pan (H, W)) by
    ``fuse(ms_up, pan, ratio, band gains, PAN gain, phase)``; ``ms_up`` itself for "ms_up"."""
    if name == "ms_up":
        return ms_up
    if name != "mtf_glp_hpm":
        raise ValueError(f"unknown residual base {name!r}")
    if fuse is None:
        raise ValueError(f"the residual base {name!r} needs its fusion function (fuse)")
    r = int(ratio)
    ph = (r // 2, r // 2) if phase is None else (int(phase[0]), int(phase[1]))
    gains = list(gnyq_ms) if np.ndim(gnyq_ms) else [float(gnyq_ms)] * ms_up.shape[0]
    return fuse(ms_up, pan, r, gains, float(gnyq_pan), ph).astype(np.float32)
