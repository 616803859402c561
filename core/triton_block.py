"""Keep the ``triton`` package out of processes that run the deep methods.

PyPI's Linux torch builds bring triton, and ``import timm`` imports it through ``torch._dynamo``.  Triton's
bundled LLVM segfaults once Mesa's libLLVM is already loaded, which QGIS Desktop does for OpenGL, so one
``import timm`` aborted QGIS.  The plugin never compiles kernels (no ``torch.compile``), so triton is not
needed: marking it absent in ``sys.modules`` makes torch treat it as not installed, whatever torch build is
on the machine.  No QGIS imports: the plugin, the command line and the dependency probe all call
:func:`block_triton`.
"""
from __future__ import annotations

import os
import sys

# Set to 1 to let triton load (e.g. for torch.compile outside QGIS Desktop).
ALLOW_ENV = "DEEP_PANSHARPEN_ALLOW_TRITON"
BLOCKED = "triton"


def block_triton() -> str:
    """Make ``import triton`` fail with ImportError in this process; returns what happened:
    "blocked", "allowed" (ALLOW_ENV set) or "already imported" (too late: someone loaded it first)."""
    if os.environ.get(ALLOW_ENV, "").strip() in ("1", "true", "yes"):
        return "allowed"
    current = sys.modules.get(BLOCKED, False)
    if current is None:
        return "blocked"
    if current is not False:
        return "already imported"
    # A None entry is Python's documented way to make an import raise ImportError (and find_spec return None).
    sys.modules[BLOCKED] = None
    return "blocked"


def is_blocked() -> bool:
    return BLOCKED in sys.modules and sys.modules[BLOCKED] is None


def loaded_llvm_libraries(maps_path: str = "/proc/self/maps") -> list[str]:
    """Shared LLVM libraries mapped into this process (Mesa's, in QGIS Desktop), for the probe to preload
    the same ones; empty where /proc is not available."""
    found: list[str] = []
    try:
        with open(maps_path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                path = line.rstrip("\n").split(None, 5)[-1] if line.count(" ") >= 5 else ""
                name = os.path.basename(path)
                if name.startswith("libLLVM") and ".so" in name and path not in found:
                    found.append(path)
    except OSError:
        return []
    return found
