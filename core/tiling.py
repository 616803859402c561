"""Tile layout and seam-free blending with bounded memory.

Neighbouring tile windows overlap by ``overlap`` pixels.  In each overlap the two tiles are mixed with
complementary raised-cosine weights (they sum to one), so there is no seam and no normalisation pass.
:class:`BlendAssembler` receives tiles in row-major order and hands back only finished regions; it keeps
one strip of ``overlap`` rows across the width and one of ``overlap`` columns down the tile, so memory
does not grow with the scene height and only by that thin strip with its width.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

TILE_SIZE_RANGE = (64, 16384)  # below 64 the halo dominates; a 16384-pixel tile of 4 bands takes 4 GB per array


@dataclass(frozen=True)
class TileWindow:
    row: int            # tile index
    col: int
    y0: int             # window in output pixels (includes the blend overlaps)
    x0: int
    height: int
    width: int
    last_row: bool
    last_col: bool


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Window starts with a constant stride; the last window is cut at the edge (it stays wider than
    the overlap), so at most two windows ever share a pixel along an axis."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    n = int(np.ceil((length - overlap) / stride))
    return [i * stride for i in range(n)]


def tile_windows(height: int, width: int, tile: int, overlap: int) -> list[TileWindow]:
    overlap = max(0, min(overlap, tile // 2))
    ys, xs = _starts(height, tile, overlap), _starts(width, tile, overlap)
    out = []
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            out.append(TileWindow(i, j, y, x, min(tile, height - y), min(tile, width - x),
                                  i == len(ys) - 1, j == len(xs) - 1))
    return out


def _ramp(n: int) -> np.ndarray:
    """Rising raised-cosine weights over n pixels; ramp + reversed ramp == 1."""
    t = (np.arange(n, dtype=np.float64) + 0.5) / n
    return (np.sin(0.5 * np.pi * t) ** 2).astype(np.float32)


def blend_weights(windows: list[TileWindow], w: TileWindow) -> tuple[np.ndarray, np.ndarray]:
    """Separable weights (rows, cols) of window ``w`` given its neighbours in the layout."""
    def axis(length, start, prev_end, next_start):
        wts = np.ones(length, dtype=np.float32)
        if prev_end is not None and prev_end > start:          # overlap with previous tile
            n = prev_end - start
            wts[:n] *= _ramp(n)
        if next_start is not None and next_start < start + length:
            n = start + length - next_start
            wts[length - n:] *= _ramp(n)[::-1]
        return wts

    def neighbour(attr_idx, attr_pos, attr_len, delta):
        for o in windows:
            if getattr(o, attr_idx) == getattr(w, attr_idx) + delta and (
                    o.col == w.col if attr_idx == "row" else o.row == w.row):
                return getattr(o, attr_pos), getattr(o, attr_pos) + getattr(o, attr_len)
        return None

    up, down = neighbour("row", "y0", "height", -1), neighbour("row", "y0", "height", +1)
    left, right = neighbour("col", "x0", "width", -1), neighbour("col", "x0", "width", +1)
    wy = axis(w.height, w.y0, up[1] if up else None, down[0] if down else None)
    wx = axis(w.width, w.x0, left[1] if left else None, right[0] if right else None)
    return wy, wx


class BlendAssembler:
    """Accumulates weighted tiles (row-major order) and yields finished output regions."""

    def __init__(self, windows: list[TileWindow], bands: int, width: int):
        self.windows = windows
        self.bands = bands
        self.width = width
        self._top: np.ndarray | None = None        # weighted sums for rows shared with the tile row above
        self._top_y0 = 0
        self._next_top: np.ndarray | None = None
        self._left: np.ndarray | None = None       # weighted sums for columns shared with the tile on the left
        self._left_x0 = 0
        self._row_done_y: dict[int, int] = {}

    def _next_start(self, w: TileWindow, axis: str) -> int | None:
        for o in self.windows:
            if axis == "col" and o.row == w.row and o.col == w.col + 1:
                return o.x0
            if axis == "row" and o.col == w.col and o.row == w.row + 1:
                return o.y0
        return None

    def add(self, w: TileWindow, tile: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
        """Add a fused tile (bands, h, w) for window ``w``; yields (y0, x0, block) ready to write."""
        wy, wx = blend_weights(self.windows, w)
        next_x = None if w.last_col else self._next_start(w, "col")
        next_y = None if w.last_row else self._next_start(w, "row")
        keep_cols = w.width if next_x is None else next_x - w.x0
        keep_rows = w.height if next_y is None else next_y - w.y0
        if (keep_cols == w.width and keep_rows == w.height and self._left is None and self._top is None
                and self._next_top is None and (wy == 1).all() and (wx == 1).all()):
            yield w.y0, w.x0, tile                     # no overlap with any neighbour: nothing to blend
            return
        acc = tile.astype(np.float32)                  # a copy: it is accumulated into and kept in strips
        if not (wy == 1).all():
            acc *= wy[None, :, None]
        if not (wx == 1).all():
            acc *= wx[None, None, :]
        if w.col == 0:
            # A new tile row: the strip left by the previous row becomes the top strip.
            self._top, self._next_top = self._next_top, None
            self._left = None
        if self._left is not None:
            n = self._left.shape[2]
            acc[:, :, :n] += self._left
            skip = n
        else:
            skip = 0
        if self._top is not None:
            n_rows = self._top.shape[1]
            acc[:, :n_rows, skip:] += self._top[:, :, w.x0 + skip:w.x0 + w.width]
        self._left = None if next_x is None else acc[:, :, keep_cols:].copy()
        if next_y is not None:
            if self._next_top is None:
                self._next_top = np.zeros((self.bands, w.height - keep_rows, self.width), np.float32)
            self._next_top[:, :, w.x0:w.x0 + keep_cols] = acc[:, keep_rows:, :keep_cols]
        yield w.y0, w.x0, acc[:, :keep_rows, :keep_cols]
