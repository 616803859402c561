"""The stage-2 transformer body: timm ``Block``s on a token grid, pre-trained on single-band restoration.

The body (blocks + final norm) is what is pre-trained and then frozen; the token embeddings are per use:
``RestorationViT`` (pre-training: one band, a learnable embedding per task, as IPT's task queries) and
PanAdapter's Q embedding (C + 1 bands, trainable).  No absolute position embedding: a depthwise 3x3
convolution on the token grid (conditional position encoding) lets one body run on any grid size.
"""
from __future__ import annotations

import torch
import torch.nn as nn
from timm.models.vision_transformer import Block


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
    """Pre-training wrapper: single-band image -> restored image (residual), one task embedding per task."""

    TASKS = ("sr2", "sr4", "denoise")

    def __init__(self, dim: int, depth: int, heads: int, mlp_ratio: float, patch: int) -> None:
        super().__init__()
        self.patch = patch
        self.embed = PatchEmbed(1, dim, patch)
        self.task_embed = nn.Parameter(torch.zeros(len(self.TASKS), dim))
        self.body = TransformerBody(dim, depth, heads, mlp_ratio)
        self.head = nn.Linear(dim, patch * patch)

    def forward(self, x: torch.Tensor, task: int) -> torch.Tensor:
        tok, grid = self.embed(x)
        tok = tok + self.task_embed[task]
        tok = self.body(tok)
        out = nn.functional.pixel_shuffle(tokens_to_map(self.head(tok), grid), self.patch)
        return x + out
