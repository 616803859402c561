"""bench/bench_panadapter.py: which ablation weights a bench run reads, and that a stale build/ run is flagged."""
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
B = pytest.importorskip("bench_panadapter")


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    built, kept = tmp_path / "build", tmp_path / "kept"
    (built / "4band_x").mkdir(parents=True)
    kept.mkdir()
    monkeypatch.setattr(B, "ABL", str(built))
    monkeypatch.setattr(B, "ABL_KEPT", str(kept))
    monkeypatch.setattr(B, "ABLATION_SOURCES", {})
    return built / "4band_x" / "a.safetensors", kept / "a.safetensors"


def test_committed_copy_when_nothing_was_built(dirs):
    built, kept = dirs
    assert B.ablation_weights("4band_x", "a") is None
    kept.write_bytes(b"one")
    assert B.ablation_weights("4band_x", "a") == str(kept)
    assert B.ABLATION_SOURCES == {}


def test_build_run_is_used_and_flagged_when_it_differs(dirs, capsys):
    built, kept = dirs
    built.write_bytes(b"new run")
    kept.write_bytes(b"committed")
    assert B.ablation_weights("4band_x", "a") == str(built)
    assert B.ABLATION_SOURCES == {str(built): False}
    assert "differs from the committed" in capsys.readouterr().err


def test_identical_build_run_is_not_flagged(dirs, capsys):
    built, kept = dirs
    built.write_bytes(b"same")
    kept.write_bytes(b"same")
    assert B.ablation_weights("4band_x", "a") == str(built)
    assert B.ABLATION_SOURCES == {str(built): True}
    assert capsys.readouterr().err == ""
