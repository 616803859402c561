"""A classical method of the registry run on whole in-memory arrays (one tile, no engine).

Training pairs and scene adaptation need the same classical fusions the engine runs on tiles; this prepares
the method on the arrays themselves and applies it once, so both use the plugin's own code.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .base import SceneInfo, Tile


def _fuse(name: str, task: str, lr_up: np.ndarray, hr: np.ndarray, ratio: int, gnyq_lr: Sequence[float] | float,
          gnyq_hr: float, phase: tuple[int, int] | None) -> np.ndarray:
    from . import get_method
    r = int(ratio)
    ph = (r // 2, r // 2) if phase is None else (int(phase[0]), int(phase[1]))
    c = lr_up.shape[0]
    gains = [float(g) for g in gnyq_lr] if np.ndim(gnyq_lr) else [float(gnyq_lr)] * c
    lr_up = np.ascontiguousarray(lr_up, dtype=np.float32)
    hr = np.ascontiguousarray(hr, dtype=np.float32)
    tile = Tile(hr=hr, lr_up=lr_up, lr=np.ascontiguousarray(lr_up[:, ph[0]::r, ph[1]::r]),
                valid=np.ones(hr.shape[-2:], bool), ratio=r, phase=ph, lr_origin=(float(ph[0]), float(ph[1])))
    scene = SceneInfo(task=task, ratio=r, lr_bands=c, hr_bands=hr.shape[0], gnyq_lr=gains, gnyq_hr=float(gnyq_hr),
                      bit_depth=16, value_max=float(max(np.max(lr_up), np.max(hr), 1e-6)))
    method = get_method(name)
    method.prepare([tile], scene)
    return np.asarray(method.apply(tile), dtype=np.float32)


def classical_fusion(name: str, ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms: Sequence[float] | float,
                     gnyq_pan: float, phase: tuple[int, int] | None = None) -> np.ndarray:
    """Pansharpening ``name`` on (ms_up (C, H, W), pan (H, W)), float32, in the inputs' units; LR pixel
    centres at HR ``phase`` + r i (default r // 2)."""
    return _fuse(name, "pansharpen", ms_up, np.asarray(pan)[None], ratio, gnyq_ms, gnyq_pan, phase)


def classical_hsms_fusion(name: str, hsi_up: np.ndarray, msi: np.ndarray, ratio: int,
                          gnyq_hsi: Sequence[float] | float, gnyq_msi: float,
                          phase: tuple[int, int] | None = None) -> np.ndarray:
    """HS-MS fusion ``name`` on (hsi_up (B, H, W), msi (M, H, W)), float32, in the inputs' units; the LR-HSI
    is read back from ``hsi_up`` at HR ``phase`` + r i (default r // 2), as the engine's tiles give it."""
    return _fuse(name, "hsms", hsi_up, msi, ratio, gnyq_hsi, gnyq_msi, phase)
