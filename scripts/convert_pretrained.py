#!/usr/bin/env python3
"""Convert the authors' pre-trained SR weights (../shared/data/pretrained/<name>/<name>.pth) into the plugin's
format: fp16 safetensors + JSON manifest (SHA-256, provenance, licence) in resources/weights/.

The .pth is read with ``torch.load(..., weights_only=True)`` only (no arbitrary unpickling), loaded into this
project's re-implementation with ``strict=True`` (so every tensor has its place), and written from there.

Usage:
  .venv/bin/python scripts/convert_pretrained.py                 # scet_x4 and rfdn_x4
  .venv/bin/python scripts/convert_pretrained.py scet_x4 --out /tmp/w
"""
from __future__ import annotations

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from core.models import weights as W  # noqa: E402
from core.models.pretrained.load import ENGINE, build  # noqa: E402
from core.shared_data import DATA  # noqa: E402

# What ../shared/data/README.md (Provenance) says about each file; the copyright line is the one of the LICENSE
# file shipped with the weights.
SOURCES = {
    "scet_x4": {
        "architecture": "scet",
        "title": "SCET: Self-Calibrated Efficient Transformer for Lightweight Super-Resolution "
                 "(Zou, Ye, Zheng, Zhang, Chen, Wu; NTIRE 2022 efficient SR challenge, team 30)",
        "repository": "https://github.com/ofsoundof/NTIRE2022_ESR",
        "commit": "e95ba4a",
        "files": ["model_zoo/team30_scet.pth", "models/team30_scet.py"],
        "copyright": "Copyright (c) 2022 NTIRE 2022 Challenge on Efficient SR Organizers",
        "state_dict_key": None,
    },
    "rfdn_x4": {
        "architecture": "rfdn",
        "title": "RFDN: Residual Feature Distillation Network for Lightweight Image Super-Resolution "
                 "(Liu, Tang, Wu; AIM 2020 efficient SR challenge winner)",
        "repository": "https://github.com/njulj/RFDN",
        "commit": "7cf4e25",
        "files": ["trained_model/RFDN_AIM.pth"],
        "copyright": "Copyright (c) 2021 njulj",
        "state_dict_key": None,
    },
}

TRAINING_DATA = {
    "data": "DIV2K + LSDIR as ../shared/data/README.md states: natural photos published for research use, "
            "downsampled x4 by bicubic interpolation (MATLAB imresize); trained by the authors, not here",
    "note": "LSDIR was released in 2023, after this model; its training set was most likely DIV2K (with the "
            "further photo sets its efficient-SR challenge allowed)",
}


def convert(name: str, out_dir: str) -> dict:
    import torch

    src = SOURCES[name]
    pth = os.path.join(DATA, "pretrained", name, name + ".pth")
    state = torch.load(pth, map_location="cpu", weights_only=True)
    if src["state_dict_key"]:
        state = state[src["state_dict_key"]]
    model = build(src["architecture"])
    model.load_state_dict(state, strict=True)                 # raises on any missing / unexpected key
    tensors = model.state_dict()
    fp16_max = max(float(v.abs().max()) for v in tensors.values() if v.is_floating_point())
    if fp16_max >= 65504:
        raise SystemExit(f"{name}: a weight of magnitude {fp16_max} does not fit in float16")
    n_params = sum(p.numel() for p in model.parameters())
    manifest = {
        "name": name,
        "engine": ENGINE,
        "architecture": src["architecture"],
        "config": model.cfg.to_dict(),
        "bands": {"lr_bands": 3, "hr_bands": 0, "lr_order": ["R", "G", "B"]},
        "ratios": [model.cfg.scale],
        "any_ratio": False,
        "value_range": "[0, 1]: RGB photo values",
        "geometry": {"lr_origin": "bicubic (edge-aligned) downsampling: LR pixel i is centred on HR pixel "
                                  f"{model.cfg.scale} * i + {(model.cfg.scale - 1) / 2:g}"},
        "parameters": {"total": n_params},
        "licence": "MIT",
        "source": {"title": src["title"], "repository": src["repository"], "commit": src["commit"],
                   "files": src["files"], "copyright": src["copyright"],
                   "original_sha256": W.sha256_file(pth), "original_dtype": "float32",
                   "conversion": "scripts/convert_pretrained.py: strict load into core.models.pretrained, "
                                 "floating tensors cast to float16"},
        "training": dict(TRAINING_DATA),
    }
    out = os.path.join(out_dir, name + W.WEIGHTS_SUFFIX)
    man = W.save_weights(out, tensors, manifest, dtype="float16")
    print(f"{name}: {n_params} parameters, {man['weights']['tensors']} tensors, {man['weights']['bytes']} bytes "
          f"-> {out} (sha256 {man['weights']['sha256'][:16]}...)")
    return man


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", default=sorted(SOURCES), help=f"which ({', '.join(sorted(SOURCES))})")
    ap.add_argument("--out", default=W.BUNDLED_DIR, help="output folder (default resources/weights)")
    args = ap.parse_args(argv)
    for n in args.names:
        if n not in SOURCES:
            ap.error(f"unknown model {n!r}")
        convert(n, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
