"""The free space of the output's disk is checked against the output size, by the input doctor and by every
run (toolbox, dock and command line go through the engine) before any work."""
import collections
import os

import pytest

from core import disk_space, doctor
from core.engine import FusionRequest, run_fusion
from core.errors import InputError
from sample_inputs import MS, PAN

RAW = 255 * 255 * 4 * 2             # the demo output: 255 x 255 pixels x 4 bands, uint16

Usage = collections.namedtuple("Usage", "total used free")


@pytest.fixture
def free_space(monkeypatch):
    def set_free(n):
        monkeypatch.setattr(disk_space.shutil, "disk_usage", lambda _p: Usage(10 ** 12, 0, n))
    return set_free


def request(out, **kw):
    return FusionRequest("pansharpen", PAN, MS, str(out), method="gsa", **kw)


def test_a_run_that_cannot_fit_is_refused_before_any_work(tmp_path, free_space):
    free_space(RAW // 3)
    progress = []
    with pytest.raises(InputError, match="free in"):
        run_fusion(request(tmp_path / "o.tif"), progress=progress.append)
    assert progress == [] and os.listdir(tmp_path) == []


def test_a_run_that_fits_only_compressed_warns_and_runs(tmp_path, free_space):
    free_space(int(RAW * 0.8))
    messages = []
    run_fusion(request(tmp_path / "o.tif"), log=messages.append)
    assert any(m.startswith("Warning:") and "fits only if compression" in m for m in messages), messages
    assert (tmp_path / "o.tif").exists()


def test_uncompressed_and_cog_outputs_need_more(tmp_path, free_space):
    free_space(int(RAW * 0.8))
    with pytest.raises(InputError, match="free in"):
        run_fusion(request(tmp_path / "o.tif", compression="none"))
    free_space(int(RAW * 1.5))
    with pytest.raises(InputError, match="free in"):
        run_fusion(request(tmp_path / "o.tif", compression="none", cog=True))


def test_the_doctor_reports_it(tmp_path, free_space):
    free_space(RAW // 3)
    rep = doctor.check_inputs(doctor.DoctorRequest("pansharpen", PAN, MS, method="gsa",
                                                   output_folder=str(tmp_path)))
    assert [f.level for f in rep.get("disk")] == ["error"]
    free_space(10 ** 12)
    rep = doctor.check_inputs(doctor.DoctorRequest("pansharpen", PAN, MS, method="gsa",
                                                   output_folder=str(tmp_path)))
    assert rep.get("disk") == []
