"""INFN's encoders: the EDSR bodies, the band-count-specific layers and the fixed high-pass of the LR latent."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..blocks import ResBlock


class EdsrBody(nn.Module):
    """EDSR-baseline body without head, upsampler or mean shift: blocks, a conv, a global skip."""

    def __init__(self, width: int, blocks: int, res_scale: float = 1.0):
        super().__init__()
        self.blocks = nn.Sequential(*[ResBlock(width, res_scale) for _ in range(blocks)])
        self.conv = nn.Conv2d(width, width, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv(self.blocks(x))


class InfnBandLayers(nn.Module):
    """The only band-count-specific layers: swap this module to move the model to another sensor pair."""

    def __init__(self, hsi_bands: int, msi_bands: int, spe_width: int, spa_width: int, dec_in: int,
                 srf_detail: bool = False):
        super().__init__()
        self.spe_in = nn.Conv2d(hsi_bands, spe_width, 3, padding=1)
        self.spa_in = nn.Conv2d(msi_bands + hsi_bands, spa_width, 3, padding=1)
        self.out = nn.Linear(dec_in, hsi_bands)
        # Start from the residual (the upsampled LR-HSI): the network first learns nothing harmful.
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        if srf_detail:
            # Optional linear path (scene adaptation): the MSI detail the upsampled HSI lacks, seen through the
            # spectral response (srf: HSI -> MSI, with offsets), injected into the HSI bands (inject: MSI -> HSI).
            self.srf = nn.Conv2d(hsi_bands, msi_bands, 1)
            self.inject = nn.Conv2d(msi_bands, hsi_bands, 1, bias=False)
            nn.init.zeros_(self.inject.weight)

    def detail(self, hr: torch.Tensor, lr_up: torch.Tensor) -> torch.Tensor | None:
        """The linear detail path's contribution (B, hsi, H, W), or None when the layers have none."""
        if not hasattr(self, "inject"):
            return None
        return self.inject(hr - self.srf(lr_up))

    @property
    def hsi_bands(self) -> int:
        return self.out.out_features

    @property
    def msi_bands(self) -> int:
        return self.spa_in.in_channels - self.out.out_features


class HighPass(nn.Module):
    """Fixed depthwise 3x3 zero-sum Laplacian, replicate borders; no parameters (a non-persistent buffer).

    FeINFN's kernel [[0,-1,0],[-1,1,-1],[0,-1,0]] sums to -3 (it also passes a scaled low-pass); the
    zero-sum version keeps only the high frequencies, which is the stated purpose.
    """

    def __init__(self) -> None:
        super().__init__()
        k = torch.tensor([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]]) / 4.0
        self.register_buffer("kernel", k[None, None], persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = x.shape[1]
        w = self.kernel.to(dtype=x.dtype).expand(c, 1, 3, 3)
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), w, groups=c)
