"""RFDN (residual feature distillation network, AIM 2020 efficient-SR winner): four distillation blocks with
enhanced spatial attention, concatenated, fused, and a pixel-shuffle tail.

Written from the architecture's description so that the authors' state dict (``rfdn_x4``) loads with
``strict=True``: the attribute names (``fea_conv``, ``B1`` ... ``B4``, ``c1_d``, ``esa.conv3_`` ...) are the
parameter-name components of that file.

Input: (N, 3, H, W) RGB in [0, 1], H and W >= 15 (the attention's stride-2 conv and 7x7 max-pool need
it); output (N, 3, sH, sW).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..config_keys import known_keys

MIN_SIDE = 15          # smallest input side the spatial attention's pooling accepts
SLOPE = 0.05           # leaky-ReLU slope used throughout the network


@dataclass
class RfdnConfig:
    in_chans: int = 3
    feats: int = 50
    blocks: int = 4                 # the weights name them B1 ... B4
    scale: int = 4
    out_chans: int = 3

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RfdnConfig:
        cfg = cls(**known_keys(cls, d, "RFDN config"))
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.feats < 4:
            raise ValueError("feats must be >= 4 (the attention works on feats // 4 channels)")
        if self.blocks < 1:
            raise ValueError("blocks must be >= 1")


def _conv(cin: int, cout: int, k: int, **kw) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, k, padding=kw.pop("padding", k // 2), **kw)


class SpatialAttention(nn.Module):
    """Enhanced spatial attention: a coarse (stride 2, max-pooled) map of a 4x narrower projection, upsampled
    bilinearly, gates the input through a sigmoid."""

    def __init__(self, ch: int):
        super().__init__()
        f = ch // 4
        self.conv1 = _conv(ch, f, 1)
        self.conv_f = _conv(f, f, 1)
        self.conv_max = _conv(f, f, 3)
        self.conv2 = _conv(f, f, 3, stride=2, padding=0)
        self.conv3 = _conv(f, f, 3)
        self.conv3_ = _conv(f, f, 3)
        self.conv4 = _conv(f, ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        narrow = self.conv1(x)
        coarse = F.max_pool2d(self.conv2(narrow), kernel_size=7, stride=3)
        coarse = F.relu(self.conv3(F.relu(self.conv_max(coarse))))
        coarse = F.interpolate(self.conv3_(coarse), size=x.shape[-2:], mode="bilinear", align_corners=False)
        return x * torch.sigmoid(self.conv4(coarse + self.conv_f(narrow)))


class DistillationBlock(nn.Module):
    """Three steps each keep a 1x1 'distilled' slice and refine the rest by a residual 3x3 conv; a last 3x3
    conv, then the four slices are fused by a 1x1 conv and gated by the spatial attention."""

    def __init__(self, ch: int):
        super().__init__()
        kept = ch // 2
        self.c1_d, self.c1_r = _conv(ch, kept, 1), _conv(ch, ch, 3)
        self.c2_d, self.c2_r = _conv(ch, kept, 1), _conv(ch, ch, 3)
        self.c3_d, self.c3_r = _conv(ch, kept, 1), _conv(ch, ch, 3)
        self.c4 = _conv(ch, kept, 3)
        self.c5 = _conv(kept * 4, ch, 1)
        self.esa = SpatialAttention(ch)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        kept = []
        r = x
        for distil, refine in ((self.c1_d, self.c1_r), (self.c2_d, self.c2_r), (self.c3_d, self.c3_r)):
            kept.append(F.leaky_relu(distil(r), SLOPE))
            r = F.leaky_relu(refine(r) + r, SLOPE)
        kept.append(F.leaky_relu(self.c4(r), SLOPE))
        return self.esa(self.c5(torch.cat(kept, dim=1)))


class Rfdn(nn.Module):
    """stem (``fea_conv``) -> distillation blocks -> 1x1 fusion of their outputs (``c``) -> 3x3 (``LR_conv``)
    + stem -> ``upsampler``; everything before the upsampler runs at the input scale."""

    def __init__(self, cfg: RfdnConfig | None = None):
        super().__init__()
        cfg = cfg or RfdnConfig()
        cfg.validate()
        self.cfg = cfg
        nf = cfg.feats
        self.fea_conv = _conv(cfg.in_chans, nf, 3)
        for i in range(cfg.blocks):
            self.add_module(f"B{i + 1}", DistillationBlock(nf))
        self.c = nn.Sequential(_conv(nf * cfg.blocks, nf, 1), nn.LeakyReLU(SLOPE))
        self.LR_conv = _conv(nf, nf, 3)
        self.upsampler = nn.Sequential(_conv(nf, cfg.out_chans * cfg.scale ** 2, 3), nn.PixelShuffle(cfg.scale))

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """Features at the input scale, (N, feats, H, W), before the upsampler."""
        if min(x.shape[-2:]) < MIN_SIDE:
            raise ValueError(f"RFDN needs inputs of at least {MIN_SIDE} x {MIN_SIDE} pixels, got "
                             f"{tuple(x.shape[-2:])}")
        stem = self.fea_conv(x)
        outs, h = [], stem
        for i in range(self.cfg.blocks):
            h = getattr(self, f"B{i + 1}")(h)
            outs.append(h)
        return self.LR_conv(self.c(torch.cat(outs, dim=1))) + stem

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.upsampler(self.forward_features(x))
