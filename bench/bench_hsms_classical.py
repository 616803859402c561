#!/usr/bin/env python3
"""Classical HS-MS fusion benchmark: every classical HS-MS method on CAVE validation x4 / x8 and the real pairs.

Parts (``--parts``, default all; results merged into bench/results/hsms_classical_results.json, the table
bench/results/hsms_classical_quality.md rebuilt from it):

  cave    the CAVE validation scenes (core.training.cave.VALIDATION_SCENES), x4 and x8, the protocol of
          bench_infn.py (../shared/docs/cave_protocol.md: values / 65535, LR = 3x3 Gaussian sigma 0.5 +
          decimation at r//2, RGB = D700 x HSI, metrics on the whole 512 x 512 image, peak 1, output clipped
          to [0, 1]); each method prepared and applied on the whole image as one engine tile, generic sensor
          preset (MTF gain 0.3: the methods that use the sensor MTF do not know CAVE's much sharper blur).
  real    bench_infn.real_pairs: the three EnMAP + simulated Sentinel-2 scenes (ratio 3) and the bundled AVIRIS
          Jasper Ridge pair (resources/sample: 198 bands at 120 m, simulated Sentinel-2
          B02-B08, B8A, B11, B12 at 30 m; ratio 4), through run_fusion, scored against the 30 m cube on the
          99 x 99 output grid (PSNR peak 5000 = reflectance 1); then the same four scenes with a simulated
          Landsat-8 OLI MSI (bands 1-7), added after the blend (hs_blend) was designed on the Sentinel-2 pairs.

INFN rows are not run here: they are copied from bench/results/infn_results.json (bench_infn.py, its date
is given) where that file has them.

Usage:  .venv/bin/python bench/bench_hsms_classical.py [--parts cave real] [--methods ...]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time

import numpy as np
import scipy
import scipy.io
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (ROOT, HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench_infn as BI  # noqa: E402

from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.filters import imresize_bicubic  # noqa: E402
from core.methods import get_method, method_label  # noqa: E402

gdal.UseExceptions()
RESULTS = os.path.join(HERE, "results")
JSON_OUT = os.path.join(RESULTS, "hsms_classical_results.json")
MD_OUT = os.path.join(RESULTS, "hsms_classical_quality.md")
INFN_JSON = os.path.join(RESULTS, "infn_results.json")
WORK = os.path.join(ROOT, "build", "bench_hsms_classical")
METHODS = ("hs_exp", "mtf_glp_hs", "ls_detail", "gsa_hs", "cnmf", "hysure", "hs_blend")
SAMPLE = os.path.join(ROOT, "resources", "sample")


def part_cave(methods) -> dict:
    from core.training import cave
    out = {"scenes": list(cave.VALIDATION_SCENES), "ratios": {}}
    scenes = cave.load_scenes(cave.VALIDATION_SCENES, [4, 8])
    for r in (4, 8):
        names = ["bicubic", *methods]
        per = {m: [] for m in names}
        times = {m: 0.0 for m in names}
        for sc in scenes:
            lr, msi, up, ref = sc.lr[r], sc.msi, sc.lr_up[r], sc.hr
            t0 = time.perf_counter()
            per["bicubic"].append(BI._scores(np.clip(imresize_bicubic(lr, r), 0, 1), ref, r, 1.0))
            times["bicubic"] += time.perf_counter() - t0
            for name in methods:
                t0 = time.perf_counter()
                m = get_method(name)
                tile = BI._whole_tile(lr, msi.astype(np.float32), up.astype(np.float32), r)
                m.prepare([tile], BI._scene_info(31, 3, r, 1.0))
                fused = np.clip(m.apply(tile), 0, 1)
                times[name] += time.perf_counter() - t0
                per[name].append(BI._scores(fused, ref, r, 1.0))
            print(f"  cave x{r} {sc.name}: " + ", ".join(f"{k} {v[-1]['PSNR']:.2f}" for k, v in per.items()),
                  flush=True)
        out["ratios"][str(r)] = {m: {k: float(np.mean([s[k] for s in v])) for k in v[0]} | {"seconds": times[m]}
                                 for m, v in per.items()}
    return out


def _fuse_and_score(msi, hsi, method, ref, good, ratio, peak, tag) -> dict:
    os.makedirs(WORK, exist_ok=True)
    out = os.path.join(WORK, f"{tag}_{method}.tif")
    t0 = time.perf_counter()
    run_fusion(FusionRequest("hsms", msi, hsi, out, method=method, output_dtype="float32"), log=lambda _m: None)
    secs = time.perf_counter() - t0
    fused = gdal.Open(out).ReadAsArray().astype(np.float64)
    row = BI._scores(fused[good], ref, ratio, peak) | {"seconds": secs}
    print(f"  {tag} {method}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items()), flush=True)
    return row


def part_real(methods) -> dict:
    """Every real pair of bench_infn.real_pairs (EnMAP A, B, C; Jasper Ridge)."""
    res = {"pairs": {}}
    for key, label, msi, hsi, ref, good, ratio, peak, _centroids in BI.real_pairs():
        rows = {m: _fuse_and_score(msi, hsi, m, ref, good, ratio, peak, key) for m in methods}
        res["pairs"][key] = {"label": label, "ratio": ratio, "methods": rows}
    return res


def _label(m: str) -> str:
    return {"bicubic": "Bicubic (MATLAB imresize)", "infn": "INFN (from infn_results.json)"}.get(m) or method_label(m)


def render(res: dict) -> str:
    env = res.get("environment", {})
    L = ["# Classical HS-MS fusion benchmark", "",
         "Generated by `.venv/bin/python bench/bench_hsms_classical.py` (protocol in the script's docstring); raw "
         "numbers in `hsms_classical_results.json`.", "",
         f"Run {env.get('date')} on {env.get('cpus')} CPU cores shared with other jobs (timings are indicative), "
         f"numpy {env.get('numpy')}, scipy {env.get('scipy')}, GDAL {env.get('gdal')}, commit {env.get('commit')}.", ""]
    infn = res.get("infn", {})
    cave = res.get("cave")
    if cave:
        L += ["## CAVE validation scenes, x4 and x8", "",
              f"Scenes: {', '.join(cave['scenes'])} (whole 512 x 512 images). PSNR dB (peak 1), SAM degrees, ERGAS, "
              "SSIM; seconds = prepare + apply, all 3 scenes.", "",
              "| ratio | method | PSNR | SAM | ERGAS | SSIM | seconds |", "|---|---|---|---|---|---|---|"]
        for r, rows in cave["ratios"].items():
            rows = dict(rows)
            extra = infn.get("cave", {}).get(r)
            if extra:
                rows["infn"] = extra
            for m, v in rows.items():
                L.append(f"| x{r} | {_label(m)} | {v['PSNR']:.2f} | {v['SAM']:.2f} | {v['ERGAS']:.2f} | "
                         f"{v['SSIM']:.4f} | {v['seconds']:.1f} |")
        L.append("")
    real = [(p["label"], p["methods"], infn.get("real", {}).get(key))
            for key, p in (res.get("real") or {}).get("pairs", {}).items()]
    if real:
        L += ["## Real sensor pairs, reduced resolution (Wald)", "",
              "EnMAP: PSNR peak 10000, bad bands excluded; Jasper Ridge: PSNR peak 5000. INFN (adapted, guard off: "
              f"the network itself; from infn_results.json of {infn.get('date', '-')}) where that bench has the "
              "pair.", "",
              "| pair | method | ERGAS | SAM | PSNR | SSIM | seconds |", "|---|---|---|---|---|---|---|"]
        for title, rows, infn_row in real:
            rows = dict(rows)
            if infn_row:
                rows["infn"] = infn_row
            best = min(rows, key=lambda m: rows[m]["ERGAS"])
            for m, v in rows.items():
                mark = " **(lowest ERGAS)**" if m == best else ""
                L.append(f"| {title} | {_label(m)}{mark} | {v['ERGAS']:.3f} | {v['SAM']:.3f} | {v['PSNR']:.2f} | "
                         f"{v['SSIM']:.4f} | {v['seconds']:.1f} |")
        L.append("")
    return "\n".join(L) + "\n"


def _infn_rows() -> dict:
    """INFN's rows of bench_infn.py's last run (not rerun here)."""
    if not os.path.exists(INFN_JSON):
        return {}
    r = json.load(open(INFN_JSON))
    out = {"date": r.get("environment", {}).get("date")}
    if "cave" in r:
        out["cave"] = {k: v["infn"] for k, v in r["cave"]["ratios"].items() if "infn" in v}
    if "real" in r:
        out["real"] = {k: p["methods"]["infn"] for k, p in r["real"]["pairs"].items() if "infn" in p["methods"]}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--parts", nargs="+", default=["cave", "real"], choices=["cave", "real"])
    ap.add_argument("--methods", nargs="+", default=list(METHODS))
    args = ap.parse_args(argv)
    os.makedirs(RESULTS, exist_ok=True)
    res = json.load(open(JSON_OUT)) if os.path.exists(JSON_OUT) else {}
    commit = os.popen(f"git -C {ROOT} rev-parse --short HEAD").read().strip()
    res["environment"] = {"cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                          "numpy": np.__version__, "scipy": scipy.__version__, "gdal": gdal.__version__,
                          "commit": commit,
                          "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    res["infn"] = _infn_rows()
    for part in args.parts:
        print(f">> {part}", flush=True)
        res[part] = {"cave": part_cave, "real": part_real}[part](args.methods)
        if part == "real":
            res.pop("enmap", None)                       # the two parts "real" replaced
            res.pop("jasper", None)
        with open(JSON_OUT, "w") as f:
            json.dump(res, f, indent=1, default=float)
        with open(MD_OUT, "w") as f:
            f.write(render(res))
    print(open(MD_OUT).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
