"""deeppansharpen:batch and the CLUSTER parameter of the fusion algorithms, through Processing."""
import csv
import os
import shutil

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingException, QgsProcessingParameterDefinition


def alg(dp_provider, name):
    a = QgsApplication.processingRegistry().algorithmById(f"deeppansharpen:{name}")
    assert a is not None
    return a


def run(name, params):
    import processing

    return processing.run(f"deeppansharpen:{name}", params)


@pytest.mark.parametrize("name", ["pansharpen", "hsmsfusion", "batch"])
def test_cluster_is_an_advanced_optional_text(dp_provider, name):
    p = {d.name(): d for d in alg(dp_provider, name).parameterDefinitions()}
    c = p["CLUSTER"]
    assert c.type() == "string" and c.defaultValue() == ""
    assert c.flags() & QgsProcessingParameterDefinition.FlagAdvanced
    assert c.flags() & QgsProcessingParameterDefinition.FlagOptional


def test_batch_parameters(dp_provider, plugin_package):
    from deep_pansharpen.core.methods import method_names

    a = alg(dp_provider, "batch")
    p = {d.name(): d for d in a.parameterDefinitions()}
    for n in ("PAIRS", "FOLDER", "HR_PATTERN", "LR_PATTERN", "METHOD", "METRICS", "OUTPUT_FOLDER", "SUMMARY",
              "SKIP_EXISTING", "TILES_ON_CLUSTER", "TILE_SIZE", "DEVICE"):
        assert n in p, n
    assert p["METHOD"].options() == method_names("pansharpen") + method_names("hsms")
    assert p["METHOD"].usesStaticStrings() and p["METHOD"].defaultValue() == "auto"
    assert "pairs table" in a.shortHelpString().lower()


@pytest.fixture
def scene_folder(demo_pair, tmp_path):
    pan, ms = demo_pair
    src = tmp_path / "in"
    src.mkdir()
    for k in ("north", "south"):
        shutil.copy(pan, src / f"{k}_pan.tif")
        shutil.copy(ms, src / f"{k}_ms.tif")
    shutil.copy(pan, src / "broken_pan.tif")
    (src / "broken_ms.tif").write_bytes(b"\0" * 100)
    return src


def test_batch_folder_run_reports_the_bad_scene(dp_provider, scene_folder, tmp_path):
    out = tmp_path / "out"
    # A failed scene fails the algorithm (as the command line exits 1); the others are fused and summarised.
    with pytest.raises(QgsProcessingException, match=r"1 of 3 scene\(s\) failed: broken"):
        run("batch", {"FOLDER": str(scene_folder), "METHOD": "exp", "TILE_SIZE": 128, "METRICS": True,
                      "OUTPUT_FOLDER": str(out)})
    with open(out / "batch_summary.csv", newline="") as fh:
        rows = {r["scene"]: r for r in csv.DictReader(fh)}
    assert rows["broken"]["status"] == "failed" and rows["broken"]["error"]
    assert rows["north"]["status"] == rows["south"]["status"] == "ok"
    assert float(rows["north"]["QNR"]) > 0
    assert (out / "north_exp.tif").exists() and (out / "south_exp.tif").exists()


def test_batch_needs_a_table_or_a_folder(dp_provider, tmp_path):
    with pytest.raises(QgsProcessingException, match="pairs table"):
        run("batch", {"METHOD": "exp", "OUTPUT_FOLDER": str(tmp_path)})


def test_bad_cluster_text_is_explained(dp_provider, demo_pair, tmp_path):
    pan, ms = demo_pair
    with pytest.raises(QgsProcessingException, match="CLUSTER 'nowhere' is not understood"):
        run("pansharpen", {"PAN": pan, "MS": ms, "CLUSTER": "nowhere", "OUTPUT": str(tmp_path / "x.tif")})


def test_pansharpen_on_a_local_cluster_writes_the_same_pixels(dp_provider, demo_pair, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    # Workers import the plugin by its package name, as from a QGIS profile's plugins folder.
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    os.symlink(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
               plugins / "deep_pansharpen")
    monkeypatch.syspath_prepend(str(plugins))
    pan, ms = demo_pair
    common = {"PAN": pan, "MS": ms, "METHOD": "gsa", "TILE_SIZE": 96, "OVERLAP": 16}
    run("pansharpen", dict(common, OUTPUT=str(tmp_path / "one.tif")))
    run("pansharpen", dict(common, CLUSTER="local:1", OUTPUT=str(tmp_path / "dask.tif")))
    a, b = (gdal.Open(str(tmp_path / n)).ReadAsArray() for n in ("one.tif", "dask.tif"))
    assert np.array_equal(a, b)


@pytest.mark.timeout(300)
def test_qgis_process_runs_tiles_on_a_local_cluster(demo_pair, tmp_path):
    """qgis_process embeds Python: worker processes must be spawned with a matching interpreter."""
    pytest.importorskip("distributed")
    from test_qgis_process import QGIS_PROCESS_BIN, qgis_process

    if not os.path.exists(QGIS_PROCESS_BIN):
        pytest.skip("QGIS (qgis_process) is not installed")
    pan, ms = demo_pair
    args = ["run", "deeppansharpen:pansharpen", "--", f"PAN={pan}", f"MS={ms}", "TILE_SIZE=96", "OVERLAP=16"]
    one = qgis_process(*args, f"OUTPUT={tmp_path / 'one.tif'}")
    dask = qgis_process(*args, "CLUSTER=local:2", f"OUTPUT={tmp_path / 'dask.tif'}")
    assert one.returncode == 0 and dask.returncode == 0, dask.stdout + dask.stderr
    assert "Dask cluster of 2 worker(s)" in dask.stdout
    a, b = (gdal.Open(str(tmp_path / n)).ReadAsArray() for n in ("one.tif", "dask.tif"))
    assert np.array_equal(a, b)
