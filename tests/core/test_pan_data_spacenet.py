"""SpaceNet-6 WorldView-2 training pairs: the held-out tile stays out, the zero band is cut, values are the MS."""
import os

import numpy as np
import pytest
from osgeo import gdal

from core.training import pan_data

ROOT = os.path.join(pan_data.DATA, "spacenet6_wv2")
pytestmark = pytest.mark.skipif(not os.path.isdir(ROOT), reason="../shared/data/spacenet6_wv2 missing")


def test_training_tiles_leave_the_benchmark_tile_out():
    assert 1 not in pan_data.SPACENET_TRAIN_TILES
    names = [p.name for p in pan_data.layout_pairs("4band_vhr")]
    assert "spacenet6_rotterdam2" in names and "spacenet6_rotterdam3" in names
    assert not any("rotterdam1" in n for n in names)
    assert [p.name for p in pan_data.layout_pairs("4band")] == names[:len(names) - 2]


def test_pairs_are_ratio_4_without_the_zero_band_and_hold_the_ms():
    for p in pan_data.spacenet6_pairs():
        k = int(p.name[-1])
        assert p.ratio == 4 and p.bands == 4
        assert p.pan.shape == p.ref.shape[1:] == p.ms_up.shape[1:] == p.base.shape[1:]
        assert p.pan.shape[0] % 32 == 0 and p.pan.shape[0] >= 64
        assert (p.ref > 0).all() and (p.pan > 0).all()
        ms = gdal.Open(os.path.join(ROOT, f"rotterdam{k}_ms_2m.tif")).ReadAsArray().astype(np.float32)
        row = pan_data.SPACENET_FIRST_ROW[k]
        h, w = p.ref.shape[1:]
        np.testing.assert_allclose(p.ref, ms[:, row:row + h, :w] / 2047.0 * p.gain, rtol=1e-6)
        # The reduced MS is a fair stand-in for the reference: close, but not equal to it.
        err = np.abs(p.ms_up - p.ref).mean() / p.ref.mean()
        assert 0.005 < err < 0.6         # an 8 m view of a 2 m port scene: ERGAS about 12 (bench_auto)
