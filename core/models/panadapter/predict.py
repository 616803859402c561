"""Patch-wise, batched inference of a PanAdapter-type network on an image of any size.

The transformer attends over all tokens of its input, so a large image is cut into ``patch``-square
pieces (multiples of the token size and of the ratio, origins on multiples of the ratio so that every
piece keeps the image's decimation phase) overlapping by ``overlap`` pixels, fused in batches and
blended with a raised-cosine weight.  Edges are mirror-padded up to the piece grid.  On CUDA the batch
runs under autocast (float16), and an out-of-memory error halves the batch and retries.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F


def _lcm(a: int, b: int) -> int:
    return a * b // math.gcd(a, b)



def _ramp(n: int, ramp: int, top: bool, bottom: bool) -> np.ndarray:
    w = np.ones(n, np.float32)
    if ramp > 0:
        t = (np.arange(ramp, dtype=np.float32) + 0.5) / ramp
        up = 0.5 - 0.5 * np.cos(np.pi * t)
        if top:
            w[:ramp] = up
        if bottom:
            w[-ramp:] = up[::-1]
    return w


def _starts(n: int, size: int, step: int, r: int) -> list[int]:
    """Piece origins (multiples of r) covering 0..n; the last may reach past n (the caller pads)."""
    s = [0]
    while s[-1] + size < n:
        s.append(min(s[-1] + step, -(-(n - size) // r) * r))
    return s


def predict_image(model, ms_up: np.ndarray, pan: np.ndarray, ratio: int, phase=(0, 0), device="cpu",
                  patch: int = 128, overlap: int = 16, batch: int = 8, stage: Optional[int] = None,
                  base: Optional[np.ndarray] = None) -> np.ndarray:
    """(C, H, W) float32 fused image from normalised ``ms_up`` (C, H, W), ``pan`` (H, W) and, for networks
    with a classical residual base, ``base`` (C, H, W)."""
    r = int(ratio)
    c, h, w = ms_up.shape
    cfg = getattr(model, "cfg", None)
    unit = _lcm(_lcm(getattr(cfg, "patch", 8), getattr(cfg, "spatial_unshuffle", 1)), r)
    size = max(unit, min(patch, max(-(-h // unit), -(-w // unit)) * unit) // unit * unit)
    ov = min(overlap, size // 4) // r * r
    step = max(r, (size - ov) // r * r)
    ys, xs = _starts(h, size, step, r), _starts(w, size, step, r)
    H, W = ys[-1] + size, xs[-1] + size
    parts = [ms_up, pan[None]] + ([base] if base is not None else [])
    x = np.concatenate(parts, axis=0).astype(np.float32, copy=False)
    if H > h or W > w:          # mirror padding at the bottom / right keeps the decimation phase
        x = np.pad(x, ((0, 0), (0, H - h), (0, W - w)), mode="symmetric")
    acc = np.zeros((c, H, W), np.float32)
    wsum = np.zeros((H, W), np.float32)
    pieces = [(y, xx) for y in ys for xx in xs]
    dev = torch.device(device)
    use_amp = dev.type == "cuda"
    ph = (int(phase[0]) % r, int(phase[1]) % r)
    i, bs = 0, max(1, int(batch))
    while i < len(pieces):
        chunk = pieces[i:i + bs]
        arr = np.stack([x[:, y:y + size, xx:xx + size] for y, xx in chunk])
        try:
            with torch.inference_mode(), torch.autocast(device_type=dev.type, dtype=torch.float16, enabled=use_amp):
                # channels-last: oneDNN's CPU convolutions are much faster on it at these widths
                t = torch.from_numpy(arr).to(dev).contiguous(memory_format=torch.channels_last)
                extra = {"base": t[:, c + 1:]} if base is not None else {}
                out = model(t[:, :c], t[:, c:c + 1], r, phase=ph, stage=stage, **extra).float().cpu().numpy()
        except torch.cuda.OutOfMemoryError:
            if bs == 1:
                raise
            torch.cuda.empty_cache()
            bs = max(1, bs // 2)            # retry the same pieces with a smaller batch
            continue
        for (y, xx), o in zip(chunk, out):
            wgt = np.outer(_ramp(size, ov, y > 0, y + size < H), _ramp(size, ov, xx > 0, xx + size < W))
            acc[:, y:y + size, xx:xx + size] += o * wgt
            wsum[y:y + size, xx:xx + size] += wgt
        i += len(chunk)
    return acc[:, :h, :w] / np.maximum(wsum[:h, :w], 1e-6)
