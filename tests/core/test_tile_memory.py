"""The engine's memory per tile: a written tile and its result are released before the next tiles are read and
fused, written blocks are converted in place, and the upsampled LR-HSI is made a few bands at a time."""
import weakref

import numpy as np
import pytest
from osgeo import gdal, osr

import core.engine as engine
import core.scene as scene_mod
from core.engine import FusionRequest, run_fusion
from core.filters import upsample
from core.tiling import TileGrid
from core.writer import OutputRaster


def _write(path, arr, px):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], gdal.GDT_UInt16)
    ds.SetGeoTransform((500000.0, px, 0, 5000000.0, 0, -px))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(arr.shape[0]):
        ds.GetRasterBand(b + 1).WriteArray(arr[b])
    ds = None
    return str(path)


def _hsms_pair(tmp_path):
    rng = np.random.default_rng(1)
    lr = _write(tmp_path / "hsi.tif", (rng.random((6, 40, 40)) * 20000 + 1000).astype(np.uint16), 40.0)
    hr = _write(tmp_path / "msi.tif", (rng.random((3, 160, 160)) * 20000 + 1000).astype(np.uint16), 10.0)
    return hr, lr


def test_a_written_tile_and_its_result_are_released_before_the_next_tile(tmp_path):
    hr, lr = _hsms_pair(tmp_path)
    handed_out = []
    tiles = 0

    def source(scene, method, grid, halo, is_cancelled):
        nonlocal tiles
        for win in grid:
            # every tile handed out before has been written: the engine must not hold it or its result now
            assert all(ref() is None for ref in handed_out), "the engine still holds a written tile"
            tile = scene.read_tile(win, halo)
            fused = method.apply(tile).copy()
            handed_out.extend([weakref.ref(tile), weakref.ref(fused)])
            tiles += 1
            yield win, tile, fused
            del tile, fused

    for overlap in (0, 8):
        handed_out.clear()
        run_fusion(FusionRequest("hsms", hr, lr, str(tmp_path / f"out{overlap}.tif"), method="hs_exp", tile_size=64,
                                 overlap=overlap), tile_source=source)
    assert tiles >= 2 * 9


class _Piece:
    """A stand-in tile (weak-referenceable)."""


def test_the_tile_generator_frees_a_consumed_tile_before_reading_the_next():
    consumed = []

    class Scene:
        def read_tile(self, win, halo):
            assert all(ref() is None for ref in consumed), "a consumed tile is still held while reading the next"
            return _tile_of(2, 8)

    class Method:
        tile_threads = 1

        def apply(self, tile):
            return np.zeros((1, 4, 4), np.float32)

    grid = TileGrid(96, 96, 32, 0)
    gen = engine._fused_tiles(Scene(), Method(), grid, 0, lambda: False)
    n = 0
    for win, tile, fused in gen:
        consumed.append(weakref.ref(tile))
        del win, tile, fused
        n += 1
    assert n == len(grid) == 9


def test_scratch_writes_convert_in_place_and_write_the_same_values(tmp_path):
    rng = np.random.default_rng(2)
    block = (rng.random((5, 40, 48)) * 70000 - 1000).astype(np.float32)     # beyond the uint16 range both ways
    block[2, :3] = np.nan                                                      # a band not fused here
    valid = rng.random((40, 48)) > 0.1
    arrays = {}
    for scratch in (False, True):
        data = block.copy()
        out = OutputRaster(str(tmp_path / f"s{scratch}.tif"), 48, 40, 5, "uint16", (0, 1, 0, 0, 0, -1), "", 0)
        out.write(0, 0, data, valid, scratch=scratch)
        out.commit()
        arrays[scratch] = gdal.Open(str(tmp_path / f"s{scratch}.tif")).ReadAsArray()
        if not scratch:
            assert np.array_equal(data, block, equal_nan=True)                 # the caller's block is untouched
    assert np.array_equal(arrays[False], arrays[True])
    expected = np.clip(np.rint(np.nan_to_num(block, nan=0)), 0, 65535)
    expected[expected == 0] = 1                                                # 0 is nodata: valid pixels move up
    expected[:, ~valid] = 0
    expected[2, :3] = 0
    assert np.array_equal(arrays[True], expected)


def test_the_upsampled_lr_is_made_a_few_bands_at_a_time_with_the_same_values(monkeypatch):
    rng = np.random.default_rng(3)
    lr = rng.random((7, 30, 34)).astype(np.float32)
    whole = upsample(lr, 4, (110, 126), offset=(-2.0, 1.0))
    monkeypatch.setattr(scene_mod, "UPSAMPLE_CHUNK_BYTES", 2 * 4 * 110 * 126)      # two bands at a time
    chunked = scene_mod._upsample_bands(lr, 4, (110, 126), (-2.0, 1.0))
    assert chunked.dtype == np.float32 and np.array_equal(chunked, whole)


def _tile_of(bands: int, side: int):
    t = _Piece()
    t.hr = np.zeros((3, side, side), np.float32)
    t.lr_up = np.zeros((bands, side, side), np.float32)
    t.lr = np.zeros((bands, side // 4, side // 4), np.float32)
    t.valid = np.ones((side, side), bool)
    return t


def test_tiles_are_read_ahead_unless_many_band_tiles_would_pass_the_budget():
    from core.tiling import READ_AHEAD_BYTES, tiles_in_flight
    few, many = engine.tile_bytes(_tile_of(4, 1100)), engine.tile_bytes(_tile_of(31, 1100))
    assert 3 * few <= READ_AHEAD_BYTES < 3 * many               # a 4-band tile vs a 31-band hyperspectral one
    assert tiles_in_flight(2, few) == 3 and tiles_in_flight(2, many) == 2
    assert tiles_in_flight(1, READ_AHEAD_BYTES) == 1 and tiles_in_flight(0, 1) == 2


@pytest.mark.parametrize("bands, expected", [(4, 3), (31, 2)])
def test_the_tile_generator_holds_no_more_tiles_than_the_rule_allows(bands, expected):
    reads, held = [], []

    class Scene:
        def read_tile(self, win, halo):
            reads.append(win)
            return _tile_of(bands, 1100)

    class Method:
        tile_threads = 2

        def apply(self, tile):
            return np.zeros((1, 4, 4), np.float32)

    grid = TileGrid(320, 320, 64, 0)
    for n, _item in enumerate(engine._fused_tiles(Scene(), Method(), grid, 0, lambda: False), 1):
        held.append(len(reads) - n + 1)            # tiles read and not yet handed over, this one included
    assert len(reads) == len(grid) == 25
    assert max(held) == expected, held
