#!/usr/bin/env python3
"""PanAdapter v2 networks alone on held-out reduced-resolution pairs, refining each trained base in turn.

Pairs (neither in any training set): SpaceNet-6 WorldView-2 Rotterdam tile 1 and IKONOS (imgIK.mat), each
reduced by 4 with Wald's protocol as the training pairs are (core.training.pan_data.wald_pair: the sensor's
MTF gains, values scaled as in training).  For every weights file given, the network refines each of the
bases of its manifest (core.models.pan_scet.predict.predict_tile on the whole image); the classical methods
are scored on the same pair.  ERGAS / SAM on the whole image (no border cut).  Rows go to the report with the
command; lower is better.  ``--average 1+3`` adds a column with the mean of the results of the 1st and 3rd
networks given (as PanAdapter v2 averages its networks), and the report gives each network's seconds for one
1088 x 1088 PAN tile on the bench's threads, what an average costs.

Full resolution: the bundled WorldView-2 sample (SpaceNet-6 tile 1, held out) fused as it is through the engine
by every classical method, PanAdapter and PanAdapter v2 (deep guard off), scored without a reference
(core.assess.assess_full: D_lambda, D_S, QNR, HQNR; higher QNR / HQNR is better).

Usage: .venv/bin/python bench/bench_pan_scet_heldout.py WEIGHTS [WEIGHTS ...] [--out FILE]
"""
from __future__ import annotations

import argparse
import datetime
import os
import shlex
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from core import metrics  # noqa: E402
from core.methods import method_label  # noqa: E402
from core.methods.pan_scet_method import DEFAULT_BASES, load_network  # noqa: E402
from core.models.pan_scet.predict import predict_tile  # noqa: E402
from core.sensors import SENSORS  # noqa: E402
from core.shared_data import DATA  # noqa: E402
from core.training import pan_data  # noqa: E402
from core.training.pan_bases import pair_bases  # noqa: E402

CLASSICAL = ("exp", "brovey", "bt_h", "gsa", "bdsd_pc", "mtf_glp_hpm", "mtf_glp_fs", "awlp")


def heldout_pairs() -> list:
    import scipy.io as sio
    ik = sio.loadmat(os.path.join(DATA, "vhr", "imgIK.mat"))
    s = SENSORS["ikonos"]
    return pan_data.spacenet6_pairs((1,)) + [pan_data.wald_pair(
        "ikonos", np.asarray(ik["I_PAN"], np.float32), np.transpose(np.asarray(ik["I_MS"], np.float32), (2, 0, 1)),
        4, (2, 2), s.value_max, list(s.gnyq_ms), s.gnyq_pan)]


