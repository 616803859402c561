"""Batch: names never write outside the output folder, SKIP_EXISTING trusts only complete outputs, and the
Processing algorithm fails when a scene failed (as the command line exits 1)."""
import csv
import os
import shutil

import pytest
from osgeo import gdal

from core import batch
from sample_inputs import MS, PAN

TEMPLATE = dict(task="pansharpen", method="gsa", tile_size=128)


@pytest.fixture
def tree(tmp_path):
    """in/pan.tif, in/ms.tif, an empty out/ two levels down."""
    (tmp_path / "in").mkdir()
    shutil.copy(PAN, tmp_path / "in" / "pan.tif")
    shutil.copy(MS, tmp_path / "in" / "ms.tif")
    out = tmp_path / "a" / "b" / "out"
    out.mkdir(parents=True)
    return tmp_path, out


def write_table(path, names):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["pan", "ms", "name"])
        for n in names:
            w.writerow(["in/pan.tif", "in/ms.tif", n])


def files_outside(root, out):
    found = []
    for folder, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(folder, f)
            if not p.startswith(str(out) + os.sep) and f.endswith(".tif") and "in" != os.path.basename(folder):
                found.append(p)
    return found


BAD_NAMES = ["../../x", "../escape", "sub/dir", "/tmp/abs_dp_test", "..", "a\\b"]


def test_names_with_paths_are_rejected_row_by_row(tree):
    root, out = tree
    table = root / "pairs.csv"
    write_table(table, BAD_NAMES + ["fine"])
    pairs = batch.pairs_from_csv(str(table), "pansharpen", str(out), "gsa")
    reports = batch.run_batch(pairs, TEMPLATE, str(out / "summary.csv"), pairs_table=str(table))
    status = {r.scene: (r.status, r.error) for r in reports}
    for n in BAD_NAMES:
        assert status[n][0] == "failed" and "Row" in status[n][1], n
    assert status["fine"][0] == "ok"
    assert sorted(os.listdir(out)) == ["fine_gsa.tif", "summary.csv"]
    assert files_outside(root, out) == []
    assert not os.path.exists("/tmp/abs_dp_test_gsa.tif")


def test_the_cli_rejects_them_too_and_exits_1(tree, capsys):
    root, out = tree
    table = root / "pairs.csv"
    write_table(table, ["../../x"])
    assert batch.main(["--pairs", str(table), "--method", "gsa", "--out-dir", str(out)]) == 1
    assert files_outside(root, out) == []


def make_pair(tree):
    root, out = tree
    return batch.ScenePair("s", str(root / "in" / "pan.tif"), str(root / "in" / "ms.tif"), str(out / "s_gsa.tif"))


def test_skip_existing_skips_a_complete_output(tree):
    pair = make_pair(tree)
    assert batch.run_scene(pair, TEMPLATE).status == "ok"
    assert batch.output_problem(pair, TEMPLATE) == ""
    assert batch.run_scene(pair, TEMPLATE, skip_existing=True).status == "skipped"


@pytest.mark.parametrize("damage", ["empty", "truncated", "foreign", "wrong_size"])
def test_skip_existing_redoes_a_broken_output(tree, damage):
    pair = make_pair(tree)
    assert batch.run_scene(pair, TEMPLATE).status == "ok"
    good = gdal.Open(pair.output_path).ReadAsArray()
    if damage == "empty":
        open(pair.output_path, "wb").close()
    elif damage == "truncated":
        size = os.path.getsize(pair.output_path)
        with open(pair.output_path, "r+b") as fh:
            fh.truncate(size // 2)
    elif damage == "foreign":                           # a raster the plugin did not finish
        gdal.Translate(pair.output_path, pair.hr_path)
    else:
        gdal.Translate(pair.output_path + ".tmp.tif", pair.output_path, srcWin=[0, 0, 100, 100])
        os.replace(pair.output_path + ".tmp.tif", pair.output_path)
    assert batch.output_problem(pair, TEMPLATE) != ""
    messages = []
    rep = batch.run_scene(pair, TEMPLATE, skip_existing=True, log=messages.append)
    assert rep.status == "ok", rep
    assert any("incomplete" in m for m in messages), messages
    assert (gdal.Open(pair.output_path).ReadAsArray() == good).all()


def test_the_batch_algorithm_fails_when_a_scene_failed(dp_provider, tree):
    import processing
    from qgis.core import QgsProcessingException

    root, out = tree
    table = root / "pairs.csv"
    write_table(table, ["fine", "../../x"])
    with pytest.raises(QgsProcessingException, match=r"1 of 2 scene\(s\) failed: \.\./\.\./x"):
        processing.run("deeppansharpen:batch", {"PAIRS": str(table), "METHOD": "exp", "OUTPUT_FOLDER": str(out)})
    with open(out / "batch_summary.csv", newline="") as fh:
        rows = {r["scene"]: r["status"] for r in csv.DictReader(fh)}
    assert rows == {"fine": "ok", "../../x": "failed"}
    assert files_outside(root, out) == []
