"""The tiling vocabulary: windows, the tile grid, raised-cosine weights and the streaming assembler."""
from __future__ import annotations

import numpy as np
import pytest

from core.tiling import BlendAssembler, TileGrid, Window, raised_cosine, taper


def test_window_ends_and_slices():
    w = Window(3, 5, 10, 20)
    assert (w.row_end, w.col_end) == (13, 25)
    a = np.arange(40 * 40).reshape(40, 40)
    assert a[w.slices()].shape == (10, 20)
    assert a[w.slices()][0, 0] == a[3, 5] and a[w.slices()][-1, -1] == a[12, 24]


def test_grid_windows_overlap_by_the_overlap_and_end_at_the_edges():
    grid = TileGrid(250, 300, 100, 20)
    assert grid.rows == [(0, 100), (80, 100), (160, 90)]
    assert [x for x, _w in grid.cols] == [0, 80, 160, 240] and grid.cols[-1] == (240, 60)
    assert len(grid) == 12 and grid.windows[0] == Window(0, 0, 100, 100)
    assert [grid.position(w) for w in grid][:5] == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0)]   # row-major
    assert max(w.row_end for w in grid) == 250 and max(w.col_end for w in grid) == 300
    # only the last window of a tile row reaches the right edge (the engine flushes there)
    assert [grid.position(w)[1] for w in grid if w.col_end == 300] == [3, 3, 3]
    # a scene smaller than a tile is one window; the overlap is capped at half the tile
    assert TileGrid(50, 70, 100, 20).windows == [Window(0, 0, 50, 70)]
    assert [y for y, _h in TileGrid(300, 10, 100, 80).rows] == [0, 50, 100, 150, 200]


@pytest.mark.parametrize("shape,tile,overlap", [((250, 300), 100, 20), ((97, 131), 64, 32), ((64, 200), 64, 0)])
def test_blend_weights_of_the_grid_sum_to_one(shape, tile, overlap):
    grid = TileGrid(*shape, tile, overlap)
    total = np.zeros(shape)
    for w in grid:
        wy, wx = grid.blend_weights(w)
        total[w.slices()] += np.outer(wy, wx)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_taper_ramps_are_the_raised_cosine():
    r = raised_cosine(8)
    assert r.dtype == np.float32 and np.all(np.diff(r) > 0) and 0 < r[0] < 0.05 and 0.95 < r[-1] < 1
    np.testing.assert_allclose(r + r[::-1], 1.0, atol=1e-7)
    t = taper(30, 8, 4)
    assert np.array_equal(t[:8], r) and np.array_equal(t[-4:], raised_cosine(4)[::-1])
    assert (t[8:-4] == 1).all()
    assert (taper(10, 0, 0) == 1).all()


@pytest.mark.parametrize("tile,overlap", [(64, 16), (100, 32), (64, 0)])
def test_assembler_writes_each_pixel_once_and_rebuilds_the_image(tile, overlap):
    rng = np.random.default_rng(1)
    image = rng.random((3, 170, 230)).astype(np.float32) * 1000
    grid = TileGrid(170, 230, tile, overlap)
    assembler = BlendAssembler(grid, 3)
    out = np.zeros_like(image)
    writes = np.zeros(image.shape[1:], int)
    for w in grid:
        for y, x, block in assembler.add(w, image[(slice(None), *w.slices())]):
            out[:, y:y + block.shape[1], x:x + block.shape[2]] = block
            writes[y:y + block.shape[1], x:x + block.shape[2]] += 1
    assert (writes == 1).all()
    np.testing.assert_allclose(out, image, rtol=1e-5)


def test_assembler_blends_differing_tiles_smoothly():
    """Tiles that disagree (alternating 0 / 100) meet without a step larger than the ramp's steepest one."""
    grid = TileGrid(200, 200, 80, 32)
    assembler = BlendAssembler(grid, 1)
    out = np.zeros((1, 200, 200), np.float32)
    for w in grid:
        i, j = grid.position(w)
        for y, x, block in assembler.add(w, np.full((1, w.height, w.width), 100.0 * ((i + j) % 2), np.float32)):
            out[:, y:y + block.shape[1], x:x + block.shape[2]] = block
    steps = max(np.abs(np.diff(out, axis=1)).max(), np.abs(np.diff(out, axis=2)).max())
    assert 0 < steps < 100 * np.pi / (2 * 32) * 1.05
    assert out.min() == 0 and out.max() == 100


def test_panadapter_pieces_use_the_tiling_windows_and_raised_cosine():
    pytest.importorskip("torch")
    from core.models.panadapter.predict import _PieceGrid
    grid = _PieceGrid(150, 170, 16, 64, 16, 4)
    assert all(isinstance(w, Window) and w.height == w.width == grid.size == 64 for w in grid.windows)
    assert max(w.row_end for w in grid.windows) == grid.H >= 150 and max(w.col_end for w in grid.windows) == grid.W
    assert all(w.row_off % 4 == 0 and w.col_off % 4 == 0 for w in grid.windows)      # the decimation phase kept
    inner = next(w for w in grid.windows if w.row_off > 0 and w.col_off > 0 and w.row_end < grid.H)
    wgt = grid.weight(inner)
    np.testing.assert_array_equal(wgt[:grid.ov, 32], raised_cosine(grid.ov))
    np.testing.assert_array_equal(wgt[-grid.ov:, 32], raised_cosine(grid.ov)[::-1])
    first = grid.weight(grid.windows[0])
    assert (first[:-grid.ov, :-grid.ov] == 1).all()          # no ramp on the image's own edges


def test_a_sliver_at_the_edge_joins_the_window_before_it():
    """2048 pixels in 1024-pixel tiles overlapping by 32: two windows (the second 1056 wide), not three with a
    64-pixel sliver; a last window with more new pixels than tile // 8 stays on its own."""
    assert TileGrid(2048, 2048, 1024, 32).rows == [(0, 1024), (992, 1056)]
    assert len(TileGrid(2048, 2048, 1024, 32)) == 4
    assert TileGrid(2048, 100, 1024, 0).rows == [(0, 1024), (1024, 1024)]
    assert TileGrid(2 * 992 + 32 + 129, 10, 1024, 32).rows[-1] == (1984, 161)     # 129 new pixels > 1024 // 8
    assert TileGrid(2 * 992 + 32 + 128, 10, 1024, 32).rows[-1] == (992, 1152)     # 128 new pixels: merged
    for shape, tile, overlap in (((2048, 2100), 1024, 32), ((97, 131), 64, 32), ((1100, 70), 1024, 0)):
        grid = TileGrid(*shape, tile, overlap)
        total = np.zeros(shape)
        for w in grid:
            assert w.height <= tile + tile // 8 and w.width <= tile + tile // 8
            wy, wx = grid.blend_weights(w)
            total[w.slices()] += np.outer(wy, wx)
        np.testing.assert_allclose(total, 1.0, atol=1e-6)
