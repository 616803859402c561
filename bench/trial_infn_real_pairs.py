#!/usr/bin/env python3
"""Trials for INFN on the real HS-MS pairs of bench_infn: does anything lift the adapted network above its base?

Three questions, each on every real pair (bench_infn.real_pairs), scored against the reference as bench_infn does:
  seeds     INFN adapted (guard off) with seeds 0 .. K-1, each alone and the mean of their outputs (an ensemble:
            does averaging remove the run-to-run noise of a small-scene adaptation?); ``--settings`` overrides
            fields of core.adapt.infn_adapt.AdaptSettings (e.g. '{"sam_weight": 0.3}')
  soup      INFN adapted K times from the same start (seeds 0 .. K-1) inside one run, the adapted weights averaged
            (a "model soup": one network's cost per tile, unlike the mean of K outputs)
  direction the Blend (hs_blend) turned part of the way (a) towards another classical result's spectral direction,
            at the truth and on Blend's own reduced-resolution check: does the check see what the truth says?
Results go to stdout; bench/results/infn_real_pair_trials.md holds a run, written by hand from it.

Usage: .venv/bin/python bench/trial_infn_real_pairs.py seeds [--k 4] [--settings JSON]
       .venv/bin/python bench/trial_infn_real_pairs.py soup [--k 4]
       .venv/bin/python bench/trial_infn_real_pairs.py direction
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]
import bench_infn as BI  # noqa: E402

from core import metrics  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402

WORK = os.path.join(os.path.dirname(HERE), "build", "trial_infn")
STEPS = (0.0, 0.125, 0.25, 0.375, 0.5)


def _fuse(msi, hsi, out, method, options=None) -> np.ndarray:
    run_fusion(FusionRequest("hsms", msi, hsi, out, method=method, output_dtype="float32", device="cpu",
                             method_options=options or {}), log=lambda _m: None)
    return gdal.Open(out).ReadAsArray().astype(np.float64)


def seeds(k: int, settings: dict) -> None:
    import core.adapt.infn_adapt as IA
    plain = IA.adapt

    def adapt(model, pairs, s, device, *a, **kw):          # the method's settings with the trial's overrides
        return plain(model, pairs, replace(s, **settings), device, *a, **kw)

    IA.adapt = adapt
    weights = BI.default_weights()
    for key, _label, msi, hsi, ref, good, ratio, peak, _c in BI.real_pairs():
        outs = []
        for seed in range(k):
            f = _fuse(msi, hsi, os.path.join(WORK, f"{key}_seed{seed}.tif"), "infn",
                      {"weights": weights, "adapt": True, "guard": False, "seed": seed})[good]
            outs.append(f)
            s = BI._scores(f, ref, ratio, peak)
            print(f"{key} seed {seed}: ERGAS {s['ERGAS']:.4f} SAM {s['SAM']:.4f}", flush=True)
        s = BI._scores(np.mean(outs, axis=0), ref, ratio, peak)
        print(f"{key} mean of {k}: ERGAS {s['ERGAS']:.4f} SAM {s['SAM']:.4f}", flush=True)


def soup(k: int) -> None:
    import torch

    import core.adapt.infn_adapt as IA
    plain = IA.adapt

    def adapt(model, pairs, s, device, *a, **kw):
        start = {n: v.detach().clone() for n, v in model.state_dict().items()}
        states, reports = [], []
        for seed in range(k):
            model.load_state_dict(start)
            rep = plain(model, pairs, replace(s, seed=seed), device, *a, **kw)
            reports.append(rep)
            if rep["kept"] == "adapted":
                states.append({n: v.detach().clone() for n, v in model.state_dict().items()})
        if not states:
            return reports[0]
        model.load_state_dict({n: torch.stack([st[n].float() for st in states]).mean(0).to(start[n].dtype)
                               if start[n].is_floating_point() else start[n] for n in start})
        after = IA.evaluate(model, pairs, device)
        print(f"  soup of {len(states)} adapted of {k}: pair RMSE {reports[0]['error_before']['rmse']:.5f} -> "
              f"{after['rmse']:.5f} (each: " + ", ".join(f"{r['error_after']['rmse']:.5f}" for r in reports) + ")",
              flush=True)
        return dict(reports[0], error_after=after, kept="adapted", steps=sum(r["steps"] for r in reports))

    IA.adapt = adapt
    weights = BI.default_weights()
    for key, _label, msi, hsi, ref, good, ratio, peak, _c in BI.real_pairs():
        f = _fuse(msi, hsi, os.path.join(WORK, f"{key}_soup.tif"), "infn",
                  {"weights": weights, "adapt": True, "guard": False})[good]
        s = BI._scores(f, ref, ratio, peak)
        print(f"{key} soup of {k}: ERGAS {s['ERGAS']:.4f} SAM {s['SAM']:.4f}", flush=True)


def turn(f: np.ndarray, c: np.ndarray, a: float) -> np.ndarray:
    """``f`` with its per-pixel spectral direction moved by ``a`` towards ``c``'s (its length kept)."""
    nf = np.linalg.norm(f, axis=0, keepdims=True)
    d = (1 - a) * f / np.maximum(nf, 1e-12) + a * c / np.maximum(np.linalg.norm(c, axis=0, keepdims=True), 1e-12)
    return nf * d / np.maximum(np.linalg.norm(d, axis=0, keepdims=True), 1e-12)


def direction(towards: str = "cnmf") -> None:
    from core.methods import hs_blend as HB
    fit = HB.fit_weights
    seen = {}

    def fit_and_score(fused, reference, bands, *a, **kw):   # Blend's own check, turned as the truth is below
        w = fit(fused, reference, bands, *a, **kw)
        g = [int(b) for b in bands]
        out = sum(w[g, i][:, None] * fused[n][g] for i, n in enumerate(fused))
        ref = reference[g][:, None]
        seen["check"] = [(metrics.ergas(turn(out, fused[towards][g], a)[:, None], ref, 1),
                          metrics.sam(turn(out, fused[towards][g], a)[:, None], ref)) for a in STEPS]
        return w

    HB.fit_weights = fit_and_score
    for key, _label, msi, hsi, ref, good, ratio, peak, _c in BI.real_pairs():
        blend = _fuse(msi, hsi, os.path.join(WORK, f"{key}_hs_blend.tif"), "hs_blend")[good]
        other = _fuse(msi, hsi, os.path.join(WORK, f"{key}_{towards}.tif"), towards)[good]
        truth = [BI._scores(turn(blend, other, a), ref, ratio, peak) for a in STEPS]
        print(f"{key} (towards {towards}; ERGAS / SAM)", flush=True)
        print("  truth: " + " | ".join(f"{a}: {t['ERGAS']:.4f} / {t['SAM']:.3f}" for a, t in zip(STEPS, truth)))
        print("  check: " + " | ".join(f"{a}: {e:.4f} / {s:.3f}" for a, (e, s) in zip(STEPS, seen["check"])))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("trial", choices=("seeds", "soup", "direction"))
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--settings", default="{}")
    ap.add_argument("--towards", default="cnmf")
    args = ap.parse_args(argv)
    os.makedirs(WORK, exist_ok=True)
    if args.trial == "seeds":
        seeds(args.k, json.loads(args.settings))
    elif args.trial == "soup":
        soup(args.k)
    else:
        direction(args.towards)
    return 0


if __name__ == "__main__":
    sys.exit(main())
