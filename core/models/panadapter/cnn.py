"""Stage-1 building blocks: EDSR-style residual CNN body, Local Prior Extraction (LPE), prior fusion.

The body is band-agnostic (feats -> feats), so one pre-trained body serves every band count: the input
heads (conv to ``feats``) are per band count and trainable.  ``CNNBody.tapped`` gives what one module per
block (the LPE modules) reads from each block's output, the "layers" of the paper.
"""
from __future__ import annotations

import torch
import torch.nn as nn

from ..blocks import ResBlock


class CNNBody(nn.Module):
    """A stack of residual blocks."""

    def __init__(self, feats: int, blocks: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(ResBlock(feats) for _ in range(blocks))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            x = blk(x)
        return x

    def tapped(self, x: torch.Tensor, taps) -> list[torch.Tensor]:
        """[taps[i](output of block i)]: only the taps' (narrower) outputs are kept, not every layer."""
        outs = []
        for blk, tap in zip(self.blocks, taps):
            x = blk(x)
            outs.append(tap(x))
        return outs


class LPE(nn.Module):
    """Local Prior Extraction on one CNN layer: 1x1 channel reduction, GELU, depthwise 3x3."""

    def __init__(self, feats: int, dim: int) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(feats, dim, 1)
        self.act = nn.GELU()
        self.dw = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dw(self.act(self.reduce(x)))


class PriorBranch(nn.Module):
    """Input head + frozen body + one LPE per layer + 1x1 fusion of the LPE outputs into a prior.

    ``unshuffle`` > 1 runs the body on the input pixel-unshuffled by that factor (cheaper at HR) and
    pixel-shuffles the prior back to the input's grid.
    """

    def __init__(self, in_ch: int, feats: int, blocks: int, lpe_dim: int, out_dim: int, unshuffle: int = 1) -> None:
        super().__init__()
        self.unshuffle = unshuffle
        self.head = nn.Conv2d(in_ch * unshuffle * unshuffle, feats, 3, padding=1)
        self.body = CNNBody(feats, blocks)
        self.lpe = nn.ModuleList(LPE(feats, lpe_dim) for _ in range(blocks))
        self.fuse = nn.Conv2d(lpe_dim * blocks, out_dim * unshuffle * unshuffle, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.unshuffle
        if s > 1:
            x = nn.functional.pixel_unshuffle(x, s)
        prior = self.fuse(torch.cat(self.body.tapped(self.head(x), self.lpe), dim=1))
        return nn.functional.pixel_shuffle(prior, s) if s > 1 else prior
