"""The deep methods' torch thread count: explicit request, environment, free cores now (not the stale load average)."""
from __future__ import annotations

import builtins
import io
import os

import pytest

pytest.importorskip("torch")

from core.methods import deep_base as P  # noqa: E402


def machine(monkeypatch, stat_lines, cores=2):
    """A ``cores``-core machine whose /proc/stat reads ``stat_lines`` in turn and whose load average is 8."""
    monkeypatch.setattr(os, "cpu_count", lambda: cores)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "getloadavg", lambda: (8.0, 8.0, 8.0))
    monkeypatch.delenv("DEEP_PANSHARPEN_THREADS", raising=False)
    reads = iter(stat_lines)
    real_open = builtins.open

    def fake_open(path, *args, **kwargs):
        if path == "/proc/stat":
            return io.StringIO(next(reads))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)


# user nice system idle iowait irq softirq steal: over the 0.2 s interval 40 ticks pass on 2 cores
IDLE = ["cpu 1000 500 300 9000 10 0 5 0 0 0\n", "cpu 1000 500 300 9040 10 0 5 0 0 0\n"]
ONE_CORE_BUSY = ["cpu 1000 500 300 9000 10 0 5 0 0 0\n", "cpu 1020 500 300 9020 10 0 5 0 0 0\n"]
ONE_CORE_NICED = ["cpu 1000 500 300 9000 10 0 5 0 0 0\n", "cpu 1000 520 300 9020 10 0 5 0 0 0\n"]


def test_a_run_after_another_job_gets_every_core(monkeypatch):
    """The 1-minute load average still counts a job that has ended: it must not lower the thread count."""
    machine(monkeypatch, IDLE)
    assert P.cpu_threads() == 2


def test_a_core_busy_now_is_left_to_its_job(monkeypatch):
    machine(monkeypatch, ONE_CORE_BUSY)
    assert P.cpu_threads() == 1


def test_niced_work_does_not_count_as_busy(monkeypatch):
    machine(monkeypatch, ONE_CORE_NICED)
    assert P.cpu_threads() == 2


def test_request_and_environment_win(monkeypatch):
    machine(monkeypatch, ONE_CORE_BUSY)
    assert P.cpu_threads(3) == 3
    monkeypatch.setenv("DEEP_PANSHARPEN_THREADS", "4")
    assert P.cpu_threads() == 4
    assert P.cpu_threads("2") == 2


def test_without_proc_stat_every_allowed_core(monkeypatch):
    machine(monkeypatch, [], cores=3)            # next() on an empty iterator: no /proc/stat to read

    def no_stat(path, *a, **k):
        raise FileNotFoundError(path)
    monkeypatch.setattr(builtins, "open", no_stat)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1})
    assert P.cpu_threads() == 2
