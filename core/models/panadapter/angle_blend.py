"""Spectral-direction blending: keep the network's per-pixel brightness, pull its spectral direction towards the
interpolated MS's by a factor chosen on the scene.

Where the PAN does not cover the MS bands (Sentinel-2 red edge sharpened by a visible PAN), injected detail
turns spectral angles; the interpolated MS keeps them (that is why Brovey's SAM equals the interpolation's).
``blend(out, ms_up, a)`` = |out| * unit((1 - a) unit(out) + a unit(ms_up)): a = 0 leaves the network output,
a = 1 gives it the interpolated MS's angles.  Scene adaptation picks ``a`` on its held-out reduced-resolution
crops (``choose``); the bundled networks run with a = 0.
"""
from __future__ import annotations

import torch

from ... import metrics

STEPS = (0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 1.0)
# A blend must lower loss(a) / loss(0) + angle(a) / angle(0) (2 at a = 0) by at least this much: smaller
# gains on the check crops did not carry over to the scene (docs/models/panadapter.md; the adapted rows of
# bench/results/panadapter_quality.md).
MIN_GAIN = 0.05


def blend(out: torch.Tensor, ms_up: torch.Tensor, alpha: float, dim: int = -3) -> torch.Tensor:
    """``out`` with its spectral direction (over ``dim``) mixed with that of ``ms_up``; pixels where either has
    zero length keep ``out``."""
    if alpha <= 0:
        return out
    n_out = out.norm(dim=dim, keepdim=True)
    n_ms = ms_up.norm(dim=dim, keepdim=True)
    ok = (n_out > 0) & (n_ms > 0)
    mixed = (1 - alpha) * out / n_out.clamp_min(1e-12) + alpha * ms_up / n_ms.clamp_min(1e-12)
    res = mixed * (n_out / mixed.norm(dim=dim, keepdim=True).clamp_min(1e-12))
    return torch.where(ok, res, out)


def batch_sam(a: torch.Tensor, b: torch.Tensor) -> float:
    """core.metrics.sam (degrees) over every pixel of (B, C, H, W) batches, or of (C, H, W) images."""
    def cube(t):
        t = t.detach().float().cpu()
        return (t.transpose(0, 1).reshape(t.shape[1], -1, t.shape[-1]) if t.ndim == 4 else t).numpy()
    return metrics.sam(cube(a), cube(b))


def choose(pred: torch.Tensor, ms_up: torch.Tensor, ref: torch.Tensor, loss_fn) -> tuple[float, list]:
    """The blend factor from STEPS minimising loss(a) / loss(0) + angle(a) / angle(0) against ``ref`` (relative
    error and relative spectral angle count alike), or 0 when that sum does not drop by MIN_GAIN; returns
    (a, [(a, loss, angle), ...])."""
    rows = []
    for a in STEPS:
        b = blend(pred, ms_up, a)
        rows.append((a, float(loss_fn(b, ref)), batch_sam(b, ref)))
    l0, s0 = max(rows[0][1], 1e-12), max(rows[0][2], 1e-12)
    score = {r[0]: r[1] / l0 + r[2] / s0 for r in rows}
    best = min(STEPS, key=lambda a: (score[a], a))
    return (best if score[best] <= 2.0 - MIN_GAIN else 0.0), [(a, round(loss, 6), round(s, 6)) for a, loss, s in rows]
