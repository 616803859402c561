#!/usr/bin/env python3
"""Store the bundled INFN model's output on a fixed synthetic input: tests/data/infn_bundled_reference.npz.

tests/core/test_infn_adapt.py loads the bundled weights (SHA-256 checked), recomputes this output and
compares.  Rerun after replacing the bundled weights:

    .venv/bin/python scripts/make_infn_reference.py

The input is generated here from a seed (no CAVE pixels are stored): 5 smooth reflectance spectra on the 31
CAVE bands mixed by smooth random abundance maps, 64 x 64 HR pixels; RGB = D700 response x cube; LR-HSI by
the CAVE protocol at x4 (3 x 3 Gaussian, sigma 0.5, decimation at 2, 4 + 2 ...).  The output (every second
pixel, float32) is what is stored.
"""
from __future__ import annotations

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

OUT = os.path.join(ROOT, "tests", "data", "infn_bundled_reference.npz")


def bundled_weights():
    """The bundled CAVE INFN weights (31-band HSI + RGB), or None when none is installed."""
    from core.models import weights as W
    for man in W.list_models():
        b = man.get("bands", {})
        if man["engine"] == "infn" and b.get("lr_bands") == 31 and b.get("hr_bands") == 3:
            return man["path"]
    return None


def reference_input(size: int = 64, ratio: int = 4):
    from scipy import ndimage

    from core.adapt.infn_adapt import D700_RGB
    from core.filters import upsample
    from core.training import cave
    rng = np.random.default_rng(20240601)
    wl = np.linspace(0.0, 1.0, 31)
    spectra = np.stack([0.15 + 0.6 * (1 / (1 + np.exp(-(wl - c) * s)))
                        for c, s in zip(rng.uniform(0.2, 0.8, 5), rng.uniform(-15, 15, 5))])        # (5, 31)
    ab = np.stack([ndimage.gaussian_filter(rng.random((size, size)), 3.0) for _ in range(5)])
    ab = np.exp(8 * (ab - ab.mean(axis=(1, 2), keepdims=True)))
    ab /= ab.sum(axis=0, keepdims=True)
    cube = np.tensordot(spectra.T, ab, axes=(1, 0)).astype(np.float32)                           # (31, H, W)
    msi = np.tensordot(D700_RGB / D700_RGB.sum(1, keepdims=True), cube, axes=(1, 0)).astype(np.float32)
    lr = cave.simulate_lr(cube, ratio)
    up = upsample(lr, ratio, cube.shape[-2:]).astype(np.float32)
    return lr, msi, up, ratio


def reference_output(weights_path: str) -> np.ndarray:
    import torch

    from core.models import weights as W
    from core.models.infn import INFN, InfnConfig
    tensors, man = W.load_weights(weights_path, engine="infn")
    net = INFN(InfnConfig.from_dict(man["config"]))
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    net.eval()
    lr, msi, up, r = reference_input()
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))[None]
    with torch.inference_mode():
        out = net(t(lr), t(msi), t(up), r, origin=(r // 2, r // 2))[0].numpy()
    return np.ascontiguousarray(out[:, ::2, ::2], dtype=np.float32)


def main() -> int:
    from core.models import weights as W
    path = bundled_weights()
    if path is None:
        print("no bundled INFN weights (31-band HSI + RGB) in resources/weights", file=sys.stderr)
        return 1
    man = W.read_manifest(path)
    out = reference_output(path)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    np.savez_compressed(OUT, output=out, sha256=np.array(man["weights"]["sha256"]),
                        weights=np.array(os.path.basename(path)))
    print(f"wrote {OUT} ({out.shape}, weights {os.path.basename(path)} sha256 {man['weights']['sha256'][:16]}...)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
