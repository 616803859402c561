"""The hsmsfusion, degrade, assess and compare algorithms through Processing and qgis_process."""
import csv
import json
import os
import subprocess

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SAMPLE = os.path.join(REPO, "resources", "sample")


def run(alg_id, params):
    import processing
    return processing.run(alg_id, params)


@pytest.fixture(scope="module")
def wald(dp_provider, demo_pair, tmp_path_factory):
    pan, ms = demo_pair
    d = tmp_path_factory.mktemp("wald")
    res = run("deeppansharpen:degrade", {"PAN": pan, "MS": ms, "OUTPUT_PAN": str(d / "pan.tif"),
                                          "OUTPUT_MS": str(d / "ms.tif"), "OUTPUT_REFERENCE": str(d / "ref.tif")})
    return d, res


def test_all_algorithms_registered(dp_provider):
    ids = {a.id() for a in dp_provider.algorithms()}
    assert {"deeppansharpen:pansharpen", "deeppansharpen:hsmsfusion", "deeppansharpen:degrade",
            "deeppansharpen:assess", "deeppansharpen:compare"} <= ids
    for a in dp_provider.algorithms():
        assert len(a.shortHelpString()) > 200, a.id()


def test_hsmsfusion_carries_wavelengths(dp_provider, tmp_path):
    out = str(tmp_path / "hs.tif")
    run("deeppansharpen:hsmsfusion", {"HSI": os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif"),
                                       "MSI": os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif"), "OUTPUT": out})
    ds = gdal.Open(out)
    assert (ds.RasterXSize, ds.RasterYSize, ds.RasterCount) == (99, 99, 198)
    assert ds.GetGeoTransform()[1] == 30
    assert float(ds.GetRasterBand(50).GetMetadataItem("wavelength")) == pytest.approx(
        float(gdal.Open(os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")).GetRasterBand(50)
              .GetMetadataItem("wavelength")))


def test_degrade_writes_the_wald_pair(wald):
    d, res = wald
    sizes = {k: (gdal.Open(res[k]).RasterXSize, gdal.Open(res[k]).GetGeoTransform()[1])
             for k in ("OUTPUT_PAN", "OUTPUT_MS", "OUTPUT_REFERENCE")}
    assert sizes == {"OUTPUT_PAN": (128, 30.0), "OUTPUT_MS": (64, 60.0), "OUTPUT_REFERENCE": (128, 30.0)}


def test_assess_every_method_beats_exp_on_landsat(wald, tmp_path):
    """The issue's acceptance check: on the Landsat demo (reduced resolution) every method's ERGAS is
    better than EXP's, read back from the assess algorithm's outputs."""
    d, res = wald
    from deep_pansharpen.core.methods import method_names
    ergas = {}
    for name in method_names("pansharpen"):
        fused = str(tmp_path / f"{name}.tif")
        run("deeppansharpen:pansharpen", {"PAN": res["OUTPUT_PAN"], "MS": res["OUTPUT_MS"],
                                          "METHOD": name, "OUTPUT": fused})
        out = run("deeppansharpen:assess", {"FUSED": fused, "MS": res["OUTPUT_MS"],
                                            "REFERENCE": res["OUTPUT_REFERENCE"],
                                            "OUTPUT_TABLE": str(tmp_path / f"{name}.csv"),
                                            "OUTPUT_HTML": str(tmp_path / f"{name}.html")})
        assert out["MODE"] == "reduced" and out["D_LAMBDA"] is None
        ergas[name] = out["ERGAS"]
        row = next(csv.DictReader(open(out["OUTPUT_TABLE"])))
        assert float(row["ERGAS"]) == pytest.approx(out["ERGAS"], rel=1e-3)
        assert 0 < out["Q2N"] <= 1 and out["SAM"] > 0
    for name, value in ergas.items():
        if name != "exp":
            assert value < ergas["exp"], (name, ergas)


def test_assess_without_reference(dp_provider, demo_pair, tmp_path):
    pan, ms = demo_pair
    fused = str(tmp_path / "f.tif")
    run("deeppansharpen:pansharpen", {"PAN": pan, "MS": ms, "OUTPUT": fused})
    out = run("deeppansharpen:assess", {"FUSED": fused, "PAN": pan, "MS": ms,
                                        "OUTPUT_TABLE": str(tmp_path / "t.csv"),
                                        "OUTPUT_HTML": str(tmp_path / "r.html")})
    assert out["MODE"] == "full" and out["ERGAS"] is None
    assert out["QNR"] == pytest.approx((1 - out["D_LAMBDA"]) * (1 - out["D_S"]), rel=1e-6)
    assert 0.5 < out["HQNR"] <= 1


def test_assess_without_reference_needs_pan(dp_provider, demo_pair, tmp_path):
    _pan, ms = demo_pair
    with pytest.raises(QgsProcessingException, match="PAN is needed"):
        run("deeppansharpen:assess", {"FUSED": ms, "MS": ms, "OUTPUT_TABLE": str(tmp_path / "t.csv"),
                                      "OUTPUT_HTML": str(tmp_path / "r.html")})


def test_compare_report(dp_provider, demo_pair, tmp_path):
    pan, ms = demo_pair
    out = run("deeppansharpen:compare", {"PAN": pan, "MS": ms, "METHODS": ["exp", "gsa"],
                                         "OUTPUT_FOLDER": str(tmp_path / "cmp"),
                                         "OUTPUT_TABLE": str(tmp_path / "c.csv"),
                                         "OUTPUT_HTML": str(tmp_path / "c.html")})
    rows = {r["method"]: r for r in csv.DictReader(open(out["OUTPUT_TABLE"]))}
    assert len(rows) == 3 and any(k.startswith("GDAL") for k in rows)
    gsa = next(r for k, r in rows.items() if k.startswith("GSA"))
    exp = next(r for k, r in rows.items() if k.startswith("EXP"))
    assert float(gsa["ERGAS"]) < float(exp["ERGAS"])
    assert os.path.exists(os.path.join(out["OUTPUT_FOLDER"], "gsa_reduced.tif"))
    assert "<svg" in open(out["OUTPUT_HTML"]).read()


def test_assess_through_qgis_process_json(demo_pair, tmp_path):
    """Numbers come back as outputs that scripts can read (qgis_process --json)."""
    pan, ms = demo_pair
    fused = str(tmp_path / "f.tif")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    qp = os.path.join(REPO, "scripts", "qgis_process")
    subprocess.run([qp, "run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", f"OUTPUT={fused}"],
                   check=True, env=env, capture_output=True, timeout=300)
    proc = subprocess.run([qp, "--json", "run", "deeppansharpen:assess", "--", f"FUSED={fused}", f"PAN={pan}",
                           f"MS={ms}", f"OUTPUT_TABLE={tmp_path / 't.csv'}", f"OUTPUT_HTML={tmp_path / 'r.html'}"],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads(proc.stdout[proc.stdout.index("{"):])["results"]
    assert 0 < results["QNR"] <= 1 and results["MODE"] == "full"


def test_hsmscompare_scores_hs_ms_methods(dp_provider, tmp_path):
    """A noisy 3-material scene, 20-band HSI at 40 m and 4-band MSI at 10 m: every method scored on the Wald pair,
    the fused images kept, LS detail well ahead of interpolation."""
    from osgeo import osr
    from scipy import ndimage
    rng = np.random.default_rng(0)
    spectra = np.stack([0.2 + 0.6 * np.exp(-((np.linspace(0, 1, 20) - c) / 0.25) ** 2) for c in (0.1, 0.5, 0.9)], 1)
    ab = ndimage.gaussian_filter(rng.dirichlet(np.ones(3), size=(24, 24)).repeat(8, 0).repeat(8, 1), (1, 1, 0))
    cube = np.tensordot(ab, spectra.T, axes=1).transpose(2, 0, 1) * 1000          # 20 x 192 x 192
    msi = cube.reshape(4, 5, 192, 192).mean(axis=1)
    hsi = ndimage.uniform_filter(cube, (1, 4, 4))[:, 2::4, 2::4]
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)

    def write(path, arr, px, shift):
        ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], gdal.GDT_Float32)
        ds.SetGeoTransform((500000.0 + shift, px, 0, 5000000.0 - shift, 0, -px))
        ds.SetProjection(srs.ExportToWkt())
        noisy = arr * (1 + 0.005 * rng.standard_normal(arr.shape))
        ds.WriteRaster(0, 0, arr.shape[2], arr.shape[1], noisy.astype(np.float32).tobytes())
        ds = None
        return str(path)

    assert "deeppansharpen:hsmscompare" in {a.id() for a in dp_provider.algorithms()}
    methods = ["hs_exp", "ls_detail", "gsa_hs"]
    out = run("deeppansharpen:hsmscompare", {
        "MSI": write(tmp_path / "msi.tif", msi, 10.0, 0.0), "HSI": write(tmp_path / "hsi.tif", hsi, 40.0, 5.0),
        "METHODS": methods, "OUTPUT_FOLDER": str(tmp_path / "cmp"), "OUTPUT_TABLE": str(tmp_path / "c.csv"),
        "OUTPUT_HTML": str(tmp_path / "c.html")})
    rows = {r["method"]: r for r in csv.DictReader(open(out["OUTPUT_TABLE"]))}
    assert len(rows) == 3 and not any(k.startswith("GDAL") for k in rows)
    ls = next(r for k, r in rows.items() if k.startswith("LS detail"))
    exp = next(r for k, r in rows.items() if k.startswith("EXP"))
    assert float(ls["ERGAS"]) < 0.7 * float(exp["ERGAS"])
    assert all(os.path.exists(os.path.join(out["OUTPUT_FOLDER"], f"{m}_reduced.tif")) for m in methods)
    assert gdal.Open(os.path.join(out["OUTPUT_FOLDER"], "reference_ms.tif")).RasterCount == 20
