"""Fusing one tile as several row parts side by side, each on its own CPU core.

A method whose halo covers its receptive field gives the same pixels whatever the tiling, so a tile can be
cut further: each part carries ``halo`` HR rows and ``lr_margin`` LR rows of context beyond the rows it keeps,
as a smaller engine tile would, and the parts' kept rows are the tile's result.  Torch on N cores is then run
as N single-threaded parts instead of one N-threaded call: OpenMP threads wait for each other at every
operation, so when a core is also busy (the engine reading the next tile or compressing the last one, or
another program) a two-thread call runs many times slower, while single-threaded parts simply share the core.
"""
from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from .base import Tile

# Kept rows per part at most: the network's working memory grows with a part's size, while the context it
# recomputes for every part (halo, LR margin) costs little at this height (INFN, 31 bands, tile 1024 on 2 cores:
# about the time of 512-row parts with a peak ~0.15 GB lower; 128-row parts cost ~15 % more CPU).
PART_ROWS = 256


@dataclass(frozen=True)
class RowPart:
    tile: Tile                 # the part with its context rows
    keep: slice                # rows of the part's output that are kept
    dest: slice                # the tile rows they are


def part_count(tile: Tile, threads: int) -> int:
    """How many row parts to fuse ``tile`` in (1 = the whole tile): parts of at most PART_ROWS kept rows, and
    at least one per thread where the tile has PART_ROWS rows for each."""
    rows = len(range(tile.hr.shape[-2])[tile.core[0]])
    return max(1, -(-rows // PART_ROWS), min(int(threads), rows // PART_ROWS))


def split_rows(tile: Tile, parts: int, halo: int, lr_margin: int) -> list[RowPart]:
    """``tile`` as ``parts`` row parts; the cuts fall inside the tile's core rows.  A part's edge that is the
    tile's edge keeps the tile's own rows (HR and LR), so the parts see what the whole tile sees."""
    h = tile.hr.shape[-2]
    lh = tile.lr.shape[-2]
    r = tile.ratio
    oy, ox = tile.lr_origin
    core = range(h)[tile.core[0]]
    c0, c1 = (core.start, core.stop) if len(core) else (0, h)
    cuts = [0] + [c0 + round(k * (c1 - c0) / parts) for k in range(1, parts)] + [h]
    out = []
    for k0, k1 in zip(cuts[:-1], cuts[1:]):
        y0 = 0 if k0 == 0 else max(0, k0 - halo)
        y1 = h if k1 == h else min(h, k1 + halo)
        # the LR rows a tile of HR rows y0..y1 reads (core.scene: LR_MARGIN beyond those that cover it)
        l0 = 0 if y0 == 0 else max(0, math.floor((y0 - oy) / r) - lr_margin)
        l1 = lh if y1 == h else min(lh, math.ceil((y1 - 1 - oy) / r) + lr_margin + 1)
        part = replace(tile, hr=tile.hr[:, y0:y1], lr_up=tile.lr_up[:, y0:y1], lr=tile.lr[:, l0:l1],
                       valid=tile.valid[y0:y1], phase=((tile.phase[0] - y0) % r, tile.phase[1]),
                       lr_origin=(oy + r * l0 - y0, ox), core=(slice(k0 - y0, k1 - y0), tile.core[1]))
        out.append(RowPart(part, slice(k0 - y0, k1 - y0), slice(k0, k1)))
    return out


def fuse_in_parts(tile: Tile, fuse: Callable[[Tile], np.ndarray], pieces: list[RowPart],
                  pool: ThreadPoolExecutor) -> np.ndarray:
    """``fuse`` (bands, h, w) of ``tile`` computed from its row parts ``pieces`` (split_rows) on ``pool``.
    Reuse one pool for all the tiles of a run: each new thread would also get its own malloc arena, and the
    memory freed in arenas of finished threads is not given back."""
    out = None
    lock = threading.Lock()

    def run(p: RowPart) -> None:
        nonlocal out
        res = fuse(p.tile)
        with lock:                   # the first part to finish sets the band count and type
            if out is None:
                out = np.empty((res.shape[0],) + tile.hr.shape[-2:], res.dtype)
        out[:, p.dest] = res[:, p.keep]

    if len(pieces) == 1:
        return fuse(tile)
    for f in [pool.submit(run, p) for p in pieces]:
        f.result()
    return out
