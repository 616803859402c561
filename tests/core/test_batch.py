"""Batch fusion: pairing rules, one output per pair, a bad scene reported while the others succeed."""
import csv
import os
import shutil

import numpy as np
import pytest
from osgeo import gdal

from core import batch
from core.engine import FusionRequest, run_fusion
from core.errors import InputError

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample")
PAN = os.path.join(SAMPLE, "landsat8_pan_B8_15m.tif")
MS = os.path.join(SAMPLE, "landsat8_ms_B2-B5_30m.tif")
TEMPLATE = dict(task="pansharpen", method="gsa", tile_size=128, overlap=16)


@pytest.fixture
def scenes(tmp_path):
    """Folder with scenes a and c (good), b (MS is not a raster) and d (PAN without its MS)."""
    src = tmp_path / "in"
    src.mkdir()
    for k in ("a", "c"):
        shutil.copy(PAN, src / f"{k}_pan.tif")
        shutil.copy(MS, src / f"{k}_ms.tif")
    shutil.copy(PAN, src / "b_pan.tif")
    (src / "b_ms.tif").write_text("not a raster")
    shutil.copy(PAN, src / "d_pan.tif")
    return src


def read_summary(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def pixels(path):
    return gdal.Open(str(path)).ReadAsArray()


def test_folder_pairs_by_the_star_part(scenes, tmp_path):
    notes = []
    pairs = batch.pairs_from_folder(str(scenes), "*_pan.tif", "*_ms.tif", str(tmp_path / "out"), "gsa", notes.append)
    assert [p.name for p in pairs] == ["a", "b", "c"]
    assert pairs[0].output_path == str(tmp_path / "out" / "a_gsa.tif")
    assert any("d_pan.tif" in n for n in notes)
    with pytest.raises(InputError, match="one"):
        batch.pairs_from_folder(str(scenes), "*_*_pan.tif", "*_ms.tif", str(tmp_path), "gsa")


def test_csv_pairs_relative_to_the_table(tmp_path):
    table = tmp_path / "pairs.csv"
    table.write_text("name,pan,ms,output\nx,in/x_p.tif,in/x_m.tif,\ny,/data/y_p.tif,/data/y_m.tif,res/y.tif\n")
    pairs = batch.pairs_from_csv(str(table), "pansharpen", str(tmp_path / "o"), "gsa")
    assert pairs[0] == batch.ScenePair("x", str(tmp_path / "in" / "x_p.tif"), str(tmp_path / "in" / "x_m.tif"),
                                       str(tmp_path / "o" / "x_gsa.tif"))
    assert pairs[1].output_path == str(tmp_path / "res" / "y.tif")
    with pytest.raises(InputError, match="'msi' and 'hsi'"):
        batch.pairs_from_csv(str(table), "hsms", str(tmp_path), "mtf_glp_hs")


def test_a_bad_scene_is_reported_and_the_others_are_written(scenes, tmp_path):
    out = tmp_path / "out"
    pairs = batch.pairs_from_folder(str(scenes), "*_pan.tif", "*_ms.tif", str(out), "gsa")
    summary = tmp_path / "summary.csv"
    reports = batch.run_batch(pairs, TEMPLATE, str(summary), metrics=True)
    assert [r.status for r in reports] == ["ok", "failed", "ok"]
    rows = read_summary(summary)
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert "not a raster" in rows[1]["error"] or "MS" in rows[1]["error"]
    assert rows[0]["device"] == "cpu" and float(rows[0]["seconds"]) > 0
    assert 0 < float(rows[0]["QNR"]) <= 1 and rows[1]["QNR"] == ""
    assert (out / "a_gsa.tif").exists() and (out / "c_gsa.tif").exists() and not (out / "b_gsa.tif").exists()


def test_batch_on_a_local_cluster_matches_the_single_process(scenes, tmp_path):
    pytest.importorskip("distributed")
    pairs = batch.pairs_from_folder(str(scenes), "*_pan.tif", "*_ms.tif", str(tmp_path / "out"), "gsa")
    reports = batch.run_batch(pairs, TEMPLATE, str(tmp_path / "summary.csv"), cluster="local:2")
    assert [r.status for r in reports] == ["ok", "failed", "ok"]
    assert all(r.worker.startswith("tcp://") for r in reports)
    ref = tmp_path / "ref.tif"
    run_fusion(FusionRequest(hr_path=PAN, lr_path=MS, output_path=str(ref), **TEMPLATE))
    assert np.array_equal(pixels(tmp_path / "out" / "c_gsa.tif"), pixels(ref))


def test_batch_with_the_tiles_of_each_scene_on_the_cluster(scenes, tmp_path):
    pytest.importorskip("distributed")
    pairs = batch.pairs_from_folder(str(scenes), "*_pan.tif", "*_ms.tif", str(tmp_path / "out"), "gsa")
    messages = []
    reports = batch.run_batch(pairs, TEMPLATE, str(tmp_path / "summary.csv"), cluster="local:2",
                              tiles_on_cluster=True, log=messages.append)
    assert [r.status for r in reports] == ["ok", "failed", "ok"]
    assert sum("Starting a local Dask cluster" in m for m in messages) == 1      # one cluster for the batch
    assert any("[a] Tiles run on a Dask cluster of 2 worker(s)" in m for m in messages)
    ref = tmp_path / "ref.tif"
    run_fusion(FusionRequest(hr_path=PAN, lr_path=MS, output_path=str(ref), **TEMPLATE))
    assert np.array_equal(pixels(tmp_path / "out" / "a_gsa.tif"), pixels(ref))


def test_command_line_with_a_pairs_table(tmp_path, capsys):
    table = tmp_path / "pairs.csv"
    table.write_text(f"pan,ms,output\n{PAN},{MS},one.tif\n{PAN},missing_ms.tif,two.tif\n")
    code = batch.main(["--pairs", str(table), "--method", "brovey", "--tile-size", "128",
                       "--summary", str(tmp_path / "s.csv"), "--skip-existing"])
    assert code == 1                                    # one scene failed
    rows = read_summary(tmp_path / "s.csv")
    assert [r["status"] for r in rows] == ["ok", "failed"] and "does not exist" in rows[1]["error"]
    assert (tmp_path / "one.tif").exists()
    assert batch.main(["--pairs", str(table), "--method", "brovey", "--summary", str(tmp_path / "s.csv"),
                       "--skip-existing"]) == 1
    assert read_summary(tmp_path / "s.csv")[0]["status"] == "skipped"
