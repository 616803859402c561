"""Continuous LR coordinates of HR query points, and their 4 neighbouring LR cells."""
from __future__ import annotations

from collections.abc import Sequence

import torch

from .fusion import DualHighFrequencyFusion


def grid_lr_coords(height: int, width: int, ratio: float, origin: Sequence[float],
                   device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """LR coordinates (uy (H,), ux (W,)) of the centres of an HR grid.

    ``origin`` = (row, col) on the HR grid of the centre of LR pixel (0, 0) (Tile.lr_origin); HR pixel
    y then sits at LR row (y - origin_row) / ratio.
    """
    uy = (torch.arange(height, device=device, dtype=torch.float32) - float(origin[0])) / float(ratio)
    ux = (torch.arange(width, device=device, dtype=torch.float32) - float(origin[1])) / float(ratio)
    return uy, ux


def points_lr_coords(points: torch.Tensor, ratio: float, origin: Sequence[float]) -> torch.Tensor:
    """(B, N, 2) HR (row, col) coordinates, possibly fractional -> LR coordinates."""
    o = torch.tensor([float(origin[0]), float(origin[1])], device=points.device, dtype=points.dtype)
    return (points - o) / float(ratio)


def _grid_neighbours(iy: torch.Tensor, ix: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Flat LR indices (len(iy), len(ix), 4) of the 4 neighbours of cells (iy, ix), in
    :attr:`DualHighFrequencyFusion.OFFSETS` order, clamped to the LR image."""
    rows = [(iy + o).clamp(0, h - 1) * w for o in (0, 1)]
    cols = [(ix + o).clamp(0, w - 1) for o in (0, 1)]
    return torch.stack([rows[oy][:, None] + cols[ox][None, :] for oy, ox in DualHighFrequencyFusion.OFFSETS], dim=-1)


def _neighbour_index(u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """floor(u) and the fractional part; the two bracketing LR indices are floor(u) + {0, 1}."""
    i0 = torch.floor(u)
    return i0.long(), u - i0
