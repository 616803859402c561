"""The input doctor: plain-language findings about a PAN/MS pair, in core (no QGIS) and in the dock."""
import numpy as np
import pytest
from osgeo import gdal

from core.doctor import DoctorRequest, check_inputs


def shifted_copy(src, dst, dx=0.0, dy=0.0, epsg=None, nodata=None, zero_border=0, drop_crs=False):
    """A copy of ``src`` moved by (dx, dy) map units, optionally warped to ``epsg``, with a zero border,
    a nodata value or no CRS.  Edited in memory, then written once (rewriting the georeferencing of a
    GeoTIFF in update mode loses its CRS inside a QGIS process)."""
    mem = gdal.Warp("", src, format="MEM", dstSRS=f"EPSG:{epsg}") if epsg else gdal.Translate("", src, format="MEM")
    gt = list(mem.GetGeoTransform())
    gt[0] += dx
    gt[3] += dy
    mem.SetGeoTransform(gt)
    if drop_crs:
        mem.SetProjection("")
    for b in range(1, mem.RasterCount + 1):
        band = mem.GetRasterBand(b)
        if zero_border:
            a = band.ReadAsArray()
            a[:zero_border] = 0
            a[:, :zero_border] = 0
            band.WriteArray(a)
        if nodata is not None:
            band.SetNoDataValue(nodata)
    gdal.GetDriverByName("GTiff").CreateCopy(str(dst), mem)
    return str(dst)


def levels(report, code):
    return [f.level for f in report.get(code)]


def test_landsat_half_pixel_layout_is_ok(landsat_pair):
    pan, ms = landsat_pair
    report = check_inputs(DoctorRequest("pansharpen", pan, ms, method="mtf_glp_hpm", sensor="landsat89"))
    assert not report.has_errors, report.findings
    assert levels(report, "crs") == ["ok"]
    assert levels(report, "overlap") == ["ok"]
    assert levels(report, "ratio") == ["ok"] and "ratio 2" in report.get("ratio")[0].message
    alignment = report.get("alignment")
    assert [f.level for f in alignment] == ["ok"]
    assert "centre-aligned" in alignment[0].message and "Landsat" in alignment[0].message
    assert not any(f.level == "warning" for f in report.findings), report.findings
    assert report.output_size == (255, 255)       # PAN pixels centred strictly inside the MS
    assert report.estimated_seconds is not None and report.estimated_bytes > 0


