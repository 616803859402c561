"""This process's resident set from /proc/self/status (Linux), in GB (10^9 bytes) as the memory targets state them.

Not ``ru_maxrss``: Linux carries that over fork and exec, so a child started by a large bench reports the bench's
own size.
"""
from __future__ import annotations


def _status_kib(key: str) -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(key + ":"))


def peak_rss_gb() -> float:
    """The peak resident set so far (VmHWM)."""
    return _status_kib("VmHWM") * 1024 / 1e9


def rss_gb() -> float:
    """The resident set now (VmRSS)."""
    return _status_kib("VmRSS") * 1024 / 1e9
