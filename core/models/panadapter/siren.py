"""SIREN implicit decoder (sine activations, Sitzmann et al. 2020) as per-pixel 1x1 convolutions."""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class SineConv(nn.Module):
    def __init__(self, cin: int, cout: int, w0: float, first: bool) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1)
        self.w0 = w0
        bound = (1.0 / cin) if first else math.sqrt(6.0 / cin) / w0
        nn.init.uniform_(self.conv.weight, -bound, bound)
        nn.init.uniform_(self.conv.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, cin, H, W) -> (B, cout, H, W)."""
        return self.pixelwise(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)

    def pixelwise(self, y: torch.Tensor) -> torch.Tensor:
        """The same layer on (..., cin) pixels-last values."""
        z = F.linear(y, self.conv.weight.flatten(1), self.conv.bias)
        return torch.sin(z if self.w0 == 1.0 else self.w0 * z)


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

    def forward(self, x, chunk: int = 8192) -> torch.Tensor:
        """x: (B, cin, H, W), or a sequence of (B, c_i, H, W) maps that make up the cin channels.

        Runs as matrix products over pixels in a channels-last layout: on the CPU that is several times
        faster than 1x1 convolutions on NCHW maps.  Without autograd the pixels go through in chunks of
        ``chunk`` (the hidden activations of a chunk stay in the CPU cache instead of whole-image buffers).
        Returns (B, cout, H, W) (channels-last memory)."""
        parts = [p.permute(0, 2, 3, 1) for p in ([x] if isinstance(x, torch.Tensor) else list(x))]
        b, h, w = parts[0].shape[:3]
        if torch.is_grad_enabled() or b * h * w <= chunk:
            return self._pixels(torch.cat(parts, dim=-1)).permute(0, 3, 1, 2)
        parts = [p.reshape(b * h * w, p.shape[-1]) for p in parts]
        out = torch.empty((b * h * w, self.out.out_channels), dtype=parts[0].dtype, device=parts[0].device)
        for i in range(0, b * h * w, chunk):
            out[i:i + chunk] = self._pixels(torch.cat([p[i:i + chunk] for p in parts], dim=-1))
        return out.view(b, h, w, -1).permute(0, 3, 1, 2)

    def _pixels(self, y: torch.Tensor) -> torch.Tensor:
        for layer in self.hidden:
            y = layer.pixelwise(y)
        return torch.nn.functional.linear(y, self.out.weight.flatten(1), self.out.bias)
