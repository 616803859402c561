"""The PSNR/SSIM peak comes from the data (type, declared NBITS), not the sensor preset; an empty fused image
is refused instead of being rated perfect."""
import math
import os

import numpy as np
import pytest
from osgeo import gdal

from core.assess import assess_full, assess_reduced, psnr_peak
from core.compare import compare_methods
from core.engine import FusionRequest, run_fusion
from core.errors import InputError
from core.report import write_html
from core.shared_data import DATA

DEMO = os.path.join(DATA, "demo")
PAN = os.path.join(DEMO, "landsat8_pan_B8_15m.tif")
MS = os.path.join(DEMO, "landsat8_ms_B2-B5_30m.tif")
GT = (500000.0, 2.0, 0.0, 4000000.0, 0.0, -2.0)


def write(path, data, dtype, gt=GT, nbits=None):
    drv = gdal.GetDriverByName("GTiff")
    options = [f"NBITS={nbits}"] if nbits else []
    ds = drv.Create(str(path), data.shape[2], data.shape[1], data.shape[0], dtype, options)
    ds.SetGeoTransform(gt)
    for i, band in enumerate(data):
        ds.GetRasterBand(i + 1).WriteArray(band)
    ds = None
    return str(path)


@pytest.fixture
def pair_8bit(tmp_path):
    """An 8-bit reference and a float fused image that differs from it by a known error."""
    rng = np.random.default_rng(0)
    ref = rng.integers(20, 236, size=(4, 96, 96)).astype(np.uint8)
    fused = ref.astype(np.float32) + rng.normal(0, 4.0, size=ref.shape).astype(np.float32)
    return write(tmp_path / "ref.tif", ref, gdal.GDT_Byte), write(tmp_path / "fused.tif", fused, gdal.GDT_Float32), \
        ref, fused


def test_8bit_data_with_an_11bit_preset_use_peak_255(pair_8bit):
    ref_path, fused_path, ref, fused = pair_8bit
    a = assess_reduced(fused_path, ref_path, ratio=4, sensor="geoeye1")
    rmse = np.sqrt(((fused.astype(np.float64) - ref) ** 2).reshape(4, -1).mean(axis=1))
    expected = 20 * np.log10(255.0 / rmse)
    assert a.per_band["PSNR"] == pytest.approx(expected.tolist(), abs=1e-3)
    # The preset's 2047 would read 20 log10(2047 / 255) = 18.1 dB higher.
    wrong = assess_reduced(fused_path, ref_path, ratio=4, value_max=2047.0)
    assert wrong.metrics["PSNR"] - a.metrics["PSNR"] == pytest.approx(20 * math.log10(2047 / 255), abs=0.01)
    assert any("peak 255" in n and "8-bit" in n for n in a.notes), a.notes
    html_path = os.path.join(os.path.dirname(ref_path), "report.html")
    write_html(html_path, "8-bit", {"fused": a}, {"reference": ref_path})
    assert "PSNR/SSIM peak 255: ref.tif is 8-bit (Byte) data" in open(html_path, encoding="utf-8").read()


def test_declared_nbits_and_the_preset_as_a_hint(tmp_path):
    rng = np.random.default_rng(1)
    data = rng.integers(100, 1900, size=(4, 64, 64)).astype(np.uint16)
    nbits = write(tmp_path / "nbits.tif", data, gdal.GDT_UInt16, nbits=11)
    plain = write(tmp_path / "plain.tif", data, gdal.GDT_UInt16)
    big = write(tmp_path / "big.tif", data * 8, gdal.GDT_UInt16)
    small = write(tmp_path / "small.tif", (data // 8).astype(np.uint16), gdal.GDT_UInt16)
    assert psnr_peak(nbits, sensor="generic")[0] == 2047
    assert "NBITS=11" in psnr_peak(nbits, sensor="generic")[1]
    assert psnr_peak(plain, sensor="generic")[0] is None                  # nothing says the range
    assert psnr_peak(plain, sensor="geoeye1")[0] == 2047                  # the preset's range, data inside it
    assert psnr_peak(big, sensor="geoeye1")[0] is None                    # data beyond the preset: not its peak
    assert psnr_peak(small, sensor="geoeye1")[0] == 255                   # values of 8-bit data
    assert psnr_peak(write(tmp_path / "b.tif", data[:, :, :].astype(np.uint8), gdal.GDT_Byte), sensor="wv3")[0] == 255


def test_compare_takes_the_peak_from_the_ms_data(tmp_path):
    """compare on an 8-bit copy of the demo pair with an 11-bit preset: peak 255, said in the notes."""
    def to_byte(src, dst):
        ds = gdal.Open(src)
        arr = ds.ReadAsArray().astype(np.float64)
        arr = arr.reshape((-1,) + arr.shape[-2:])
        scaled = np.clip((arr - arr.min()) / (arr.max() - arr.min()) * 255, 0, 255).astype(np.uint8)
        out = gdal.GetDriverByName("GTiff").Create(dst, ds.RasterXSize, ds.RasterYSize, ds.RasterCount, gdal.GDT_Byte)
        out.SetGeoTransform(ds.GetGeoTransform())
        out.SetProjection(ds.GetProjection())
        for i in range(ds.RasterCount):
            out.GetRasterBand(i + 1).WriteArray(scaled[i])
        out = None
        return dst
    pan, ms = to_byte(PAN, str(tmp_path / "pan8.tif")), to_byte(MS, str(tmp_path / "ms8.tif"))
    results = compare_methods(pan, ms, ["exp"], str(tmp_path / "work"), sensor="geoeye1", include_gdal=False)
    (a,) = results.values()
    assert any("peak 255" in n for n in a.notes), a.notes
    assert a.per_band["PSNR"][0] == pytest.approx(20 * math.log10(255.0 / a.per_band["RMSE"][0]), abs=1e-6)


def test_all_zero_or_constant_fused_image_is_refused(tmp_path):
    fused = str(tmp_path / "exp.tif")
    run_fusion(FusionRequest("pansharpen", PAN, MS, fused, method="exp", output_dtype="float32"))
    good = assess_full(fused, PAN, MS)
    assert good.metrics["QNR"] < 1.0
    ds = gdal.Open(fused, gdal.GA_Update)
    for b in range(1, ds.RasterCount + 1):
        ds.GetRasterBand(b).Fill(0)
    ds = None
    with pytest.raises(InputError, match="holds 0 everywhere"):
        assess_full(fused, PAN, MS)
    ds = gdal.Open(fused, gdal.GA_Update)
    for b in range(1, ds.RasterCount + 1):
        ds.GetRasterBand(b).Fill(700)
    ds = None
    with pytest.raises(InputError, match="holds 700 everywhere"):
        assess_full(fused, PAN, MS)
