"""INFN's dual high-frequency fusion (DHFF) and its parameter-free cosine weighting of the 4 neighbours (INR-CS)."""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .encoders import HighPass


class CosineNeighbourWeights(nn.Module):
    """INR-CS: parameter-free local weights from the cosine similarity of the query's guide feature and
    each neighbour's LR latent, normalised with a softmax (positive, summing to one)."""

    def __init__(self, tau: float = 1.0, eps: float = 1e-8):
        super().__init__()
        self.tau = float(tau)
        self.eps = float(eps)

    def unit(self, x: torch.Tensor, dim: int = -1) -> torch.Tensor:
        """x / (||x|| + eps) along ``dim``."""
        return x / (x.norm(dim=dim, keepdim=True) + self.eps)

    def forward(self, g: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """g (..., C) query features, z (..., K, C) neighbour latents -> weights (..., K)."""
        return self.weights_from_unit(self.unit(g), self.unit(z))

    def weights_from_unit(self, gn: torch.Tensor, zn: torch.Tensor) -> torch.Tensor:
        """Same, for already L2-normalised inputs (the model normalises Z once per LR pixel)."""
        cos = torch.matmul(zn, gn.unsqueeze(-1)).squeeze(-1)
        return torch.softmax(cos / self.tau, dim=-1)


class DualHighFrequencyFusion(nn.Module):
    """DHFF: v_t = MLP([z_t, g_q, HP(Z)_t, delta_t, cell]) for the 4 neighbours t of a query q.

    The MLP's first layer is split by input: [z, HP(z)] -> :meth:`lr_table` (once per LR pixel),
    g_q and the query's fractional position -> :meth:`query_term` (once per query), and the neighbour's
    offset -> a constant per neighbour slot (delta_t = (u_q - floor(u_q)) - k_t with k_t in {0, 1}^2, so
    A_d delta_t = A_d frac(u_q) - A_d k_t).  Hidden layers run per neighbour; the last layer is linear and
    is applied after the INR-CS weighting, which is exact because the weights sum to one.
    """

    OFFSETS = ((0, 0), (0, 1), (1, 0), (1, 1))      # (row, col) of the 4 neighbours from floor(u)

    def __init__(self, feat_dim: int, hidden: Sequence[int], out_dim: int, cell_decode: bool = True):
        super().__init__()
        w0 = hidden[0]
        self.high_pass = HighPass()
        self.lin_lr = nn.Conv2d(2 * feat_dim, w0, 1)            # [z, HP(z)] (carries the layer's bias)
        self.lin_g = nn.Linear(feat_dim, w0, bias=False)        # g_q
        self.cell_decode = cell_decode
        self.lin_coord = nn.Linear(4 if cell_decode else 2, w0, bias=False)   # [dy, dx, (cell, cell)]
        layers: list[nn.Module] = []
        for a, b in zip(hidden[:-1], hidden[1:]):
            layers += [nn.Linear(a, b), nn.ReLU(inplace=True)]
        self.hidden = nn.Sequential(*layers)
        self.out = nn.Linear(hidden[-1], out_dim)

    def lr_table(self, z: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) latent -> (B*h*w, 4, w0): the first layer's LR term plus each slot's offset term
        (the 4 slots of one LR pixel side by side in memory)."""
        b, _, h, w = z.shape
        lr = self.lin_lr(torch.cat([z, self.high_pass(z)], dim=1)).permute(0, 2, 3, 1).reshape(b * h * w, -1)
        k = torch.tensor(self.OFFSETS, dtype=lr.dtype, device=lr.device)              # (4, 2)
        slot = -(k @ self.lin_coord.weight[:, :2].t())                                 # (4, w0)
        return (lr.unsqueeze(1) + slot.unsqueeze(0)).contiguous()

    def query_term(self, g: torch.Tensor, frac: torch.Tensor, cell: float) -> torch.Tensor:
        """g (N, C), frac (N, 2) = u - floor(u) -> (N, w0)."""
        coord = frac
        if self.cell_decode:
            coord = torch.cat([frac, torch.full_like(frac, float(cell))], dim=-1)
        return self.lin_g(g) + self.lin_coord(coord)

    def grid_coord_term(self, fy: torch.Tensor, fx: torch.Tensor, cell: float) -> torch.Tensor:
        """The coordinate part of :meth:`query_term` on a grid: rows ``fy`` (R,) x columns ``fx`` (W,) -> (R, W, w0),
        as the sum of a row term and a column term (the layer is linear in each coordinate)."""
        a = self.lin_coord.weight
        ty = fy[:, None].to(a.dtype) * a[:, 0]
        if self.cell_decode:
            ty = ty + float(cell) * (a[:, 2] + a[:, 3])
        return ty[:, None, :] + (fx[:, None].to(a.dtype) * a[:, 1])[None]

    def forward(self, hid: torch.Tensor, q: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """hid (N, 4, w0) gathered :meth:`lr_table` rows (overwritten), q (N, w0) :meth:`query_term`,
        weights (N, 4) INR-CS weights -> F_q (N, out_dim) = sum_t w_t MLP(x_t)."""
        hid = torch.relu_(hid.add_(q.unsqueeze(1)))
        if len(self.hidden):
            hid = self.hidden(hid)
        return self.out(self.weighted_sum(weights, hid))

    @staticmethod
    def weighted_sum(weights: torch.Tensor, hid: torch.Tensor) -> torch.Tensor:
        """(N, 4) weights, (N, 4, D) -> (N, D); a multiply and a sum run ~6x faster than bmm on the CPU."""
        return (hid * weights.unsqueeze(-1)).sum(1)
