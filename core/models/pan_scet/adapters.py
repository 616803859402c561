"""The two branches of cascaded adapters between the frozen body's blocks (PanAdapter's CTF / CTI).

At injection point k the spectral branch ``a`` and the spatial branch ``b`` each read the body's current
features ``x`` (cross-token fusion, CTF: the branch learns what the body has made of the scene so far), and
the body then receives the two branches' combination (cross-token injection, CTI).  The injection's last
convolution starts at zero, so an untrained network runs the frozen body exactly.
"""
from __future__ import annotations

import torch
from torch import nn


class BranchUpdate(nn.Module):
    """CTF: branch += f([branch, body features])."""

    def __init__(self, branch_dim: int, body_dim: int, zero_init: bool = False):
        super().__init__()
        self.mix = nn.Conv2d(branch_dim + body_dim, branch_dim, 1)
        self.local = nn.Conv2d(branch_dim, branch_dim, 3, padding=1, groups=branch_dim)
        self.act = nn.GELU()
        if zero_init:            # the branch starts as its prior's output, not mixed with random body features
            nn.init.zeros_(self.local.weight)
            nn.init.zeros_(self.local.bias)

    def forward(self, branch: torch.Tensor, body: torch.Tensor) -> torch.Tensor:
        return branch + self.local(self.act(self.mix(torch.cat([branch, body], dim=1))))


class Injection(nn.Module):
    """CTI: body += g([a, b]), zero at initialisation."""

    def __init__(self, branch_dim: int, body_dim: int):
        super().__init__()
        self.mix = nn.Conv2d(2 * branch_dim, body_dim, 3, padding=1)
        self.act = nn.GELU()
        self.out = nn.Conv2d(body_dim, body_dim, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, body: torch.Tensor, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return body + self.out(self.act(self.mix(torch.cat([a, b], dim=1))))


class AdapterPoint(nn.Module):
    """One injection point: both branches read the body, then the body receives them."""

    def __init__(self, branch_dim: int, body_dim: int, ctf_zero_init: bool = False):
        super().__init__()
        self.ctf_a = BranchUpdate(branch_dim, body_dim, ctf_zero_init)
        self.ctf_b = BranchUpdate(branch_dim, body_dim, ctf_zero_init)
        self.cti = Injection(branch_dim, body_dim)

    def forward(self, x: torch.Tensor, a: torch.Tensor, b: torch.Tensor):
        a, b = self.ctf_a(a, x), self.ctf_b(b, x)
        return self.cti(x, a, b), a, b
