#!/usr/bin/env python3
"""Write tests/data/panadapter_reference.npz: fixed inputs and the bundled PanAdapter models' outputs.

The inputs (with the MTF-GLP-HPM residual base) are 48 x 48 crops of held-out Wald pairs (core.training.pan_data;
CC0 data, may be bundled):
the Landsat-8 south strip (4 bands, ratio 2) and Sentinel-2 8 bands (ratio 4).  Rerun after the bundled
weights change:  .venv/bin/python scripts/make_panadapter_reference.py
"""
from __future__ import annotations

import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from core.methods.panadapter_method import find_bundled  # noqa: E402
from core.models.panadapter.predict import predict_image  # noqa: E402
from core.models.panadapter.store import load_model  # noqa: E402
from core.training import pan_data  # noqa: E402

OUT = os.path.join(ROOT, "tests", "data", "panadapter_reference.npz")
SIDE = 48


def crop(pair, y, x):
    s = (slice(y, y + SIDE), slice(x, x + SIDE))
    c = (slice(None),) + s
    return pair.ms_up[c], pair.pan[s], pair.ref[c], pair.base[c]


def main() -> int:
    import torch
    torch.set_num_threads(1)
    out = {}
    cases = {4: (pan_data.landsat8_pairs()[1].split()[1], 2, 32, 16),
             8: ([p for p in pan_data.sentinel2_pairs(8, (4,))][0].split()[1], 4, 100, 20)}
    for bands, (pair, ratio, y, x) in cases.items():
        man = find_bundled(bands, ratio)[0]
        model, man = load_model(man["path"])
        ms_up, pan, ref, base = crop(pair, y, x)
        fused = predict_image(model, ms_up, pan, ratio, (ratio // 2, ratio // 2), base=base)
        out.update({f"ms_up_{bands}": ms_up, f"pan_{bands}": pan, f"ref_{bands}": ref, f"out_{bands}": fused,
                    f"base_{bands}": base,
                    f"ratio_{bands}": np.int64(ratio), f"sha256_{bands}": np.array(man["weights"]["sha256"])})
        print(bands, man["name"], "L1 EXP", np.abs(ms_up - ref).mean(), "L1 MTF-GLP-HPM", np.abs(base - ref).mean(),
              "L1 PanAdapter", np.abs(fused - ref).mean())
    np.savez_compressed(OUT, **out)
    print("wrote", OUT, os.path.getsize(OUT), "bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
