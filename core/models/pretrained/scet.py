"""SCET (NTIRE 2022 efficient-SR entry): self-calibrated convolution blocks, one transposed-attention transformer
block and a pixel-shuffle tail, plus a second pixel-shuffle path straight from the stem.

Written from the architecture's description so that the authors' state dict (``scet_x4``) loads with
``strict=True``: every attribute name below is a parameter-name component of that file (``conv3``, ``path1``,
``arr``, ``PAConv``, ``norm1.body`` ...), which is why some names are not the ones this project would choose.

Input: (N, 3, H, W) RGB in [0, 1]; output (N, 3, sH, sW).  Any H, W >= 1.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..config_keys import known_keys


@dataclass
class ScetConfig:
    in_chans: int = 3
    dim: int = 64                   # feature channels of the stem and the body
    scpa_blocks: int = 16           # self-calibrated blocks
    scpa_reduction: int = 2         # each SCPA branch has dim / reduction channels
    attn_blocks: int = 1            # transposed-attention transformer blocks after them
    heads: int = 8
    ffn_expansion: float = 2.66     # gated feed-forward hidden width = int(dim * ffn_expansion)
    scale: int = 4
    out_chans: int = 3

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ScetConfig:
        cfg = cls(**known_keys(cls, d, "SCET config"))
        cfg.validate()
        return cfg

    def validate(self) -> None:
        if self.dim % self.heads or self.dim % self.scpa_reduction:
            raise ValueError("dim must be a multiple of heads and of scpa_reduction")
        if self.dim % (self.scale ** 2):
            raise ValueError("dim must be a multiple of scale**2 (pixel shuffle)")


# ------------------------------------------------------------------------------------------------
# Self-calibrated convolution block
# ------------------------------------------------------------------------------------------------

class PixelAttentionConv(nn.Module):
    """3x3 conv gated per pixel and channel by sigmoid(1x1 conv(x)), then another 3x3 conv."""

    def __init__(self, ch: int):
        super().__init__()
        self.k2 = nn.Conv2d(ch, ch, 1)
        self.k3 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)
        self.k4 = nn.Conv2d(ch, ch, 3, padding=1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.k4(self.k3(x) * torch.sigmoid(self.k2(x)))


class SelfCalibratedBlock(nn.Module):
    """Two half-width branches (plain 3x3, pixel-attention conv) merged by a 1x1 conv, with a skip."""

    def __init__(self, dim: int, reduction: int = 2):
        super().__init__()
        half = dim // reduction
        self.conv1_a = nn.Conv2d(dim, half, 1, bias=False)
        self.conv1_b = nn.Conv2d(dim, half, 1, bias=False)
        self.k1 = nn.Sequential(nn.Conv2d(half, half, 3, padding=1, bias=False))
        self.PAConv = PixelAttentionConv(half)
        self.conv3 = nn.Conv2d(half * reduction, dim, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = F.leaky_relu(self.conv1_a(x), 0.2)
        b = F.leaky_relu(self.conv1_b(x), 0.2)
        a = F.leaky_relu(self.k1(a), 0.2)
        b = F.leaky_relu(self.PAConv(b), 0.2)
        return x + self.conv3(torch.cat([a, b], dim=1))


# ------------------------------------------------------------------------------------------------
# Transposed-attention transformer block (attention across channels, linear in the pixel count)
# ------------------------------------------------------------------------------------------------

class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of an (N, C, H, W) map at every pixel (eps 1e-5, biased variance)."""

    def __init__(self, dim: int):
        super().__init__()
        self.body = nn.LayerNorm(dim, eps=1e-5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class TransposedAttention(nn.Module):
    """Heads attend over channels: a (C/h x C/h) map per head from L2-normalised q, k along the pixels."""

    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.qkv = nn.Conv2d(dim, dim * 3, 1, bias=False)
        self.qkv_dwconv = nn.Conv2d(dim * 3, dim * 3, 3, padding=1, groups=dim * 3, bias=False)
        self.project_out = nn.Conv2d(dim, dim, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q, k, v = self.qkv_dwconv(self.qkv(x)).reshape(n, 3, self.heads, c // self.heads, h * w).unbind(1)
        q = F.normalize(q, dim=-1)
        k = F.normalize(k, dim=-1)
        attn = (q @ k.transpose(-2, -1) * self.temperature).softmax(dim=-1)
        return self.project_out((attn @ v).reshape(n, c, h, w))


class GatedDwFeedForward(nn.Module):
    """1x1 up to two halves, depthwise 3x3, GELU(first half) x second half, 1x1 down."""

    def __init__(self, dim: int, expansion: float):
        super().__init__()
        hidden = int(dim * expansion)
        self.project_in = nn.Conv2d(dim, hidden * 2, 1, bias=False)
        self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, 3, padding=1, groups=hidden * 2, bias=False)
        self.project_out = nn.Conv2d(hidden, dim, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate, value = self.dwconv(self.project_in(x)).chunk(2, dim=1)
        return self.project_out(F.gelu(gate) * value)


class TransposedTransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, expansion: float):
        super().__init__()
        self.norm1 = ChannelLayerNorm(dim)
        self.attn = TransposedAttention(dim, heads)
        self.norm2 = ChannelLayerNorm(dim)
        self.ffn = GatedDwFeedForward(dim, expansion)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.ffn(self.norm2(x))


class BlockStack(nn.Module):
    """Blocks applied in order; a module of its own because the weights name its list ``arr``."""

    def __init__(self, blocks):
        super().__init__()
        self.arr = nn.ModuleList(blocks)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.arr:
            x = block(x)
        return x


# ------------------------------------------------------------------------------------------------
# The network
# ------------------------------------------------------------------------------------------------

class Scet(nn.Module):
    """stem (``conv3``) -> body path (``path1``: SCPA stack, transformer stack, 3x3 conv, shuffle, 3x3 conv)
    + a shortcut path (``path2``: shuffle, 3x3 conv) from the stem."""

    BODY_STAGES = 3                 # path1[0:3] run at the input scale: the frozen body

    def __init__(self, cfg: ScetConfig | None = None):
        super().__init__()
        cfg = cfg or ScetConfig()
        cfg.validate()
        self.cfg = cfg
        d, s = cfg.dim, cfg.scale
        self.conv3 = nn.Conv2d(cfg.in_chans, d, 3, padding=1)
        self.path1 = nn.Sequential(
            BlockStack([SelfCalibratedBlock(d, cfg.scpa_reduction) for _ in range(cfg.scpa_blocks)]),
            BlockStack([TransposedTransformerBlock(d, cfg.heads, cfg.ffn_expansion) for _ in range(cfg.attn_blocks)]),
            nn.Conv2d(d, d, 3, padding=1),
            nn.PixelShuffle(s),
            nn.Conv2d(d // s ** 2, cfg.out_chans, 3, padding=1),
        )
        self.path2 = nn.Sequential(nn.PixelShuffle(s), nn.Conv2d(d // s ** 2, cfg.out_chans, 3, padding=1))

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        """(stem, body) features at the input scale, both (N, dim, H, W)."""
        stem = self.conv3(x)
        return stem, self.path1[:self.BODY_STAGES](stem)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        stem, feats = self.forward_features(x)
        return self.path1[self.BODY_STAGES:](feats) + self.path2(stem)
