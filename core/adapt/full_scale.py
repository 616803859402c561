"""Full-resolution terms of a pansharpening scene adaptation (after Z-PNN / lambda-PNN, Ciotola et al.).

A network adapted only on the scene reduced by the ratio (Wald) learns that scale, not the one it fuses at.
These terms need no reference, so they work on the scene as the user gives it:
  * spectral consistency: the fused crop, filtered with each band's MTF and decimated onto the MS grid,
    should give the MS (band-weighted L1, as the Wald loss);
  * spatial consistency: each fused band's local correlation with the PAN (box windows of 2 r + 1 pixels)
    should reach rho_max, the local correlation of the interpolated MS band with the MTF-filtered PAN at the
    same place: a loss where it falls short, none above it (the MS says how PAN-like a band can be there).
The kernel is the band's MTF kernel cut where it falls below 1e-3 of its peak (renormalised), and the
spectral term skips the crop border that kernel reaches past.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .. import filters
from ..errors import Cancelled
from . import panadapter_adapt as PA

KERNEL_FLOOR = 1e-3      # kernel taps below this fraction of the peak are dropped


@dataclass
class FullScaleBlock:
    """One sample block at the scene's own scale, phase-aligned: LR pixel centres at rows / columns
    r // 2 + r i (normalised values, as the Wald pairs)."""
    ms_up: np.ndarray        # (C, H, W)
    pan: np.ndarray          # (H, W)
    base: np.ndarray         # (C, H, W) the classical fusion the network refines
    rho_max: np.ndarray      # (C, H, W)


def mtf_weights(gains, ratio: int, bands: int) -> torch.Tensor:
    """(bands, 1, k, k) depthwise kernels of the bands' MTFs (``gains``: one, or one per band), truncated
    (KERNEL_FLOOR) and renormalised."""
    kernels = [filters.mtf_kernel(float(g), int(ratio)) for g in filters.band_gains(gains, bands)]
    rad = 0
    for k in kernels:
        c = k.shape[0] // 2
        keep = np.argwhere(np.abs(k) >= KERNEL_FLOOR * np.abs(k).max())
        rad = max(rad, int(np.abs(keep - c).max()))
    out = []
    for k in kernels:
        c = k.shape[0] // 2
        k = k[c - rad:c + rad + 1, c - rad:c + rad + 1]
        out.append(k / k.sum())
    return torch.from_numpy(np.stack(out)[:, None].astype(np.float32))


def local_correlation(a: torch.Tensor, b: torch.Tensor, window: int) -> torch.Tensor:
    """Pearson correlation of ``a`` (B, C, H, W) and ``b`` (B, 1 or C, H, W) in every window x window box
    (valid positions only)."""
    mean = lambda x: F.avg_pool2d(x, window, stride=1)  # noqa: E731
    ma, mb = mean(a), mean(b)
    cov = mean(a * b) - ma * mb
    va = (mean(a * a) - ma * ma).clamp_min(0.0)
    vb = (mean(b * b) - mb * mb).clamp_min(0.0)
    return cov / torch.sqrt(va * vb + 1e-10)


def correlation_window(ratio: int) -> int:
    return 2 * int(ratio) + 1


def blocks(samples, ratio: int, gnyq_pan: float, k: float, base_of, is_cancelled=None) -> list[FullScaleBlock]:
    """The engine's sample tiles as FullScaleBlocks: values times ``k`` (the network's scaling), the base from
    ``base_of(tile)`` (the prepared classical method), cut so that the phase is r // 2."""
    r = int(ratio)
    win = correlation_window(r)
    out = []
    for t in samples:
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        oy, ox = ((int(t.phase[0]) - r // 2) % r, (int(t.phase[1]) - r // 2) % r)
        ms_up = t.lr_up[:, oy:, ox:].astype(np.float32) * np.float32(k)
        pan = t.hr[0, oy:, ox:].astype(np.float32) * np.float32(k)
        base = np.asarray(base_of(t), np.float32)[:, oy:, ox:] * np.float32(k)
        h, w = pan.shape
        h, w = h // r * r, w // r * r
        if min(h, w) < 4 * r or min(h, w) < win:
            continue
        ms_up, pan, base = ms_up[:, :h, :w], pan[:h, :w], base[:, :h, :w]
        pan_lp = filters.mtf_filter(pan, gnyq_pan, r).astype(np.float32)
        with torch.no_grad():
            rho = local_correlation(torch.from_numpy(ms_up)[None], torch.from_numpy(pan_lp)[None, None], win)[0]
        pad = win // 2
        rho = F.pad(rho[None], (pad, pad, pad, pad), mode="replicate")[0].clamp(0.0, 1.0).numpy()
        out.append(FullScaleBlock(np.ascontiguousarray(ms_up), np.ascontiguousarray(pan),
                                  np.ascontiguousarray(base), np.ascontiguousarray(rho)))
    return out


def crop_batch(blocks_: list[FullScaleBlock], n: int, size: int, r: int, rng) -> list[torch.Tensor]:
    """(ms_up, pan, base, rho_max) tensors of ``n`` random size x size crops at multiples of r (the phase kept)."""
    return PA.crop_batch([(b.ms_up, b.pan, b.base, b.rho_max) for b in blocks_], n, size, r, rng)


def spectral_loss(pred: torch.Tensor, ms_up: torch.Tensor, kernels: torch.Tensor, r: int,
                  bw: torch.Tensor) -> torch.Tensor:
    """Band-weighted L1 between the MTF-filtered, decimated prediction and the MS (its LR pixel centres)."""
    rad = kernels.shape[-1] // 2
    low = F.conv2d(pred, kernels.to(pred.dtype), groups=pred.shape[1])          # valid: rows rad .. H - rad
    p = r // 2
    first = max(0, -(-(rad - p) // r))         # first LR row whose whole kernel lies inside the crop
    start = p + first * r - rad
    dec = low[..., start::r, start::r]
    ref = ms_up[..., p + first * r::r, p + first * r::r][..., :dec.shape[-2], :dec.shape[-1]]
    return ((dec - ref).abs() * bw).mean()


def spatial_loss(pred: torch.Tensor, pan: torch.Tensor, rho_max: torch.Tensor, r: int) -> torch.Tensor:
    """Mean shortfall of each band's local correlation with the PAN below rho_max."""
    win = correlation_window(r)
    rho = local_correlation(pred, pan, win)
    pad = win // 2
    target = rho_max[..., pad:pad + rho.shape[-2], pad:pad + rho.shape[-1]]
    return (target - rho).clamp_min(0.0).mean()
