"""Nothing is left behind: stale parts of killed runs are removed, the warp VRT never reaches the disk, no
.aux.xml appears next to the inputs, and the inputs are never written."""
import os
import shutil
import subprocess
import sys
import textwrap

import pytest
from osgeo import gdal

from core import writer
from core.engine import run_fusion
from core.errors import Cancelled
from core.ownership import HOST_TAG
from sample_inputs import MS, PAN, digest, gsa_request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture
def pair(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    return str(shutil.copy(PAN, d / "pan.tif")), str(shutil.copy(MS, d / "ms.tif"))




def dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_a_sigkilled_run_leaves_a_part_that_the_next_run_removes(tmp_path, pair):
    out = tmp_path / "out" / "fused.tif"
    out.parent.mkdir()
    code = textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {REPO!r})
        from core.writer import OutputRaster
        o = OutputRaster({str(out)!r}, 64, 64, 4, "uint16", (0, 1, 0, 0, 0, -1), "", None)
        o.write(0, 0, __import__("numpy").ones((4, 64, 64), "float32"), __import__("numpy").ones((64, 64), bool))
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code])
    assert proc.returncode == -9
    parts = [n for n in os.listdir(out.parent) if n.endswith(".part.tif")]
    assert len(parts) == 1 and parts[0].startswith(".fused.tif.")
    messages = []
    run_fusion(gsa_request(*pair, out), log=messages.append)
    assert sorted(os.listdir(out.parent)) == ["fused.tif"]
    assert any("interrupted earlier run" in m and parts[0] in m for m in messages), messages


def test_only_stale_parts_of_this_output_are_removed(tmp_path, pair):
    out = tmp_path / "fused.tif"
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        names = {
            "legacy": ".fused.tif.0123abcd.part.tif",                         # earlier plugin versions
            "dead": f".fused.tif.{dead_pid()}-{HOST_TAG}-89abcdef.part.tif",
            "dead_cog": f".fused.tif.{dead_pid()}-{HOST_TAG}-89abcdef.cog.part.tif",
            "live": f".fused.tif.{live.pid}-{HOST_TAG}-01234567.part.tif",     # another run still writing
            "other_host": f".fused.tif.{dead_pid()}-0000beef-01234567.part.tif",
            "other_output": ".other.tif.0123abcd.part.tif",
            "not_ours": ".fused.tif.notes.part.tif",
        }
        for n in names.values():
            (tmp_path / n).write_bytes(b"x")
        run_fusion(gsa_request(*pair, out))
        left = set(os.listdir(tmp_path))
        for key in ("legacy", "dead", "dead_cog"):
            assert names[key] not in left, key
        for key in ("live", "other_host", "other_output", "not_ours"):
            assert names[key] in left, key
    finally:
        live.kill()
        live.wait()


def test_part_names_carry_their_process():
    name = os.path.basename(writer.part_path("/x/out.tif"))
    assert name.startswith(f".out.tif.{os.getpid()}-{HOST_TAG}-") and name.endswith(".part.tif")
    assert writer._part_pattern("/x/out.tif").fullmatch(name)


@pytest.fixture
def reprojected_pair(tmp_path, pair):
    ms = str(tmp_path / "in" / "ms_utm17.tif")
    gdal.Warp(ms, pair[1], dstSRS="EPSG:32617")
    return pair[0], ms


def warp_files():
    return [n for n in (gdal.ReadDirRecursive("/vsimem/") or []) if "dp_lr_warp" in n]


def test_a_reprojected_run_leaves_no_vrt_anywhere(tmp_path, reprojected_pair):
    out = tmp_path / "out" / "fused.tif"
    out.parent.mkdir()
    res = run_fusion(gsa_request(*reprojected_pair, out))
    assert any("reprojected" in w for w in res.warnings)
    assert sorted(os.listdir(out.parent)) == ["fused.tif"]
    assert not [n for n in os.listdir(tmp_path / "in") if n.endswith(".vrt")]
    assert warp_files() == []


def test_a_failed_reprojected_run_leaves_no_vrt_either(tmp_path, reprojected_pair):
    out = tmp_path / "out" / "fused.tif"
    out.parent.mkdir()
    with pytest.raises(Cancelled):
        run_fusion(gsa_request(*reprojected_pair, out), is_cancelled=lambda: True)
    assert os.listdir(out.parent) == []
    assert warp_files() == []


def test_the_toolbox_writes_nothing_next_to_the_inputs(dp_provider, tmp_path, reprojected_pair):
    import processing

    inputs = sorted(os.listdir(tmp_path / "in"))
    before = {n: (digest(tmp_path / "in" / n), os.stat(tmp_path / "in" / n).st_mtime_ns) for n in inputs}
    processing.run("deeppansharpen:pansharpen", {"PAN": reprojected_pair[0], "MS": reprojected_pair[1],
                                                 "OUTPUT": str(tmp_path / "out.tif")})
    import gc
    gc.collect()                                # the layers Processing loaded are closed (GDAL writes PAM then)
    assert sorted(os.listdir(tmp_path / "in")) == inputs          # no .aux.xml, no .vrt
    assert {n: (digest(tmp_path / "in" / n), os.stat(tmp_path / "in" / n).st_mtime_ns) for n in inputs} == before
