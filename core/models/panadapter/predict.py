"""Batched inference of a PanAdapter-type network on an image of any size.

Everything in a PanAdapter but the transformer stage is convolutional or per pixel (the CNN priors, Tail1,
Tail2), so it runs once over the whole image.  The transformer attends over all tokens of its input, so
only the stage-2 token features are computed on ``patch``-square pieces (multiples of the token size and of
the ratio, origins on multiples of the ratio so that every piece keeps the image's decimation phase)
overlapping by ``overlap`` pixels and blended with the engine's raised cosine (core.tiling) before Tail2
decodes them.  Other networks (the PNN-like ablation) run whole pieces, blended the same way.  Edges are
mirror-padded up to the piece grid.  On CUDA the network runs under autocast (float16), and an out-of-memory error
halves the batch and retries (a whole-image stage that does not fit falls back to whole pieces).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ...tiling import Window, taper


def _starts(n: int, size: int, step: int, r: int) -> list[int]:
    """Piece origins (multiples of r) covering 0..n; the last may reach past n (the caller pads)."""
    s = [0]
    while s[-1] + size < n:
        s.append(min(s[-1] + step, -(-(n - size) // r) * r))
    return s


class _PieceGrid:
    """The square piece windows of an (H, W) image, padded up to ``H`` x ``W``, and their blending weights."""

    def __init__(self, h: int, w: int, unit: int, patch: int, overlap: int, r: int) -> None:
        self.size = size = max(unit, min(patch, max(-(-h // unit), -(-w // unit)) * unit) // unit * unit)
        self.ov = min(overlap, size // 4) // r * r
        step = max(r, (size - self.ov) // r * r)
        ys, xs = _starts(h, size, step, r), _starts(w, size, step, r)
        self.H, self.W = ys[-1] + size, xs[-1] + size
        self.windows = [Window(y, x, size, size) for y in ys for x in xs]

    def weight(self, win: Window) -> np.ndarray:
        """(size, size) weights: a raised-cosine ramp over the overlap on each side with a neighbour."""
        ov = self.ov
        return np.outer(taper(win.height, ov if win.row_off > 0 else 0, ov if win.row_end < self.H else 0),
                        taper(win.width, ov if win.col_off > 0 else 0, ov if win.col_end < self.W else 0))


def _run_batched(fn, n: int, batch: int, on_cuda: bool):
    """fn(i, j) over [0, n) in chunks of ``batch``; on CUDA out-of-memory the chunk is retried halved."""
    i, bs = 0, max(1, int(batch))
    while i < n:
        j = min(n, i + bs)
        try:
            fn(i, j)
        except torch.cuda.OutOfMemoryError:
            if bs == 1 or not on_cuda:
                raise
            torch.cuda.empty_cache()
            bs = max(1, bs // 2)
            continue
        i = j


def predict_image(model, ms_up: np.ndarray, pan: np.ndarray, ratio: int, phase=(0, 0), device="cpu",
                  patch: int = 128, overlap: int = 16, batch: int = 8, stage: int | None = None,
                  base: np.ndarray | None = None) -> np.ndarray:
    """(C, H, W) float32 fused image from normalised ``ms_up`` (C, H, W), ``pan`` (H, W) and, for networks
    with a classical residual base, ``base`` (C, H, W)."""
    r = int(ratio)
    c, h, w = ms_up.shape
    cfg = getattr(model, "cfg", None)
    unit = math.lcm(getattr(cfg, "patch", 8), getattr(cfg, "spatial_unshuffle", 1), r)
    grid = _PieceGrid(h, w, unit, patch, overlap, r)
    parts = [ms_up, pan[None]] + ([base] if base is not None else [])
    x = np.concatenate(parts, axis=0).astype(np.float32, copy=False)
    if grid.H > h or grid.W > w:       # mirror padding at the bottom / right keeps the decimation phase
        x = np.pad(x, ((0, 0), (0, grid.H - h), (0, grid.W - w)), mode="symmetric")
    dev = torch.device(device)
    ph = (int(phase[0]) % r, int(phase[1]) % r)
    if hasattr(model, "stage2_features"):
        try:
            return _predict_whole(model, x, c, grid, r, ph, dev, batch, stage, base is not None)[:, :h, :w]
        except torch.cuda.OutOfMemoryError:
            torch.cuda.empty_cache()
    return _predict_by_pieces(model, x, c, grid, r, ph, dev, batch, stage, base is not None)[:, :h, :w]


def _to_device(a: np.ndarray, dev: torch.device) -> torch.Tensor:
    # channels-last: oneDNN's CPU convolutions are much faster on it at these widths
    return torch.from_numpy(np.ascontiguousarray(a)).to(dev).contiguous(memory_format=torch.channels_last)


def _predict_whole(model, x, c, grid: _PieceGrid, r, ph, dev, batch, stage, has_base) -> np.ndarray:
    """Stage 1 and Tail2 over the whole image, the stage-2 token features by blended pieces."""
    with torch.inference_mode(), torch.autocast(device_type=dev.type, dtype=torch.float16, enabled=dev.type == "cuda"):
        t = _to_device(x[None], dev)
        ms_up, pan = t[:, :c], t[:, c:c + 1]
        base = model.residual_base(ms_up, t[:, c + 1:] if has_base else None)
        q, a_hr, b, o1 = model.priors(ms_up, pan, r, ph, base)
        if model.output_stage(stage) == 1:
            return o1[0].float().cpu().numpy()
        vq = model.vit_input_map(q)
        dec = torch.zeros((1, model.cfg.tail2_feats, grid.H, grid.W), device=dev, dtype=torch.float32)
        wsum = torch.zeros((grid.H, grid.W), device=dev, dtype=torch.float32)

        def run(i, j):
            chunk = grid.windows[i:j]
            cut = [torch.cat([m[(..., *win.slices())] for win in chunk]) for m in (vq, a_hr, b)]
            f = model.stage2_features(*cut).float()
            for win, fi in zip(chunk, f):
                rows, cols = win.slices()
                wgt = torch.from_numpy(grid.weight(win)).to(dev)
                dec[0, :, rows, cols] += fi * wgt
                wsum[rows, cols] += wgt

        _run_batched(run, len(grid.windows), batch, dev.type == "cuda")
        vq = None                       # a whole-tile map Tail2 does not read: freed before its buffers
        dec = (dec / wsum.clamp_min(1e-6)).to(q.dtype).contiguous(memory_format=torch.channels_last)
        return model.stage2_output(o1, dec, q, a_hr, b, base)[0].float().cpu().numpy()


def _predict_by_pieces(model, x, c, grid: _PieceGrid, r, ph, dev, batch, stage, has_base) -> np.ndarray:
    """The whole network on each piece, outputs blended."""
    acc = np.zeros((c, grid.H, grid.W), np.float32)
    wsum = np.zeros((grid.H, grid.W), np.float32)

    def run(i, j):
        chunk = grid.windows[i:j]
        with torch.inference_mode(), torch.autocast(device_type=dev.type, dtype=torch.float16,
                                                    enabled=dev.type == "cuda"):
            t = _to_device(np.stack([x[(slice(None), *win.slices())] for win in chunk]), dev)
            extra = {"base": t[:, c + 1:]} if has_base else {}
            out = model(t[:, :c], t[:, c:c + 1], r, phase=ph, stage=stage, **extra).float().cpu().numpy()
        for win, o in zip(chunk, out):
            rows, cols = win.slices()
            wgt = grid.weight(win)
            acc[:, rows, cols] += o * wgt
            wsum[rows, cols] += wgt

    _run_batched(run, len(grid.windows), batch, dev.type == "cuda")
    return acc / np.maximum(wsum, 1e-6)
