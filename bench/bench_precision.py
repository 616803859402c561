#!/usr/bin/env python3
"""PanAdapter v2 in float32 and with its frozen body in bfloat16 (option ``precision``) on the real pairs.

Each pair is reduced by Wald's protocol (``core.wald.degrade_pair``, the pair's sensor preset), fused by the
bundled networks (no adaptation, deep guard off so the networks make every pixel) once per precision, and
scored against the reference as in bench_quality (same alignment, border cut and metrics).  Tells whether the
bfloat16 body, the default on processors with native bfloat16, changes the result.

Usage: .venv/bin/python bench/bench_precision.py [--out bench/results/pan_scet_precision.md]
"""
from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.dirname(HERE), HERE]

import bench_auto as BA  # noqa: E402
import bench_quality as BQ  # noqa: E402

from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.metrics import reduced_resolution_report  # noqa: E402
from core.models.precision import native_bf16_cpu  # noqa: E402
from core.wald import degrade_pair  # noqa: E402

OUT = os.path.join(HERE, "results", "pan_scet_precision.md")
PAIRS = ("l8_demo", "s2_r2", "s2_r4_10m", "ikonos", "wv2_spacenet1", "spacenet2", "spacenet3")
PRECISIONS = ("float32", "bfloat16")
METRICS = ("ERGAS", "SAM", "Q2n")


def score(pair, work: str, threads: int) -> dict:
    d = os.path.join(work, pair.key)
    os.makedirs(d, exist_ok=True)
    red_pan, red_ms, ref_path = (os.path.join(d, n) for n in ("reduced_pan.tif", "reduced_ms.tif", "reference.tif"))
    deg = degrade_pair(pair.pan, pair.ms, red_pan, red_ms, ref_path, sensor=pair.sensor)
    ref, rgt = BQ._read(ref_path)
    out = {}
    for prec in PRECISIONS:
        path = os.path.join(d, f"fused_{prec}.tif")
        t0 = time.perf_counter()
        run_fusion(FusionRequest(task="pansharpen", hr_path=red_pan, lr_path=red_ms, output_path=path,
                                 method="panadapter_v2", sensor=pair.sensor, output_dtype="float32", device="cpu",
                                 method_options={"guard": False, "threads": threads, "precision": prec}))
        secs = time.perf_counter() - t0
        fused, fgt = BQ._read(path)
        f, r, _off = BQ.align(fused, fgt, ref, rgt)
        rep = reduced_resolution_report(f, r, deg.ratio, cut=BQ.auto_cut(f.shape[1], f.shape[2], "auto"),
                                        value_max=pair.peak)
        out[prec] = {k: float(rep[k]) for k in METRICS} | {"seconds": secs}
        print(f"{pair.key:14s} {prec:8s} " + "  ".join(f"{k} {out[prec][k]:.4f}" for k in METRICS)
              + f"  ({secs:.1f} s)", flush=True)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    results, labels = {}, {}
    with tempfile.TemporaryDirectory() as work:
        pairs = [p for p in BQ.build_pairs(work, False) + BA.extra_pairs(work) if p.key in PAIRS]
        for pair in sorted(pairs, key=lambda p: PAIRS.index(p.key)):
            labels[pair.key] = pair.title
            results[pair.key] = score(pair, work, args.threads)
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    lines = ["# PanAdapter v2: float32 against the bfloat16 body, real pairs", "",
             "Command: `.venv/bin/python bench/bench_precision.py`  ",
             f"Date: {when} UTC; {args.threads} torch threads; this processor computes bfloat16 natively: "
             f"{'yes' if native_bf16_cpu() else 'no (bfloat16 is emulated here, so its times say nothing)'}.", "",
             "Protocol: Wald's protocol with each pair's sensor preset; the bundled networks (no adaptation, deep "
             "guard off) fuse the reduced pair with `precision` float32 and bfloat16 (the frozen SCET blocks under "
             "bfloat16 autocast, everything else float32); scored as in bench_quality. *Change* = bfloat16 / "
             "float32 - 1. Seconds include the base check and loading the networks (small pairs: mostly fixed "
             "cost; the throughput is in pan_scet_throughput.md).", "",
             "| pair | ERGAS float32 | ERGAS bfloat16 | change | SAM float32 | SAM bfloat16 | change | "
             "Q2n float32 | Q2n bfloat16 | seconds float32 / bfloat16 |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    worst = {"ERGAS": 0.0, "SAM": 0.0}
    for key, res in results.items():
        a, b = res["float32"], res["bfloat16"]
        ch = {m: b[m] / a[m] - 1 for m in ("ERGAS", "SAM")}
        for m in worst:
            worst[m] = max(worst[m], abs(ch[m]))
        lines.append(f"| {labels[key]} | {a['ERGAS']:.4f} | {b['ERGAS']:.4f} | {100 * ch['ERGAS']:+.2f} % | "
                     f"{a['SAM']:.4f} | {b['SAM']:.4f} | {100 * ch['SAM']:+.2f} % | {a['Q2n']:.4f} | {b['Q2n']:.4f} | "
                     f"{a['seconds']:.1f} / {b['seconds']:.1f} |")
    lines += ["", f"Largest change on these {len(results)} pairs: ERGAS {100 * worst['ERGAS']:.2f} %, "
                  f"SAM {100 * worst['SAM']:.2f} %.", ""]
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
