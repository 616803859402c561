"""SIREN implicit decoder (sine activations, Sitzmann et al. 2020) as per-pixel 1x1 convolutions."""
from __future__ import annotations

import math

import torch
import torch.nn as nn


class SineConv(nn.Module):
    def __init__(self, cin: int, cout: int, w0: float, first: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)
        self.w0 = w0
        bound = (1.0 / cin) if first else math.sqrt(6.0 / cin) / w0
        nn.init.uniform_(self.conv.weight, -bound, bound)
        nn.init.uniform_(self.conv.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sin(self.w0 * self.conv(x))


class SirenDecoder(nn.Module):
    """in -> (hidden, sin) x layers -> out (linear).  ``zero_out``: the output layer starts at zero, so
    the decoder starts as "no change" to whatever residual it is added to."""

    def __init__(self, cin: int, hidden: int, cout: int, layers: int = 2, w0: float = 1.0,
                 zero_out: bool = False) -> None:
        super().__init__()
        mods = []
        c = cin
        for i in range(layers):
            mods.append(SineConv(c, hidden, w0, first=(i == 0)))
            c = hidden
        self.hidden = nn.Sequential(*mods)
        self.out = nn.Conv2d(c, cout, 1)
        if zero_out:
            nn.init.zeros_(self.out.weight)
            nn.init.zeros_(self.out.bias)
        else:
            nn.init.uniform_(self.out.weight, -1e-3, 1e-3)
            nn.init.zeros_(self.out.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.hidden(x))