def full_resolution() -> list[str]:
    """Markdown rows of the no-reference scores of the WorldView-2 sample fused at full resolution."""
    import tempfile

    from core.assess import assess_full
    from core.engine import FusionRequest, run_fusion
    sample = os.path.join(ROOT, "resources", "sample")
    pan, ms = (os.path.join(sample, n) for n in ("worldview2_pan_0.5m.tif", "worldview2_ms_BGRN_2m.tif"))
    lines = ["## Full resolution: the WorldView-2 sample (SpaceNet-6 tile 1, PAN 480 x 480, held out)", "",
             "| method | D_lambda | D_S | QNR | HQNR |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as work:
        for m in CLASSICAL + ("panadapter", "panadapter_v2"):
            out = os.path.join(work, f"{m}.tif")
            run_fusion(FusionRequest("pansharpen", pan, ms, out, method=m, sensor="wv2_bgrn", output_dtype="float32",
                                     method_options={"guard": False} if m.startswith("panadapter") else {}))
            r = assess_full(out, pan, ms).metrics
            lines.append(f"| {method_label(m)} | {r['D_lambda']:.4f} | {r['D_S']:.4f} | {r['QNR']:.4f} | "
                         f"{r['HQNR']:.4f} |")
            print(lines[-1], flush=True)
    return lines + [""]


def tile_seconds(model, side: int = 1088) -> float:
    """Seconds of predict_tile on a side x side PAN tile of 4 bands at ratio 4 (the second of two runs)."""
    rng = np.random.default_rng(0)
    ms_up, pan = rng.random((4, side, side), dtype=np.float32), rng.random((side, side), dtype=np.float32)
    for _ in range(2):
        t0 = time.perf_counter()
        predict_tile(model, ms_up, pan, ms_up, 4, (2, 2))
    return time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("weights", nargs="+")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "pan_scet_heldout.md"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--average", action="append", default=[], metavar="I+J",
                    help="a column averaging the results of these networks (1-based positions among WEIGHTS)")
    args = ap.parse_args(argv)
    import torch
    torch.set_num_threads(args.threads)
    # channels-last, as the method runs them
    nets = [(os.path.relpath(w, ROOT), m.to(memory_format=torch.channels_last), man)
            for w in args.weights for m, man in [load_network(w)]]
    means = [[int(i) - 1 for i in a.split("+")] for a in args.average]
    cols = [man["name"] for _p, _m, man in nets] + [" + ".join(nets[i][2]["name"] for i in m) for m in means]
    lines = ["# PanAdapter v2 networks on held-out pairs (reduced resolution x4, ERGAS / SAM)", "",
             f"Command: `.venv/bin/python bench/bench_pan_scet_heldout.py "
             f"{' '.join(shlex.quote(a) for a in (argv or sys.argv[1:]))}`  ",
             f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC", "",
             "Protocol: module docstring of bench/bench_pan_scet_heldout.py. Each network column refines the "
             "row's base; *best classical* is the lowest ERGAS among all classical methods.", "",
             "Networks: " + "; ".join(f"`{man['name']}` = {path} (variant {man.get('variant')}, training step "
                                      f"{man.get('training', {}).get('step')}, sha256 "
                                      f"{man.get('weights', {}).get('sha256', '?')[:12]})" for path, _m, man in nets),
             "", "Seconds for one 1088 x 1088 PAN tile (ratio 4, random values, the second of two runs, "
             f"{args.threads} thread(s)): " + "; ".join(f"`{man['name']}` {tile_seconds(model):.2f}"
                                                      for _p, model, man in nets), ""]
    for p in heldout_pairs():
        bases = pair_bases(p.ms_up, p.pan, p.ratio, p.gnyq_ms, p.gnyq_pan, CLASSICAL)
        score = {n: (metrics.ergas(b, p.ref, p.ratio), metrics.sam(b, p.ref)) for n, b in bases.items()}
        best = min(score, key=lambda n: score[n][0])
        lines += [f"## {p.name} (reduced PAN {p.pan.shape[0]} x {p.pan.shape[1]})", "",
                  f"Best classical: {method_label(best)} {score[best][0]:.4f} / {score[best][1]:.3f}", "",
                  "| base | base alone | " + " | ".join(f"`{c}`" for c in cols) + " |",
                  "|---|---|" + "---|" * len(cols)]
        for b in DEFAULT_BASES:
            outs = [predict_tile(model, p.ms_up, p.pan, bases[b], p.ratio, (p.ratio // 2, p.ratio // 2))
                    for _n, model, _man in nets]
            outs += [np.mean([outs[i] for i in m], axis=0) for m in means]
            cells = []
            for out in outs:
                e, s = metrics.ergas(out, p.ref, p.ratio), metrics.sam(out, p.ref)
                cells.append(f"{e:.4f} / {s:.3f} ({100 * (e / score[best][0] - 1):+.1f} %)")
            lines.append(f"| {method_label(b)} | {score[b][0]:.4f} / {score[b][1]:.3f} | " + " | ".join(cells) + " |")
        lines.append("")
        print("\n".join(lines[-8:]), flush=True)
    lines += ["Percentages: the network's ERGAS against the best classical method's on the pair.", ""]
    lines += full_resolution()
    with open(args.out, "w") as f:
        f.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
