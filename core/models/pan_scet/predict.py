"""PanScet on a whole tile: padding that puts the LR pixel centres where training put them, one forward pass.

The network saw crops whose LR pixel centres sit at HR rows and columns r // 2 + r i, on a work grid of
f x f HR blocks starting at the crop's corner.  A tile with another decimation phase is mirror-padded at the
top / left until its phase is r // 2, and at the bottom / right up to a multiple of f and to MIN_SIDE
(RFDN's pooling needs 15 work pixels); the output is cut back to the tile.
"""
from __future__ import annotations

import numpy as np
import torch

from .model import PanScet, work_factor

MIN_SIDE = 64


def padding(h: int, w: int, ratio: int, phase: tuple[int, int], factor: int) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) padding of an (h, w) tile with LR centres at ``phase`` + ratio i."""
    r = int(ratio)
    top, left = (r // 2 - int(phase[0])) % r, (r // 2 - int(phase[1])) % r

    def end(n: int, start: int) -> int:
        total = max(MIN_SIDE, -(-(n + start) // factor) * factor)
        return total - n - start

    return top, end(h, top), left, end(w, left)


def _pad(a: np.ndarray, pads: tuple[int, int, int, int]) -> np.ndarray:
    t, b, left, right = pads
    return np.pad(a, [(0, 0)] * (a.ndim - 2) + [(t, b), (left, right)], mode="symmetric")


@torch.inference_mode()
def predict_tile(model: PanScet, ms_up: np.ndarray, pan: np.ndarray, base: np.ndarray, ratio: int,
                 phase: tuple[int, int], device=None) -> np.ndarray:
    """(C, H, W) float32: the network on (ms_up (C, H, W), pan (H, W), base (C, H, W)) of one tile."""
    device = device or torch.device("cpu")
    r = int(ratio)
    h, w = pan.shape
    pads = padding(h, w, r, phase, work_factor(model.cfg.grid, r))
    # channels_last: oneDNN's convolutions run about 15 % faster on CPU in that layout (pan_scet_throughput.md)
    t = [torch.from_numpy(np.ascontiguousarray(_pad(a, pads), dtype=np.float32))[None].to(device)
         .contiguous(memory_format=torch.channels_last) for a in (ms_up, pan[None], base)]
    out = model(t[0], t[1], t[2], r, (r // 2, r // 2))
    top, left = pads[0], pads[2]
    return out[0, :, top:top + h, left:left + w].float().cpu().numpy()
