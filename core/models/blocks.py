"""Network parts that more than one engine uses."""
from __future__ import annotations

import torch
import torch.nn as nn


class ResBlock(nn.Module):
    """EDSR residual block: conv3x3 - ReLU - conv3x3, scaled by ``res_scale``, plus the input (no batch norm).

    The attribute names (conv1, act, conv2) are the state-dict keys of the bundled PanAdapter and INFN weights."""

    def __init__(self, feats: int, res_scale: float = 1.0) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(feats, feats, 3, padding=1)
        self.act = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(feats, feats, 3, padding=1)
        self.res_scale = res_scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.res_scale * self.conv2(self.act(self.conv1(x)))
