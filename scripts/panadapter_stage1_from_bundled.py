#!/usr/bin/env python3
"""Rebuild the stage-1 checkpoint a bundled PanAdapter network was trained from (for the ablations).

Stage 2 freezes every stage-1 tensor and the pre-trained bodies, so the bundled network holds the stage-1
checkpoint's values for all of them; the stage-2 parts of that checkpoint were never trained and are the
network's initial values for the training seed.  The result is what ``make train-panadapter`` leaves in
build/panadapter/<layout>_s1/ (in float16, as it was saved there), without the 12 + 17 minutes of pre-training
and stage 1 again.

  .venv/bin/python scripts/panadapter_stage1_from_bundled.py resources/weights/panadapter_4band.safetensors \
      build/panadapter/4band_s1/panadapter_4band_s1.safetensors
"""
from __future__ import annotations

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from core.models import weights as W  # noqa: E402
from core.models.panadapter import PanAdapter, PanAdapterConfig  # noqa: E402
from core.models.panadapter.model import STAGE2_PARTS, in_parts  # noqa: E402
from core.models.panadapter.store import load_model  # noqa: E402


def stage1_state(bundled: PanAdapter, seed: int) -> dict:
    torch.manual_seed(seed)
    fresh = PanAdapter(PanAdapterConfig.from_dict(bundled.cfg.to_dict()))
    state = bundled.state_dict()
    for k, v in fresh.state_dict().items():
        if in_parts(k, STAGE2_PARTS):
            state[k] = v
    return state


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("bundled")
    p.add_argument("out")
    args = p.parse_args(argv)
    model, man = load_model(args.bundled)
    tr = man["training"]
    prev = tr.get("previous_stages_seconds", {})
    seed = int(tr.get("settings", {}).get("seed", 0))
    name = os.path.splitext(os.path.basename(args.out))[0]
    out_man = {"name": name, "engine": man["engine"], "config": man["config"], "stage": 1,
               "variant": "panadapter", "bands": man["bands"], "ratios": man["ratios"],
               "value_range": man.get("value_range", ""),
               "training": {"data": tr.get("data"), "pretrained": tr.get("pretrained"),
                            "previous_stages_seconds": {"pretrain": prev.get("pretrain")},
                            "train_seconds": prev.get("stage1"),
                            "rebuilt_from": {"name": man["name"], "sha256": man["weights"]["sha256"],
                                             "note": "stage-1 tensors and bodies of the bundled network; stage-2 "
                                                     f"parts at their initial values for seed {seed}"}}}
    W.save_weights(args.out, stage1_state(model, seed), out_man)
    print(f"{args.out}: stage-1 checkpoint rebuilt from {man['name']} (seed {seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
