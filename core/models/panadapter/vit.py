"""The stage-2 transformer body: timm ``Block``s on a token grid, pre-trained on single-band restoration.

The body (its blocks; the final norm only in the first, "raw" pre-training) is what is pre-trained and then
frozen; the token embeddings are per use: ``RestorationViT`` (pre-training: one band, a learnable embedding
per task, as IPT's task queries) and PanAdapter's Q embedding (C + 1 bands, trainable).  Both embed the
same kind of input, raw values or ``detail`` (``PanAdapterConfig.vit_input``).  No absolute position
embedding: a depthwise 3x3 convolution on the token grid (conditional position encoding) lets one body run
on any grid size.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ...triton_block import block_triton

block_triton()              # timm would load triton, which crashes QGIS Desktop (core/triton_block.py)
from timm.models.vision_transformer import Block  # noqa: E402

DETAIL_WINDOW, DETAIL_GAIN = 9, 10.0


def detail(x: torch.Tensor) -> torch.Tensor:
    """Each pixel minus the mean of its 9 x 9 window (borders replicated), times 10.

    Normalised reflectance is dominated by its local mean (about 0.4) while the detail a restorer must
    produce is about 0.01: on raw values the tokens' LayerNorms see almost only the mean level, and the
    pre-trained transformer learned nothing (validation PSNR at or below its input on every task)."""
    r, k, c = DETAIL_WINDOW // 2, DETAIL_WINDOW, x.shape[1]
    padded = F.pad(x, (r, r, r, r), mode="replicate")
    # separable (2k, not k², adds) depthwise box convolutions: on the CPU twice as fast as avg_pool2d
    box = x.new_full((c, 1, k, 1), 1.0 / k)
    mean = F.conv2d(F.conv2d(padded, box, groups=c), box.transpose(2, 3), groups=c)
    return (x - mean) * DETAIL_GAIN


def token_input(x: torch.Tensor, kind: str) -> torch.Tensor:
    """What a patch embedding reads for ``PanAdapterConfig.vit_input`` = ``kind``: ``x`` or ``detail(x)``."""
    return detail(x) if kind == "detail" else x


class TransformerBody(nn.Module):
    def __init__(self, dim: int, depth: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(dim, heads, mlp_ratio=mlp_ratio, qkv_bias=True) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        for blk in self.blocks:
            tokens = blk(tokens)
        return self.norm(tokens)


class PatchEmbed(nn.Module):
    """(B, cin, H, W) -> tokens (B, H/p * W/p, dim): p x p patch projection + depthwise positional conv."""

    def __init__(self, cin: int, dim: int, patch: int) -> None:
        super().__init__()
        self.proj = nn.Conv2d(cin, dim, patch, stride=patch)
        self.pos = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int]]:
        t = self.proj(x)
        t = t + self.pos(t)
        grid = (t.shape[-2], t.shape[-1])
        return t.flatten(2).transpose(1, 2), grid


def tokens_to_map(tokens: torch.Tensor, grid: tuple[int, int]) -> torch.Tensor:
    b, n, c = tokens.shape
    return tokens.transpose(1, 2).reshape(b, c, grid[0], grid[1])


class RestorationViT(nn.Module):
    """Pre-training wrapper: single-band image -> restored image (residual), one task embedding per task.

    ``tokens`` "raw" (the first bundled bodies): raw values in, the head reads the body's final norm.
    "detail": ``detail(x)`` in, a zero-initialised head (training starts at the identity) that reads the
    blocks' residual stream, the tokens PanAdapter's adapters see (they never use the final norm)."""

    TASKS = ("sr2", "sr4", "denoise")

    def __init__(self, dim: int, depth: int, heads: int, mlp_ratio: float, patch: int, tokens: str = "raw") -> None:
        super().__init__()
        self.patch, self.tokens = patch, tokens
        self.embed = PatchEmbed(1, dim, patch)
        self.task_embed = nn.Parameter(torch.zeros(len(self.TASKS), dim))
        self.body = TransformerBody(dim, depth, heads, mlp_ratio)
        self.head = nn.Linear(dim, patch * patch)
        if tokens == "detail":
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(self, x: torch.Tensor, task: int) -> torch.Tensor:
        tok, grid = self.embed(token_input(x, self.tokens))
        tok = tok + self.task_embed[task]
        if self.tokens == "detail":
            for blk in self.body.blocks:
                tok = blk(tok)
        else:
            tok = self.body(tok)
        out = F.pixel_shuffle(tokens_to_map(self.head(tok), grid), self.patch)
        return x + out
