#!/usr/bin/env python3
"""PanAdapter v2's scene adaptation: Wald pairs, full-resolution terms, or both (the better on the check kept).

For each pair of bench/bench_quality.py given with --pairs, after ``core.wald.degrade_pair`` (as
bench_panadapter.py), the reduced pair is fused through ``run_fusion`` (float32) and scored against the
reference (same window and cut rule):
  * Auto's classical candidates (the best classical ERGAS is the bar);
  * PanAdapter v2, bundled weights, guard off;
  * PanAdapter v2 adapted for --adapt-seconds with each ``adapt_objective``: ``wald`` (the scene reduced once
    more), ``full`` (spectral and spatial consistency with the scene itself, core.adapt.full_scale) and
    ``both`` (the default: each on half the budget, the one with the lower held-out check loss kept).
With --trace, the ``wald`` and ``full`` adaptations also run for a fixed number of steps and the true ERGAS /
SAM of the network is recorded at each of its checks (is the check loss a good guide to the truth?).

Usage:
  .venv/bin/python bench/bench_pan_scet_fullscale.py --pairs ikonos,l8_demo --threads 1 --trace 300
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import shutil
import sys

import numpy as np
import torch
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (ROOT, HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench_quality as BQ  # noqa: E402
from bench_panadapter import fuse  # noqa: E402

from core import auto_select  # noqa: E402
from core.adapt import panadapter_adapt  # noqa: E402
from core.methods import method_label, pan_scet_method as M  # noqa: E402
from core.metrics import reduced_resolution_report  # noqa: E402
from core.wald import degrade_pair  # noqa: E402

gdal.UseExceptions()
OBJECTIVES = ("wald", "full", "both")


def _score(out, ref, rgt, ratio, peak):
    fused, fgt = BQ._read(out)
    f, r, _off = BQ.align(fused, fgt, ref, rgt)
    cut = BQ.auto_cut(f.shape[1], f.shape[2], "auto")
    rep = reduced_resolution_report(f, r, ratio, cut=cut, value_max=peak)
    return {"ERGAS": round(float(rep["ERGAS"]), 4), "SAM": round(float(rep["SAM"]), 4)}, fgt, cut


def trace(pair, red_pan, red_ms, ref, rgt, ratio, objective, steps, threads, work) -> list:
    """(step, check loss, ERGAS, SAM) at each check of an adaptation of ``steps`` steps (the network's pixels
    on the whole reduced scene, which the engine samples as one block)."""
    state, raw, rows = {}, [], []
    prepare, offer, adapt = M.PanScetMethod.prepare, panadapter_adapt.BestWeights.offer, M.adapt_pan_scet

    def fused_now(model):
        m, t = state["method"], state["samples"][0]
        keep, m.model = m.model, model
        model.eval()
        with torch.inference_mode():
            raw.append(m.fuse_tile(t)[(slice(None),) + t.core])
        m.model = keep
        model.train()
        return len(raw) - 1

    def prep(self, samples, scene):
        state["method"], state["samples"] = self, samples
        return prepare(self, samples, scene)

    def off(self, model, step, loss):
        if rows and rows[-1][0] == step:          # the final check repeats the last periodic one
            return offer(self, model, step, loss)
        rows.append((step, round(loss, 6), fused_now(model)))
        return offer(self, model, step, loss)

    def ad(model, pairs, r, seconds, device, progress=None, is_cancelled=None, **kw):
        rows.append((0, None, fused_now(model)))
        return adapt(model, pairs, r, 1e9, device, progress, is_cancelled, max_steps=steps, checks=6, **kw)

    M.PanScetMethod.prepare, panadapter_adapt.BestWeights.offer, M.adapt_pan_scet = prep, off, ad
    try:
        out = os.path.join(work, f"trace_{objective}.tif")
        fuse(red_pan, red_ms, out, "panadapter_v2", pair.sensor,
             {"adapt": True, "adapt_objective": objective, "guard": False}, threads)
    finally:
        M.PanScetMethod.prepare, panadapter_adapt.BestWeights.offer, M.adapt_pan_scet = prepare, offer, adapt
    _s, fgt, cut = _score(out, ref, rgt, ratio, pair.peak)
    table = []
    for step, loss, i in rows:
        f, r, _off = BQ.align(raw[i][None] if raw[i].ndim == 2 else raw[i], fgt, ref, rgt)
        rep = reduced_resolution_report(f, r, ratio, cut=cut, value_max=pair.peak)
        table.append([step, loss, round(float(rep["ERGAS"]), 4), round(float(rep["SAM"]), 4)])
    return table


def evaluate(pair, work, seconds, threads, trace_steps) -> dict:
    d = os.path.join(work, pair.key)
    os.makedirs(d, exist_ok=True)
    red_pan, red_ms, ref_path = (os.path.join(d, n) for n in ("reduced_pan.tif", "reduced_ms.tif", "reference.tif"))
    deg = degrade_pair(pair.pan, pair.ms, red_pan, red_ms, ref_path, sensor=pair.sensor)
    ref, rgt = BQ._read(ref_path)
    res = {"title": pair.title, "ratio": deg.ratio, "reduced_pan": deg.reduced_size, "rows": {}}
    for name in auto_select.PAN_CANDIDATES:
        out = os.path.join(d, f"{name}.tif")
        fuse(red_pan, red_ms, out, name, pair.sensor, {}, threads)
        res["rows"][name] = _score(out, ref, rgt, deg.ratio, pair.peak)[0]
    variants = [("v2_bundled", {"guard": False})] + [
        (f"v2_{o}", {"adapt": True, "adapt_seconds": seconds, "adapt_objective": o, "guard": False})
        for o in OBJECTIVES]
    for key, opts in variants:
        out = os.path.join(d, f"{key}.tif")
        secs, fr = fuse(red_pan, red_ms, out, "panadapter_v2", pair.sensor, opts, threads)
        row = _score(out, ref, rgt, deg.ratio, pair.peak)[0]
        md = gdal.Open(out).GetMetadata()
        ad = json.loads(md.get("DEEPPANSHARPEN_PANADAPTER_V2_ADAPTATION") or "{}")
        row.update(seconds=round(secs, 1), adaptation={k: ad.get(k) for k in (
            "objective", "steps", "kept_step", "check_loss_before", "check_loss_after", "objectives", "skipped")})
        res["rows"][key] = row
        print(f"  {pair.key} {key}: {row}", flush=True)
    if trace_steps:
        res["trace"] = {o: trace(pair, red_pan, red_ms, ref, rgt, deg.ratio, o, trace_steps, threads, d)
                        for o in ("wald", "full")}
        print(f"  {pair.key} trace: {res['trace']}", flush=True)
    return res


def gap(x, best):
    return f"{100.0 * (x / best - 1.0):+.1f} %"


def write_report(path, command, results, seconds, threads, trace_steps, load: float) -> None:
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# PanAdapter v2: scene adaptation on Wald pairs, at full resolution, or both", "",
        f"Command: `{command}`  ", f"Date: {now}; torch threads {threads}; machine: {os.cpu_count()} CPU cores, "
        f"1-minute load average {load:.2f} when the run started (the adaptation budgets buy fewer steps on a busy "
        "machine; the traces run fixed step counts).", "",
        "Protocol: as bench/results/panadapter_v2_quality.md (Wald via `core.wald.degrade_pair`, the pair's sensor "
        "preset, `run_fusion` float32, scored against the reference on the common window with the toolbox cut). "
        "PanAdapter v2 rows: deep guard off (the network's own pixels), adaptation from the bundled weights for "
        f"{seconds:g} s with `adapt_objective` = `wald` (the scene reduced once more, as before this change), "
        "`full` (the scene itself: the fused result, MTF-filtered and decimated, must give the MS; each band's local "
        f"correlation with the PAN must reach the MS's; weights 1 and {M.FULL_SPATIAL_WEIGHT:g}; "
        "core/adapt/full_scale.py) or `both` (the default: each on half the budget from the same start, the one with "
        "the lower loss on the held-out check crops kept). *Gap*: ERGAS against the best classical candidate.", ""]
    for res in results.values():
        rows = res["rows"]
        best = min(auto_select.PAN_CANDIDATES, key=lambda n: rows[n]["ERGAS"])
        b = rows[best]["ERGAS"]
        lines += [f"## {res['title']}", "", f"Ratio {res['ratio']}, reduced PAN {res['reduced_pan']}.", "",
                  "| method | ERGAS | SAM | gap | adaptation (objective kept, steps, kept step, check loss start -> "
                  "kept) |", "|---|---|---|---|---|"]
        for name in auto_select.PAN_CANDIDATES:
            r = rows[name]
            lines.append(f"| {method_label(name)}{' **(best classical)**' if name == best else ''} | "
                         f"{r['ERGAS']:.4f} | {r['SAM']:.4f} | {gap(r['ERGAS'], b)} | |")
        for k, label in (("v2_bundled", "PanAdapter v2, bundled"), ("v2_wald", "v2 adapted: wald"),
                         ("v2_full", "v2 adapted: full"), ("v2_both", "**v2 adapted: both (default)**")):
            r = rows[k]
            a = r.get("adaptation") or {}
            if a.get("skipped"):
                note = "skipped: the scene is too small to check an adaptation"
            elif k == "v2_bundled":
                note = ""
            else:
                note = (f"{a.get('objective')}, {a.get('steps')} steps, kept {a.get('kept_step')}, "
                        f"{a.get('check_loss_before')} -> {a.get('check_loss_after')}")
                if a.get("objectives"):
                    note += "; " + ", ".join(f"{n}: check {v['check_loss_after']}"
                                             for n, v in a["objectives"].items())
            lines.append(f"| {label} | {r['ERGAS']:.4f} | {r['SAM']:.4f} | {gap(r['ERGAS'], b)} | {note} |")
        if res.get("trace"):
            lines += ["", f"Trace ({trace_steps} steps, no time limit, checks every {trace_steps // 6} steps): "
                      "true ERGAS / SAM of the network at each check and the check loss that picks the kept step.",
                      "", "| objective | step | check loss | ERGAS | SAM |", "|---|---|---|---|---|"]
            for o, tab in res["trace"].items():
                for step, loss, e, s in tab:
                    lines.append(f"| {o} | {step} | {'start' if loss is None else loss} | {e:.4f} | {s:.4f} |")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    with open(os.path.splitext(path)[0] + ".json", "w") as f:
        json.dump(results, f, indent=1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", default="ikonos,l8_demo,s2_r2,s2_r4_10m,wv2_spacenet1")
    ap.add_argument("--adapt-seconds", type=float, default=120.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--trace", type=int, default=0, help="also trace fixed-step adaptations of N steps")
    ap.add_argument("--work", default=os.path.join(HERE, "work", "pan_scet_fullscale"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "pan_scet_fullscale.md"))
    args = ap.parse_args(argv)
    command = ".venv/bin/python bench/bench_pan_scet_fullscale.py " + shlex.join(argv or sys.argv[1:])
    load = os.getloadavg()[0]
    os.makedirs(args.work, exist_ok=True)
    np.random.seed(0)
    try:
        keep = args.pairs.split(",")
        pairs = {p.key: p for p in BQ.build_pairs(args.work, quick=False) if p.key in keep}
        results = {}
        for k in keep:
            print(f"== {pairs[k].title}", flush=True)
            results[k] = evaluate(pairs[k], args.work, args.adapt_seconds, args.threads, args.trace)
        write_report(args.out, command, results, args.adapt_seconds, args.threads, args.trace, load)
    finally:
        shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
