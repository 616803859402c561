"""core.raster_io.read_window: all bands in one read, validity from nodata / masks like GDAL's mask bands."""
import numpy as np
import pytest
from osgeo import gdal

from core.raster_io import read_window

gdal.UseExceptions()


def _raster(path, data, gdal_type, nodata=None, per_dataset_mask=None):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), data.shape[2], data.shape[1], data.shape[0], gdal_type,
                                              options=["TILED=YES", "BLOCKXSIZE=16", "BLOCKYSIZE=16"])
    for b in range(data.shape[0]):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(data[b])
        if nodata is not None:
            band.SetNoDataValue(nodata)
    if per_dataset_mask is not None:
        ds.CreateMaskBand(gdal.GMF_PER_DATASET)
        ds.GetRasterBand(1).GetMaskBand().WriteArray(per_dataset_mask.astype(np.uint8) * 255)
    ds = None
    return gdal.Open(str(path))


def _gdal_valid(ds, bands, x0, y0, w, h):
    valid = np.ones((h, w), bool)
    for b in bands:
        valid &= ds.GetRasterBand(b).GetMaskBand().ReadAsArray(x0, y0, w, h) > 0
    return valid


@pytest.mark.parametrize("gdal_type,dtype,nodata", [(gdal.GDT_UInt16, np.uint16, 0), (gdal.GDT_Int16, np.int16, -32768),
                                                    (gdal.GDT_Float32, np.float32, np.nan),
                                                    (gdal.GDT_Float32, np.float32, -9999.5),
                                                    (gdal.GDT_Float64, np.float64, 1e-7)])
def test_nodata_validity_matches_gdal_masks(tmp_path, gdal_type, dtype, nodata):
    rng = np.random.default_rng(1)
    data = rng.integers(1, 1000, (5, 40, 50)).astype(dtype)
    holes = rng.random(data.shape) < 0.1
    data[holes] = nodata
    ds = _raster(tmp_path / "r.tif", data, gdal_type, nodata)
    bands = [5, 2, 3]                         # any order: the data must follow the requested bands
    out, valid = read_window(ds, bands, 7, 3, 30, 33)
    assert out.dtype == np.float32 and out.shape == (3, 33, 30)
    for i, b in enumerate(bands):
        ref = data[b - 1, 3:36, 7:37].astype(np.float32)
        ok = ~np.isnan(ref)
        assert np.array_equal(out[i][ok], ref[ok])
    expect = _gdal_valid(ds, bands, 7, 3, 30, 33)
    assert not expect.all() and np.array_equal(valid, expect)
    # mask_bands: only the listed bands' nodata counts
    _out, v2 = read_window(ds, bands, 7, 3, 30, 33, mask_bands={2})
    assert np.array_equal(v2, _gdal_valid(ds, [2], 7, 3, 30, 33))


def test_per_dataset_mask_and_non_finite_floats(tmp_path):
    data = np.ones((2, 20, 20), np.float32)
    data[1, 4, 5] = np.inf
    mask = np.ones((20, 20), bool)
    mask[10:, :3] = False
    ds = _raster(tmp_path / "m.tif", data, gdal.GDT_Float32, per_dataset_mask=mask)
    _out, valid = read_window(ds, [1, 2], 0, 0, 20, 20)
    expect = mask.copy()
    expect[4, 5] = False
    assert np.array_equal(valid, expect)
