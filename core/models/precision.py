"""Reduced-precision inference on the CPU: bfloat16 where the processor computes it natively.

Processors with AVX-512 BF16 or AMX (recent AMD EPYC / Ryzen, Intel Xeon since Sapphire Rapids) run oneDNN's
bfloat16 convolutions and matrix products about twice as fast as float32; elsewhere bfloat16 is emulated and
slower, so ``auto`` keeps float32 there.  The networks decide which of their parts may run in bfloat16 (the
parts whose rounding does not reach the output: bench/results/pan_scet_throughput.md).
"""
from __future__ import annotations

import contextlib
import os

import torch

from ..errors import InputError

PRECISIONS = {
    "auto": "bfloat16 where the processor computes it natively (AVX-512 BF16 or AMX), else float32",
    "float32": "full precision everywhere",
    "bfloat16": "bfloat16 for the parts that allow it, even where the processor emulates it (slow there)",
}


def native_bf16_cpu() -> bool:
    """Whether this processor has bfloat16 arithmetic in hardware (torch's own CPU capability probes)."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(torch.cpu, p, lambda: False)()) for p in probes)


def cpu_dtype(option, device: torch.device) -> torch.dtype | None:
    """bfloat16 for the option ``precision`` (else the DEEP_PANSHARPEN_PRECISION environment variable, else
    auto) on a CPU ``device`` when it asks for it; None means float32 (on CUDA always: a network that runs in
    float16 there says so itself)."""
    req = str(option or os.environ.get("DEEP_PANSHARPEN_PRECISION", "").strip() or "auto").strip().lower()
    if req not in PRECISIONS:
        raise InputError(f"Unknown precision '{option}': use {', '.join(PRECISIONS)}.")
    if device.type != "cpu" or req == "float32":
        return None
    if req == "bfloat16" or native_bf16_cpu():
        return torch.bfloat16
    return None


def autocast(x: torch.Tensor, dtype: torch.dtype | None):
    """An autocast context for ``dtype`` on the device of ``x``, or nothing when ``dtype`` is None.  Used around
    a pre-trained body's residual blocks: their convolutions run in ``dtype`` while the residual additions
    promote back to the float32 stream, which keeps the rounding away from the output."""
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=x.device.type, dtype=dtype)


def label(dtype: torch.dtype | None) -> str:
    return "bfloat16" if dtype == torch.bfloat16 else "float16" if dtype == torch.float16 else "float32"
