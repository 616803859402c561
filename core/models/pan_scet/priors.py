"""Local Prior Extraction: a spectral prior of the LR-MS and a spatial prior of the PAN, at the MS scale.

Each prior is a new trainable input head followed by the frozen pre-trained RFDN body (its distillation
blocks, fusion and LR convolution, everything before its upsampler; one copy shared by all priors, as its
weights are the same), as the paper puts pre-trained CNN bodies behind new heads; ``prior="cnn"`` swaps the frozen
body for two small trainable convolutions.
"""
from __future__ import annotations

import torch
from torch import nn

from ..pretrained.rfdn import Rfdn, RfdnConfig


def rfdn_body(feats: int, blocks: int) -> Rfdn:
    """RFDN without its stem (a head replaces it) and its upsampler (the priors stay at the work scale)."""
    body = Rfdn(RfdnConfig(feats=feats, blocks=blocks))
    del body.fea_conv, body.upsampler
    return body


class RfdnPrior(nn.Module):
    """head (new, trainable) -> RFDN body (frozen, shared by every prior) -> 1x1 projection (trainable)."""

    def __init__(self, in_ch: int, out_dim: int, body: Rfdn):
        super().__init__()
        self.head = nn.Conv2d(in_ch, body.cfg.feats, 3, padding=1)
        self._body = [body]                  # a plain list: the body is registered once, by the network
        self.proj = nn.Conv2d(body.cfg.feats, out_dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stem = self.head(x)
        b, h = self._body[0], stem
        outs = []
        for i in range(b.cfg.blocks):
            h = getattr(b, f"B{i + 1}")(h)
            outs.append(h)
        return self.proj(b.LR_conv(b.c(torch.cat(outs, dim=1))) + stem)


class CnnPrior(nn.Module):
    """The cheap variant: two trainable 3x3 convolutions."""

    def __init__(self, in_ch: int, out_dim: int, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(in_ch, width, 3, padding=1), nn.GELU(),
                                 nn.Conv2d(width, out_dim, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
