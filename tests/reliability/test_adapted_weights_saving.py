"""ADAPTED_WEIGHTS: a file that cannot be written is refused before the adaptation; a save that fails at the
end still writes the fused output, with a warning saying so."""
import errno
import os

import pytest

from core.engine import FusionRequest, run_fusion
from core.errors import InputError

pytest.importorskip("torch")

from sample_inputs import HSI, MS, MSI, PAN


def request(method, out, saved):
    if method == "panadapter":
        return FusionRequest("pansharpen", PAN, MS, str(out), method="panadapter",
                             method_options={"adapt": True, "adapt_seconds": 1.0, "adapted_weights": str(saved)})
    return FusionRequest("hsms", MSI, HSI, str(out), method="infn",
                         method_options={"adapt": True, "adapt_steps": 2, "adapted_weights": str(saved)})


def unwritable_targets(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    folder = tmp_path / "model.safetensors"
    folder.mkdir()
    return [a_file / "model.safetensors", folder]


@pytest.mark.parametrize("method", ["panadapter", "infn"])
def test_an_unwritable_file_is_refused_before_adapting(tmp_path, method):
    for target in unwritable_targets(tmp_path):
        progress = []
        with pytest.raises(InputError, match="adapted model cannot be saved"):
            run_fusion(request(method, tmp_path / "out.tif", target), progress=progress.append)
        assert progress == []           # refused before any work
        assert not (tmp_path / "out.tif").exists()


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", ["panadapter", "infn"])
def test_a_failed_save_still_writes_the_output(tmp_path, method, monkeypatch):
    from core.models import weights as W

    def disk_full(*_a, **_k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(W, "save_weights", disk_full)
    messages = []
    res = run_fusion(request(method, tmp_path / "out.tif", tmp_path / "m.safetensors"), log=messages.append)
    assert (tmp_path / "out.tif").exists()
    warned = [w for w in res.warnings if "could not be saved" in w]
    assert warned and "No space left on device" in warned[0] and "written anyway" in warned[0]
    assert any(m.startswith("Warning:") and "could not be saved" in m for m in messages)
    assert not (tmp_path / "m.safetensors").exists()
