"""Stage-2 adapters: Cascade Token Fusioner (CTF) and Cascade Token Injector (CTI).

One ``AdapterLayer`` sits after every t frozen transformer blocks.  With v = Linear(F_vit) (the transformer
tokens seen at the adapter width k):

  CTF, per branch (spatial shown, spectral symmetric; both use the *previous* tokens of the other branch):
      w      = sigmoid(MLP(F_spe))                   gating by the other branch
      F~     = F_spa * w + F_spa
      F~     = F~ + MHA(query = v, key = value = LN(F~))   cross-attention with the transformer tokens
      F'spa  = F~ + FFN(LN(F~))
  CTI:
      F_fus  = Linear_2k->k([F'spa, F'spe])
      F_vit  = F_vit + Linear_k->D(s * MHA(query = LN(F_fus), key = value = v)),  s learnable, starts at 0
"""
from __future__ import annotations

import torch
import torch.nn as nn


class GatingMLP(nn.Module):
    def __init__(self, k: int) -> None:
        super().__init__()
        hidden = max(4, k // 4)
        self.fc1 = nn.Linear(k, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc2(self.act(self.fc1(x))))


class FFN(nn.Module):
    def __init__(self, k: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(k, k)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(k, k)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class CTFBranch(nn.Module):
    """The CTF update of one branch, gated by the other branch and attending to the transformer tokens."""

    def __init__(self, k: int, heads: int) -> None:
        super().__init__()
        self.gate = GatingMLP(k)
        self.norm_kv = nn.LayerNorm(k)
        self.norm_q = nn.LayerNorm(k)
        self.attn = nn.MultiheadAttention(k, heads, batch_first=True)
        self.norm_ffn = nn.LayerNorm(k)
        self.ffn = FFN(k)

    def forward(self, own: torch.Tensor, other: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        x = own * self.gate(other) + own
        kv = self.norm_kv(x)
        x = x + self.attn(self.norm_q(v), kv, kv, need_weights=False)[0]
        return x + self.ffn(self.norm_ffn(x))


class CTI(nn.Module):
    """Injects the fused branches into the transformer stream, scaled by a zero-initialised factor."""

    def __init__(self, k: int, dim: int, heads: int) -> None:
        super().__init__()
        self.fuse = nn.Linear(2 * k, k)
        self.norm_q = nn.LayerNorm(k)
        self.attn = nn.MultiheadAttention(k, heads, batch_first=True)
        self.out = nn.Linear(k, dim)
        self.scale = nn.Parameter(torch.zeros(1))

    def forward(self, f_vit: torch.Tensor, spa: torch.Tensor, spe: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        fus = self.fuse(torch.cat([spa, spe], dim=-1))
        delta = self.attn(self.norm_q(fus), v, v, need_weights=False)[0]
        return f_vit + self.out(self.scale * delta)


class AdapterLayer(nn.Module):
    def __init__(self, dim: int, k: int, heads: int) -> None:
        super().__init__()
        self.norm_vit = nn.LayerNorm(dim)
        self.to_k = nn.Linear(dim, k)
        self.ctf_spa = CTFBranch(k, heads)
        self.ctf_spe = CTFBranch(k, heads)
        self.cti = CTI(k, dim, heads)

    def forward(self, f_vit: torch.Tensor, spa: torch.Tensor, spe: torch.Tensor):
        v = self.to_k(self.norm_vit(f_vit))
        spa_new = self.ctf_spa(spa, spe, v)
        spe_new = self.ctf_spe(spe, spa, v)
        return self.cti(f_vit, spa_new, spe_new, v), spa_new, spe_new
