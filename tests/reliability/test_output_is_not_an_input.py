"""An output that is (the same file as) an input is refused before any work, whatever path spells it."""
import csv
import os
import shutil

import pytest

from core import batch
from core.engine import FusionRequest, run_fusion
from core.errors import InputError
from core.models import weights as W
from sample_inputs import HSI, MS, MSI, PAN, digest, gsa_request


@pytest.fixture
def pair(tmp_path):
    d = tmp_path / "x"
    d.mkdir()
    return str(shutil.copy(PAN, d / "pan.tif")), str(shutil.copy(MS, d / "ms.tif"))




def spellings(tmp_path, path):
    """The same file by another spelling, through a symbolic link and through a hard link."""
    link_dir = tmp_path / "elsewhere"
    link_dir.mkdir(exist_ok=True)
    os.symlink(path, link_dir / "sym.tif")
    os.link(path, link_dir / "hard.tif")
    folder, name = os.path.split(path)
    return [path, os.path.join(folder, "..", os.path.basename(folder), name), str(link_dir / "sym.tif"),
            str(link_dir / "hard.tif")]


@pytest.mark.parametrize("which", [0, 1])
def test_pansharpen_output_naming_an_input_is_refused(tmp_path, pair, which):
    before = [digest(p) for p in pair]
    for out in spellings(tmp_path, pair[which]):
        progress = []
        with pytest.raises(InputError, match="would be overwritten"):
            run_fusion(gsa_request(*pair, out), progress=progress.append)
        assert progress == []                                   # refused before any work
    assert [digest(p) for p in pair] == before


def test_hsms_output_naming_an_input_is_refused(tmp_path):
    hsi, msi = shutil.copy(HSI, tmp_path), shutil.copy(MSI, tmp_path)
    before = digest(hsi)
    with pytest.raises(InputError, match="LR-HSI input"):
        run_fusion(FusionRequest(task="hsms", hr_path=msi, lr_path=hsi, output_path=hsi, method="mtf_glp_hs"))
    assert digest(hsi) == before


def test_adapted_weights_naming_the_weights_or_their_manifest_is_refused(tmp_path, pair):
    src = os.path.join(W.BUNDLED_DIR, "panadapter_4band.safetensors")
    weights = shutil.copy(src, tmp_path / "mine.safetensors")
    manifest = shutil.copy(W.manifest_path(src), tmp_path / "mine.json")
    before = digest(weights), digest(manifest)
    for target in (weights, manifest, str(tmp_path / "mine"), str(tmp_path / "." / "mine.safetensors")):
        req = gsa_request(*pair, tmp_path / "out.tif", method_options={"weights": str(weights),
                                                                   "adapted_weights": str(target)})
        req.method = "panadapter"
        with pytest.raises(InputError, match="adapted model"):
            run_fusion(req)
    assert (digest(weights), digest(manifest)) == before
    assert not (tmp_path / "out.tif").exists()


def test_adapted_weights_over_a_bundled_model_are_refused(tmp_path, pair):
    req = gsa_request(*pair, tmp_path / "out.tif",
                  method_options={"adapted_weights": os.path.join(W.BUNDLED_DIR, "panadapter_4band.safetensors")})
    req.method = "panadapter"
    with pytest.raises(InputError, match="bundled model file"):
        run_fusion(req)


def write_csv(path, rows, header=("pan", "ms", "output")):
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_batch_output_column_naming_an_input_refuses_the_batch(tmp_path, pair):
    table = tmp_path / "pairs.csv"
    good = tmp_path / "good.tif"
    write_csv(table, [(pair[0], pair[1], str(good)), (pair[0], pair[1], pair[1])])
    before = digest(pair[1])
    pairs = batch.pairs_from_csv(str(table), "pansharpen", str(tmp_path), "gsa")
    with pytest.raises(InputError, match="would be overwritten"):
        batch.run_batch(pairs, dict(task="pansharpen", method="gsa"), str(tmp_path / "summary.csv"),
                        pairs_table=str(table))
    assert digest(pair[1]) == before
    assert not good.exists() and not (tmp_path / "summary.csv").exists()      # nothing ran


def test_batch_output_naming_another_scenes_input_is_refused(tmp_path, pair):
    other = shutil.copy(PAN, tmp_path / "other_pan.tif")
    table = tmp_path / "pairs.csv"
    write_csv(table, [(pair[0], pair[1], str(tmp_path / "x" / ".." / "other_pan.tif")),
                      (str(other), pair[1], str(tmp_path / "b.tif"))])
    pairs = batch.pairs_from_csv(str(table), "pansharpen", str(tmp_path), "gsa")
    with pytest.raises(InputError, match="input of scene"):
        batch.run_batch(pairs, dict(task="pansharpen", method="gsa"), str(tmp_path / "s.csv"),
                        pairs_table=str(table))


def test_cli_summary_naming_the_pairs_table_is_refused(tmp_path, pair, capsys):
    table = tmp_path / "pairs.csv"
    write_csv(table, [(pair[0], pair[1], str(tmp_path / "o.tif"))])
    before = digest(table)
    code = batch.main(["--pairs", str(table), "--method", "gsa", "--out-dir", str(tmp_path),
                       "--summary", str(tmp_path / "." / "pairs.csv")])
    assert code == 2
    assert "summary table" in capsys.readouterr().err
    assert digest(table) == before and not (tmp_path / "o.tif").exists()


def test_the_algorithm_refuses_an_output_that_is_an_input(dp_provider, tmp_path, pair):
    import processing
    from qgis.core import QgsProcessingException

    before = digest(pair[0])
    with pytest.raises(QgsProcessingException, match="would be overwritten"):
        processing.run("deeppansharpen:pansharpen", {"PAN": pair[0], "MS": pair[1], "METHOD": "exp",
                                                     "OUTPUT": os.path.join(os.path.dirname(pair[0]), "..", "x",
                                                                            "pan.tif")})
    assert digest(pair[0]) == before
