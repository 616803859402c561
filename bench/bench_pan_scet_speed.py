#!/usr/bin/env python3
"""PanAdapter v2 (and PanAdapter's 8-band layout) CPU throughput and peak memory through the engine.

Each case is a synthetic 2048 x 2048 PAN scene (uint16, textured) fused by ``run_fusion`` with the method's
defaults (base check, default 1024-pixel tiles) but the deep guard off, so that the network makes every tile (on
this synthetic scene the guard hands them to a classical method, which would time that method), in a fresh
Python process, twice: the reported time is the faster run (the first also pays for loading torch and the
weights), the memory the peak resident set of that process in GB of 10^9 bytes (bench/proc_memory.py).
Rows are appended to bench/results/pan_scet_throughput.md with the load average and the other busy processes,
since a shared CPU changes the numbers.

Usage: .venv/bin/python bench/bench_pan_scet_speed.py [--threads 2] [--side 2048] [--out FILE]
       .venv/bin/python bench/bench_pan_scet_speed.py --method panadapter --bands 8 --ratios 4   # the 8-band layout
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "results", "pan_scet_throughput.md")
TARGET_MP_S, TARGET_GB = 0.5, 2.0
HEADER = ("| date (UTC) | command | method | MS bands | torch threads | ratio | PAN MP/s | seconds (runs) | peak GB | "
          "pixels made by | load (1 min) | other busy processes |")

CHILD = r"""
import json, os, sys, time
import numpy as np
from osgeo import gdal
sys.path[:0] = [sys.argv[1], os.path.join(sys.argv[1], "bench")]
from proc_memory import peak_rss_gb
from core.engine import FusionRequest, run_fusion
work, side, ratio, threads = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
method, bands = sys.argv[6], int(sys.argv[7])
rng = np.random.default_rng(0)
coarse = rng.random((side // 16, side // 16)).astype(np.float32)
tex = np.kron(coarse, np.ones((16, 16), np.float32)) + 0.25 * rng.random((side, side)).astype(np.float32)
cube = np.stack([tex * (0.8 + 0.1 * b) for b in range(bands)]) * 600 + 100
ms = cube.reshape(bands, side // ratio, ratio, side // ratio, ratio).mean(axis=(2, 4))
def write(path, a, px):
    ds = gdal.GetDriverByName("GTiff").Create(path, a.shape[-1], a.shape[-2], a.shape[0] if a.ndim == 3 else 1,
                                              gdal.GDT_UInt16)
    ds.SetGeoTransform((0.0, px, 0.0, 0.0, 0.0, -px))
    for i, band in enumerate(a if a.ndim == 3 else a[None]):
        ds.GetRasterBand(i + 1).WriteArray(np.rint(band).astype(np.uint16))
    ds = None
    return path
pan = write(os.path.join(work, f"pan_{ratio}.tif"), cube.mean(0), 1.0)
msp = write(os.path.join(work, f"ms_{ratio}.tif"), ms, float(ratio))
del coarse, tex, cube, ms        # the synthetic arrays (0.3 GB for 8 bands) are not part of a fusion's memory
times = []
for k in range(2):
    t0 = time.perf_counter()
    res = run_fusion(FusionRequest("pansharpen", pan, msp, os.path.join(work, f"out_{ratio}.tif"),
                                   method=method, sensor="generic",
                                   method_options={"threads": threads, "guard": False}))
    times.append(time.perf_counter() - t0)
print(json.dumps({"seconds": times, "mp": side * side / 1e6,
                  "peak_gb": peak_rss_gb(),
                  "produced_by": gdal.Open(os.path.join(work, f"out_{ratio}.tif")).GetMetadataItem(
                      "DEEPPANSHARPEN_PRODUCED_BY")}))
"""


def busy_processes() -> str:
    """Other processes using the CPU now (ps), so a reader can tell a loaded measurement."""
    # ps's %CPU is each process's CPU time over its lifetime: a fair sign of a long job such as a training
    out = subprocess.run(["ps", "-eo", "pid,pcpu,ni,comm", "--sort=-pcpu"], capture_output=True, text=True).stdout
    rows = [r.split(None, 3) for r in out.splitlines()[1:]]
    busy = [f"{c} ({p} % CPU, nice {n})" for pid, p, n, c in rows
            if float(p) >= 10 and c != "ps" and int(pid) != os.getpid()]
    return ", ".join(busy[:4]) or "none"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--side", type=int, default=2048)
    ap.add_argument("--out", default=OUT)
    ap.add_argument("--method", default="panadapter_v2", choices=("panadapter_v2", "panadapter"))
    ap.add_argument("--bands", type=int, default=4, help="MS bands (PanAdapter has a bundled 8-band network)")
    ap.add_argument("--ratios", default="2,4")
    args = ap.parse_args(argv)
    load, busy = os.getloadavg()[0], busy_processes()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for ratio in (int(r) for r in args.ratios.split(",")):
            p = subprocess.run([sys.executable, "-c", CHILD, ROOT, work, str(args.side), str(ratio), str(args.threads),
                                args.method, str(args.bands)],
                               capture_output=True, text=True)
            if p.returncode:
                print(p.stderr[-3000:], file=sys.stderr)
                return 1
            r = json.loads(p.stdout.strip().splitlines()[-1])
            best = min(r["seconds"])
            rows.append((ratio, r["mp"] / best, best, r["seconds"], r["peak_gb"], r["produced_by"]))
            print(f"ratio {ratio}: {r['mp'] / best:.2f} PAN MP/s ({best:.1f} s; runs {r['seconds']}), "
                  f"peak {r['peak_gb']:.2f} GB; pixels made by {r['produced_by']}", flush=True)
    command = ".venv/bin/python bench/bench_pan_scet_speed.py " + " ".join(
        shlex.quote(a) for a in (argv or sys.argv[1:]))
    new = not os.path.exists(args.out)
    text = "" if new else open(args.out).read()
    with open(args.out, "a") as f:
        if new:
            f.write("# PanAdapter v2: CPU throughput and peak memory (appended per run)\n\n"
                    f"Synthetic uint16 scene, PAN {args.side} x {args.side}, `run_fusion` with the method's "
                    "defaults (base check, 1024-pixel tiles) but the deep guard off, in a fresh process; time = the "
                    "faster of 2 runs (the first also loads torch and the weights); memory = the process's peak "
                    "resident set. "
                    f"Targets: >= {TARGET_MP_S} PAN MP/s on 2 threads, <= {TARGET_GB:g} GB.\n\n"
                    "*Pixels made by*: the output's DEEPPANSHARPEN_PRODUCED_BY (with the guard on, a classical "
                    "method made them on this synthetic scene, and its speed was timed).\n")
        if HEADER not in text:
            f.write("\n" + HEADER + "\n" + "|---" * HEADER.count(" | ") + "|---|\n")
        when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
        for ratio, mps, _best, runs, gb, made_by in rows:
            f.write(f"| {when} | `{command.strip()}` | {args.method} | {args.bands} | {args.threads} | {ratio} | "
                    f"{mps:.2f} | {' / '.join(f'{s:.1f}' for s in runs)} | {gb:.2f} | {made_by} | {load:.2f} | "
                    f"{busy} |\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