def test_crs_mismatch_is_reported_with_the_fix(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    ms_other = shifted_copy(ms, tmp_path / "ms_32617.tif", epsg=32617)
    report = check_inputs(DoctorRequest("pansharpen", pan, ms_other))
    crs = report.get("crs")
    assert [f.level for f in crs] == ["warning"]
    assert "EPSG:32616" in crs[0].message and "EPSG:32617" in crs[0].message
    assert "reproject" in crs[0].fix.lower()
    assert levels(report, "overlap") in (["ok"], ["info"])
    assert levels(report, "alignment") == ["info"]


def test_missing_crs_is_an_error(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    no_crs = shifted_copy(ms, tmp_path / "ms_nocrs.tif", drop_crs=True)
    report = check_inputs(DoctorRequest("pansharpen", pan, no_crs))
    assert report.has_errors and levels(report, "crs") == ["error"]
    assert "Assign Projection" in report.get("crs")[0].fix


def test_non_overlapping_pair_is_an_error(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    far = shifted_copy(ms, tmp_path / "ms_far.tif", dx=100_000.0)
    report = check_inputs(DoctorRequest("pansharpen", pan, far))
    assert report.has_errors
    overlap = report.get("overlap")
    assert [f.level for f in overlap] == ["error"]
    assert "do not overlap" in overlap[0].message and "96,15" in overlap[0].message and " m apart" in overlap[0].message
    assert overlap[0].fix


def test_partial_overlap_is_explained(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    half = shifted_copy(ms, tmp_path / "ms_half.tif", dx=1920.0)      # 64 MS pixels to the east
    report = check_inputs(DoctorRequest("pansharpen", pan, half))
    assert not report.has_errors
    assert levels(report, "overlap") == ["info"] and "50%" in report.get("overlap")[0].message


def test_odd_sub_pixel_shift_is_a_warning(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    moved = shifted_copy(ms, tmp_path / "ms_shift.tif", dx=4.5)   # 0.3 PAN px from centre-, 0.2 from corner-aligned
    report = check_inputs(DoctorRequest("pansharpen", pan, moved))
    alignment = report.get("alignment")
    assert [f.level for f in alignment] == ["warning"]
    assert "0.20 x 0.00" in alignment[0].message


def test_corner_aligned_layout_is_ok(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    corner = shifted_copy(ms, tmp_path / "ms_corner.tif", dx=-7.5, dy=7.5)   # MS corner on the PAN corner
    report = check_inputs(DoctorRequest("pansharpen", pan, corner))
    alignment = report.get("alignment")
    assert [f.level for f in alignment] == ["ok"] and "corner-aligned" in alignment[0].message


def test_swapped_inputs_and_same_raster(landsat_pair):
    pan, ms = landsat_pair
    swapped = check_inputs(DoctorRequest("pansharpen", ms, pan, hr_bands=[1]))
    assert levels(swapped, "ratio") == ["error"] and "probably swapped" in swapped.get("ratio")[0].message
    assert "Exchange" in swapped.get("ratio")[0].fix
    same = check_inputs(DoctorRequest("pansharpen", ms, ms, hr_bands=[1]))
    assert same.has_errors and "same raster" in same.findings[0].message


def test_non_integer_ratio_is_a_warning(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    coarse = tmp_path / "ms_40m.tif"
    gdal.Warp(str(coarse), ms, xRes=40, yRes=40, resampleAlg="average")
    report = check_inputs(DoctorRequest("pansharpen", pan, str(coarse)))
    assert levels(report, "ratio") == ["warning"] and "2.667" in report.get("ratio")[0].message
    assert levels(report, "alignment") == ["info"]


def test_undeclared_zero_border_and_declared_nodata(landsat_pair, tmp_path):
    pan, ms = landsat_pair
    border = shifted_copy(ms, tmp_path / "ms_border.tif", zero_border=20)
    report = check_inputs(DoctorRequest("pansharpen", pan, border))
    nodata = report.get("nodata")
    assert [f.level for f in nodata] == ["warning"] and "-a_nodata 0" in nodata[0].fix
    declared = shifted_copy(ms, tmp_path / "ms_nodata.tif", zero_border=20, nodata=0)
    report = check_inputs(DoctorRequest("pansharpen", pan, declared))
    assert levels(report, "nodata") == ["ok"] and "nodata value 0" in report.get("nodata")[0].message


def test_large_rasters_are_sampled_in_windows(landsat_pair, tmp_path, monkeypatch):
    import core.doctor

    monkeypatch.setattr(core.doctor, "SAMPLE_WHOLE_PIXELS", 100)       # treat the sample as a large scene
    pan, ms = landsat_pair
    border = shifted_copy(ms, tmp_path / "ms_border.tif", zero_border=20)
    assert [f.level for f in check_inputs(DoctorRequest("pansharpen", pan, border)).get("nodata")] == ["warning"]
    assert check_inputs(DoctorRequest("pansharpen", pan, ms)).get("nodata") == []


def test_sensor_preset_band_count_and_missing_deep_packages(landsat_pair):
    pan, ms = landsat_pair
    report = check_inputs(DoctorRequest("pansharpen", pan, ms, sensor="wv3", method="x", method_label="Deep X",
                                        needs_torch=True, missing_packages=["timm", "torch"], device="cuda",
                                        cuda_available=False))
    assert "error" in levels(report, "sensor")
    deps = report.get("dependencies")
    assert [f.level for f in deps] == ["error"] and "torch" in deps[0].message and "Install" in deps[0].fix
    assert levels(report, "device") == ["warning"]


def test_memory_and_time_estimate_grow_with_the_scene(landsat_pair):
    pan, ms = landsat_pair
    small = check_inputs(DoctorRequest("pansharpen", pan, ms, method="bdsd_pc", tile_size=128))
    large = check_inputs(DoctorRequest("pansharpen", pan, ms, method="bdsd_pc", tile_size=4096))
    fast = check_inputs(DoctorRequest("pansharpen", pan, ms, method="brovey"))
    assert small.estimated_bytes < large.estimated_bytes
    assert fast.estimated_seconds < small.estimated_seconds
    assert "memory about" in small.get("resources")[0].message


def test_method_facts_come_from_the_registry(landsat_pair):
    """The doctor reads a method's speed, label and torch need from its registry entry."""
    from core.methods.registry import METHODS

    pan, ms = landsat_pair
    slow, fast = (check_inputs(DoctorRequest("pansharpen", pan, ms, method=m)) for m in ("bdsd_pc", "gsa"))
    ratio = METHODS["bdsd_pc"].seconds_per_mp_band / METHODS["gsa"].seconds_per_mp_band
    assert slow.estimated_seconds / fast.estimated_seconds == pytest.approx(ratio, rel=1e-9)
    deep = check_inputs(DoctorRequest("pansharpen", pan, ms, method="panadapter", missing_packages=["torch"]))
    deps = deep.get("dependencies")
    assert [f.level for f in deps] == ["error"] and deps[0].message.startswith(METHODS["panadapter"].label)
    assert check_inputs(DoctorRequest("pansharpen", pan, ms, method="gsa", missing_packages=["torch"])) \
        .get("dependencies") == []


# --- in the dock ------------------------------------------------------------------------------------

@pytest.fixture
def dock(qgis_iface, qgis_new_project, dp_provider, ui_modules, qtbot, monkeypatch):
    monkeypatch.setattr(ui_modules.dock, "probe_dependencies", lambda: ui_modules.dependencies.ProbeResult())
    ui_modules.dock._probe_cache.clear()
    d = ui_modules.dock.DeepPansharpenDock(qgis_iface)
    qtbot.addWidget(d)
    yield d
    d.shutdown()
    ui_modules.dock._probe_cache.clear()


def _layers(*paths):
    from qgis.core import QgsProject, QgsRasterLayer

    layers = [QgsRasterLayer(str(p), f"layer{i}") for i, p in enumerate(paths)]
    QgsProject.instance().addMapLayers(layers)
    return layers


def test_dock_shows_crs_mismatch_and_refuses_disjoint_pair(dock, landsat_pair, tmp_path, qtbot):
    pan_path, ms_path = landsat_pair
    pan, ms_other, far = _layers(pan_path, shifted_copy(ms_path, tmp_path / "o.tif", epsg=32617),
                                 shifted_copy(ms_path, tmp_path / "far.tif", dx=100_000.0))
    dock.form.hr_layer.setLayer(pan)
    dock.form.lr_layer.setLayer(ms_other)
    # the automatic check runs in the background a moment after a change
    qtbot.waitUntil(lambda: "EPSG:32617" in dock.form.doctor_view.toPlainText(), timeout=10_000)
    assert "Ready to run" in dock.form.doctor_view.toPlainText()
    dock.form.lr_layer.setLayer(far)
    qtbot.waitUntil(lambda: "do not overlap" in dock.form.doctor_view.toPlainText(), timeout=10_000)
    assert "problem(s) to fix" in dock.form.doctor_view.toPlainText()
    dock.start_run()
    assert not dock.is_running()


def test_dock_reports_landsat_layout_as_ok(dock, landsat_pair):
    pan, ms = _layers(*landsat_pair)
    dock.form.hr_layer.setLayer(pan)
    dock.form.lr_layer.setLayer(ms)
    report = dock.check_inputs_now()
    assert [f.level for f in report.get("alignment")] == ["ok"]
    text = dock.form.doctor_view.toPlainText()
    assert "Ready to run" in text and "centre-aligned" in text
    assert np.isfinite(report.estimated_seconds)


def test_swapped_inputs_are_the_first_and_only_problem(landsat_pair):
    """With PAN and MS exchanged and a sensor preset, the band / sensor checks fail too: only the cause is said."""
    pan, ms = landsat_pair
    swapped = check_inputs(DoctorRequest("pansharpen", ms, pan, sensor="landsat89"))
    assert [(f.code, f.level) for f in swapped.findings] == [("ratio", "error")]
    assert swapped.findings[0].message.startswith("The PAN and MS are probably swapped: the PAN pixels (30 m)")


def test_sensor_preset_error_does_not_repeat_its_advice(landsat_pair):
    pan, ms = landsat_pair
    report = check_inputs(DoctorRequest("pansharpen", pan, ms, lr_bands=[1, 2, 3], sensor="landsat89"))
    (finding,) = report.get("sensor")
    text = finding.message + " " + finding.fix
    assert finding.level == "error" and text.lower().count("preset's order") + text.lower().count("this order") == 1


def test_hsms_mode_refuses_a_pan_and_ms_pair(landsat_pair, jasper_pair):
    pan, ms = landsat_pair
    report = check_inputs(DoctorRequest("hsms", pan, ms))
    assert report.has_errors and "single band" in report.get("bands")[0].message
    msi, hsi = jasper_pair
    report = check_inputs(DoctorRequest("hsms", msi, hsi))
    assert not report.has_errors
    # an LR "HSI" with no more bands than the HR-MSI: a pansharpening pair in the wrong mode
    report = check_inputs(DoctorRequest("hsms", msi, hsi, lr_bands=[1, 2]))
    assert report.has_errors and "not more than the HR-MSI" in report.get("bands")[0].message
