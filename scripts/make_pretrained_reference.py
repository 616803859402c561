#!/usr/bin/env python3
"""Store the reference outputs of the bundled pre-trained SR networks for tests/core/test_pretrained_sr.py.

Input: a seeded 16 x 16 RGB image in [0, 1] (numpy default_rng(SEED).random, float32, (1, 3, 16, 16)).
Output: each network's x4 output with the bundled fp16 weights (computed in float32 on the CPU), written
to tests/data/pretrained_sr_<name>.npy (1, 3, 64, 64) float32.  Rerun only when the bundled weights change.

Usage:
  .venv/bin/python scripts/make_pretrained_reference.py
"""
from __future__ import annotations

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from core.models.pretrained.load import load_pretrained  # noqa: E402

SEED = 20
SIZE = 16
NAMES = ("scet_x4", "rfdn_x4")
OUT = os.path.join(ROOT, "tests", "data")


def reference_input() -> np.ndarray:
    return np.random.default_rng(SEED).random((1, 3, SIZE, SIZE), dtype=np.float32)


def run(name: str, x: np.ndarray) -> np.ndarray:
    import torch
    model, _man = load_pretrained(name)
    with torch.no_grad():
        return model(torch.from_numpy(x)).numpy()


def main() -> int:
    import torch
    torch.manual_seed(0)
    x = reference_input()
    for name in NAMES:
        y = run(name, x)
        path = os.path.join(OUT, f"pretrained_sr_{name}.npy")
        np.save(path, y.astype(np.float32))
        print(f"{name}: {y.shape} range [{y.min():.4f}, {y.max():.4f}] -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
