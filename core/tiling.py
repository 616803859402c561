"""The one tiling vocabulary: a :class:`Window` of pixels, the scene's :class:`TileGrid`, the raised-cosine
blend, and :class:`BlendAssembler`, which streams blended tiles with bounded memory.

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
class Window:
    """A rectangle of pixels: row and column offsets and sizes (rasterio's Window, rows first)."""
    row_off: int
    col_off: int
    height: int
    width: int

    @property
    def row_end(self) -> int:
        return self.row_off + self.height

    @property
    def col_end(self) -> int:
        return self.col_off + self.width

    def slices(self) -> tuple[slice, slice]:
        """(rows, cols) slices that cut this window out of an array of the whole grid."""
        return slice(self.row_off, self.row_end), slice(self.col_off, self.col_end)


def raised_cosine(n: int) -> np.ndarray:
    """Rising raised-cosine weights over n pixels (float32); ramp + reversed ramp == 1."""
    t = (np.arange(n, dtype=np.float64) + 0.5) / n
    return (np.sin(0.5 * np.pi * t) ** 2).astype(np.float32)


def taper(size: int, rise: int, fall: int) -> np.ndarray:
    """Weights (float32) of ``size`` pixels: ones, rising over the first ``rise`` pixels and falling over the
    last ``fall`` along the raised cosine (each overlap with a neighbour)."""
    w = np.ones(size, dtype=np.float32)
    if rise > 0:
        w[:rise] *= raised_cosine(rise)
    if fall > 0:
        w[size - fall:] *= raised_cosine(fall)[::-1]
    return w


READ_AHEAD_BYTES = 768 * 2 ** 20   # tiles in flight past this (many-band inputs) are not read ahead


def tiles_in_flight(workers: int, tile_bytes: int) -> int:
    """Tiles the engine holds at once (read, queued or being fused): one more than its workers reads the next
    tile while they fuse, unless that many tiles of ``tile_bytes`` (inputs and result) pass READ_AHEAD_BYTES:
    a 31-band 1024 tile is about 350 MB, and a third one in flight pushes a 2 GB run over."""
    workers = max(1, int(workers))
    return workers + 1 if (workers + 1) * tile_bytes <= READ_AHEAD_BYTES else workers


SLIVER = 8      # a last window reaching at most tile // SLIVER past its overlap joins the window before it


def _spans(length: int, tile: int, overlap: int) -> list[tuple[int, int]]:
    """(offset, size) of the windows along one axis: a constant stride, the last cut at the edge (it stays
    wider than the overlap), so at most two windows ever share a pixel along an axis.  A last window that
    would add at most tile // SLIVER new pixels is merged into the one before (which grows to at most
    tile + tile // SLIVER): a 2048-pixel side with 1024-pixel tiles overlapping by 32 is two windows, not
    three with a 64-pixel sliver, whose halo and padding cost a deep method ~20 % of its run
    (bench/results/pan_scet_throughput.md)."""
    if length <= tile:
        return [(0, length)]
    stride = tile - overlap
    n = int(np.ceil((length - overlap) / stride))
    spans = [(i * stride, min(tile, length - i * stride)) for i in range(n)]
    if n > 1 and spans[-1][1] - overlap <= tile // SLIVER:
        off = spans[-2][0]
        spans[-2:] = [(off, length - off)]
    return spans


def _axis_weights(spans: list[tuple[int, int]], i: int) -> np.ndarray:
    """Blend weights along one axis of the i-th window, from its overlaps with the previous and next ones."""
    off, size = spans[i]
    rise = spans[i - 1][0] + spans[i - 1][1] - off if i > 0 else 0
    fall = off + size - spans[i + 1][0] if i + 1 < len(spans) else 0
    return taper(size, rise, fall)


class TileGrid:
    """A ``height`` x ``width`` scene cut into ``tile``-square windows that overlap by ``overlap`` pixels,
    in row-major order (iterate it for the windows); the last row and column may be up to tile // SLIVER
    larger (:func:`_spans`)."""

    def __init__(self, height: int, width: int, tile: int, overlap: int):
        overlap = max(0, min(overlap, tile // 2))
        self.height, self.width = height, width
        self.rows = _spans(height, tile, overlap)       # (row offset, height) of each tile row
        self.cols = _spans(width, tile, overlap)        # (column offset, width) of each tile column
        self.windows = [Window(y, x, h, w) for y, h in self.rows for x, w in self.cols]
        self._row_of = {y: i for i, (y, _h) in enumerate(self.rows)}
        self._col_of = {x: j for j, (x, _w) in enumerate(self.cols)}

    def __len__(self) -> int:
        return len(self.windows)

    def __iter__(self) -> Iterator[Window]:
        return iter(self.windows)

    def position(self, w: Window) -> tuple[int, int]:
        """(tile row, tile column) of a window of this grid."""
        return self._row_of[w.row_off], self._col_of[w.col_off]

    def blend_weights(self, w: Window) -> tuple[np.ndarray, np.ndarray]:
        """Separable weights (rows, cols) of window ``w``, from its overlaps with its neighbours."""
        i, j = self.position(w)
        return _axis_weights(self.rows, i), _axis_weights(self.cols, j)


class BlendAssembler:
    """Accumulates weighted tiles (row-major order) and yields finished output regions."""

    def __init__(self, grid: TileGrid, bands: int):
        self.grid = grid
        self.bands = bands
        self._top: np.ndarray | None = None        # weighted sums for rows shared with the tile row above
        self._next_top: np.ndarray | None = None
        self._left: np.ndarray | None = None       # weighted sums for columns shared with the tile on the left

    def add(self, w: Window, tile: np.ndarray) -> Iterator[tuple[int, int, np.ndarray]]:
        """Add a fused tile (bands, h, w) for window ``w``; yields (row_off, col_off, block) ready to write."""
        grid = self.grid
        i, j = grid.position(w)
        wy, wx = grid.blend_weights(w)
        next_x = grid.cols[j + 1][0] if j + 1 < len(grid.cols) else None
        next_y = grid.rows[i + 1][0] if i + 1 < len(grid.rows) else None
        keep_cols = w.width if next_x is None else next_x - w.col_off
        keep_rows = w.height if next_y is None else next_y - w.row_off
        if (keep_cols == w.width and keep_rows == w.height and self._left is None and self._top is None
                and self._next_top is None and (wy == 1).all() and (wx == 1).all()):
            yield w.row_off, w.col_off, tile           # no overlap with any neighbour: nothing to blend
            return
        acc = tile.astype(np.float32)                  # a copy: it is accumulated into and kept in strips
        if not (wy == 1).all():
            acc *= wy[None, :, None]
        if not (wx == 1).all():
            acc *= wx[None, None, :]
        if j == 0:
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
            acc[:, :n_rows, skip:] += self._top[:, :, w.col_off + skip:w.col_end]
        self._left = None if next_x is None else acc[:, :, keep_cols:].copy()
        if next_y is not None:
            if self._next_top is None:
                self._next_top = np.zeros((self.bands, w.height - keep_rows, grid.width), np.float32)
            self._next_top[:, :, w.col_off:w.col_off + keep_cols] = acc[:, keep_rows:, :keep_cols]
        yield w.row_off, w.col_off, acc[:, :keep_rows, :keep_cols]
