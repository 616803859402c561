"""Ablation baseline: a plain PNN-like CNN (Masi et al. 2016) with a residual on the interpolated MS or,
like the bundled PanAdapter networks, on a classical fusion (``base`` = "mtf_glp_hpm")."""
from __future__ import annotations

from types import SimpleNamespace

import torch
import torch.nn as nn


class PNNLike(nn.Module):
    def __init__(self, bands: int, width: int = 48, base: str = "ms_up") -> None:
        super().__init__()
        self.bands = bands
        self.cfg = SimpleNamespace(base=base, patch=8, spatial_unshuffle=1)
        self.net = nn.Sequential(
            nn.Conv2d(bands + 1, width, 9, padding=4), nn.ReLU(inplace=True),
            nn.Conv2d(width, width // 2, 5, padding=2), nn.ReLU(inplace=True),
            nn.Conv2d(width // 2, bands, 5, padding=2))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, ms_up: torch.Tensor, pan: torch.Tensor, ratio: int = 0, phase=None, stage=None,
                base=None) -> torch.Tensor:
        res = ms_up if base is None or self.cfg.base == "ms_up" else base
        return res + self.net(torch.cat([ms_up, pan], dim=1))
