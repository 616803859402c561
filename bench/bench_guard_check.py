#!/usr/bin/env python3
"""The deep guard's reduced-resolution check against the truth: does it rank a network that did not adapt as the
scene itself does?

Parts (``--parts``, default both; results merge into bench/results/guard_check.json and the report
bench/results/guard_check.md is rebuilt from it):

  cave  INFN on each CAVE validation scene (never trained on; CAVE protocol as bench_infn's cave part, written
        as float32 GeoTIFFs with their wavelengths: what a user with such data gives the plugin), ratios 4 and
        8, sensor preset ``generic``, through run_fusion: INFN with the guard off (the network's pixels), with
        the default options (guard on, no adaptation), with the guard's margin for a network that did not adapt
        set to 0 (the rule before that margin), every classical candidate of the guard
        (core.auto_select.HSMS_CANDIDATES, so that the truth of its pick is known) and, with ``--adapt``, INFN
        with ADAPT (120 s) and the guard on at ratio 4.  Scores against the reference cube on the output window
        (peak 1, output clipped to [0, 1]).
  pan   PanAdapter v2 (bundled, not adapted) on the reduced-resolution pairs of bench_panadapter (Wald via
        core.wald.degrade_pair, the pair's preset): guard off and on, and the guard's pick alone; ERGAS / SAM
        against the reference as bench_quality scores them.

The guard's check numbers come from the output's DEEPPANSHARPEN_DEEP_GUARD metadata.

Usage: .venv/bin/python bench/bench_guard_check.py [--parts cave pan] [--adapt] [--ratios 4,8]
       [--pairs wv2_spacenet1,ikonos,l8_demo,s2_r2,s2_r4_10m]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys

import numpy as np
from osgeo import gdal, osr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (ROOT, HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import bench_quality as BQ  # noqa: E402
from bench_infn import _scores, _write  # noqa: E402

from core import auto_select  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.methods import deep_guard, method_label  # noqa: E402
from core.metrics import reduced_resolution_report  # noqa: E402
from core.training import cave  # noqa: E402
from core.wald import degrade_pair  # noqa: E402

gdal.UseExceptions()
WORK = os.path.join(ROOT, "build", "bench_guard_check")
OUT_MD = os.path.join(HERE, "results", "guard_check.md")
PAN_PAIRS = "wv2_spacenet1,ikonos,l8_demo,s2_r2,s2_r4_10m"
PIXEL, X0, Y0 = 10.0, 500000.0, 5000000.0


def write_scene(d: str, cube: np.ndarray, ratio: int) -> tuple[str, str]:
    """(MSI, LR-HSI) GeoTIFFs of a CAVE cube by the CAVE protocol; LR pixel i centred on HR pixel r i + r // 2."""
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    shift = (ratio // 2 - (ratio - 1) / 2.0) * PIXEL           # the LR grid's corner
    lr = cave.simulate_lr(cube, ratio).astype(np.float32)
    msi = _write(os.path.join(d, "msi.tif"), cave.simulate_msi(cube, cave.read_response()).astype(np.float32),
                 (X0, PIXEL, 0, Y0, 0, -PIXEL), srs.ExportToWkt())
    hsi = _write(os.path.join(d, "hsi.tif"), lr, (X0 + shift, PIXEL * ratio, 0, Y0 - shift, 0, -PIXEL * ratio),
                 srs.ExportToWkt(), band_md=[{"wavelength": str(400 + 10 * b)} for b in range(lr.shape[0])])
    return msi, hsi


def _provenance(path: str, method: str) -> dict:
    """Who made the pixels of an output and, for a deep method, its guard's record."""
    md = gdal.Open(path).GetMetadata()
    row = {"produced_by": md.get("DEEPPANSHARPEN_PRODUCED_BY", method)}
    if "DEEPPANSHARPEN_DEEP_GUARD" in md:
        row["guard"] = json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"])
    return row


def fuse(msi: str, hsi: str, out: str, method: str, options: dict, cube: np.ndarray, ratio: int) -> dict:
    run_fusion(FusionRequest("hsms", msi, hsi, out, method=method, output_dtype="float32", sensor="generic",
                             device="cpu", method_options=options))
    ds = gdal.Open(out)
    fused = np.clip(ds.ReadAsArray().astype(np.float64), 0, 1)
    gt = ds.GetGeoTransform()
    oy, ox = int(round((Y0 - gt[3]) / PIXEL)), int(round((gt[0] - X0) / PIXEL))
    ref = cube[:, oy:oy + fused.shape[1], ox:ox + fused.shape[2]]
    return {k: float(v) for k, v in _scores(fused, ref, ratio, 1.0).items()} | _provenance(out, method)


def run_scene(name: str, ratio: int, adapt: bool) -> dict:
    d = os.path.join(WORK, f"{name}_x{ratio}")
    os.makedirs(d, exist_ok=True)
    cube = cave.load_scene(cave.DEFAULT_ROOT, name)
    msi, hsi = write_scene(d, cube, ratio)
    rows = {}
    for key, method, opts in [("infn_network", "infn", {"guard": False}), ("infn_default", "infn", {})] + \
            [(c, c, {}) for c in auto_select.HSMS_CANDIDATES]:
        rows[key] = fuse(msi, hsi, os.path.join(d, f"{key}.tif"), method, opts, cube, ratio)
    margin = deep_guard.UNADAPTED_INFN_MARGIN
    try:
        deep_guard.UNADAPTED_INFN_MARGIN = 0.0              # the rule before the margin
        rows["infn_margin0"] = fuse(msi, hsi, os.path.join(d, "infn_margin0.tif"), "infn", {}, cube, ratio)
    finally:
        deep_guard.UNADAPTED_INFN_MARGIN = margin
    if adapt and ratio == 4:
        rows["infn_adapted"] = fuse(msi, hsi, os.path.join(d, "infn_adapted.tif"), "infn", {"adapt": True},
                                    cube, ratio)
    print(f"  {name} x{ratio}: " + ", ".join(f"{k} {v['PSNR']:.2f} ({v['produced_by']})" for k, v in rows.items()),
          flush=True)
    return rows


def _score_pan(pair, deg, red_pan: str, red_ms: str, ref_path: str, work: str, method: str, opts: dict,
               tag: str) -> dict:
    """``method`` on the reduced pair, scored against the reference as bench_quality scores it."""
    path = os.path.join(work, f"{pair.key}_{tag}.tif")
    run_fusion(FusionRequest("pansharpen", red_pan, red_ms, path, method=method, sensor=pair.sensor,
                             output_dtype="float32", device="cpu", method_options=opts))
    ref, rgt = BQ._read(ref_path)
    fused, fgt = BQ._read(path)
    f, r, _off = BQ.align(fused, fgt, ref, rgt)
    rep = reduced_resolution_report(f, r, deg.ratio, cut=BQ.auto_cut(f.shape[1], f.shape[2], "auto"),
                                    value_max=pair.peak)
    return {"ERGAS": float(rep["ERGAS"]), "SAM": float(rep["SAM"])} | _provenance(path, method)


def part_pan(keys: list[str]) -> dict:
    """PanAdapter v2, not adapted, guard off / on and the guard's pick alone on each reduced pair."""
    work = os.path.join(WORK, "pan")
    os.makedirs(work, exist_ok=True)
    out = {}
    for pair in (p for p in BQ.build_pairs(work, False) if p.key in keys):
        paths = [os.path.join(work, pair.key + n) for n in ("_pan.tif", "_ms.tif", "_ref.tif")]
        deg = degrade_pair(pair.pan, pair.ms, *paths, sensor=pair.sensor)
        rows = {"network": _score_pan(pair, deg, *paths, work, "panadapter_v2", {"guard": False}, "network"),
                "default": _score_pan(pair, deg, *paths, work, "panadapter_v2", {}, "default")}
        pick = rows["default"]["guard"].get("best_classical")
        if pick:
            rows["pick"] = _score_pan(pair, deg, *paths, work, pick, {}, "pick")
        out[pair.key] = {"label": pair.title, **rows}
        print(f"  {pair.key}: " + ", ".join(f"{k} {v['ERGAS']:.4f} ({v['produced_by']})" for k, v in rows.items()),
              flush=True)
    return out


def _check(g: dict) -> tuple[str | None, float, float]:
    """(pick, network's check ERGAS, pick's as Auto ranks it) of a guard record."""
    pick = g.get("best_classical")
    cand = next((c for c in g.get("candidates", []) if c["method"] == pick), {})
    return (pick, g.get("network", {}).get("ergas") or float("nan"),
            cand.get("rank_ergas") or cand.get("ergas") or float("nan"))


def render_cave(res: dict) -> list[str]:
    margin = res["margin"]
    lines = [
        "## INFN on CAVE scenes (its own domain), not adapted",
        "",
        f"Date: {res['date']}.",
        "",
        "Each CAVE validation scene (never trained on; CAVE protocol: LR-HSI = 3 x 3 Gaussian sigma 0.5 and "
        "decimation, MSI = Nikon D700 response x HSI) written as float32 GeoTIFFs with wavelengths and fused "
        "through `run_fusion` with the sensor preset `generic`, as a user would; scores against the reference cube "
        "(PSNR peak 1, output clipped to [0, 1]). *Check*: the guard's reduced-resolution check (the scene reduced "
        "once more by the ratio) - the network's ERGAS there against the classical pick's (Auto's rule over "
        "`hs_auto`'s candidates) and by how much it trails. *Rule 0 %*: the guard before the margin (any loss "
        f"on the check returns the pick); *rule {margin:.0%}*: the default for an INFN network that did not adapt "
        "to the scene. The last columns: PSNR of what each rule writes.",
        "",
        "| scene | ratio | check ERGAS network / pick | trails by | pick | network PSNR / SAM | pick PSNR / SAM | "
        f"rule 0 % writes | rule {margin:.0%} writes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    trails, lost = [], []
    for key, rows in res["scenes"].items():
        name, ratio = key.rsplit("_x", 1)
        pick, net_check, pick_check = _check(rows["infn_default"].get("guard", {}))
        net, pk = rows["infn_network"], rows.get(pick, {})
        old, new = rows["infn_margin0"], rows["infn_default"]
        trails.append(100 * (net_check / pick_check - 1))
        lost.append(net["PSNR"] - old["PSNR"])
        lines.append(f"| {name} | x{ratio} | {net_check:.4f} / {pick_check:.4f} | {trails[-1]:+.1f} % | "
                     f"{method_label(pick) if pick else '-'} | {net['PSNR']:.2f} / {net['SAM']:.2f} | "
                     f"{pk.get('PSNR', float('nan')):.2f} / {pk.get('SAM', float('nan')):.2f} | "
                     f"{old['PSNR']:.2f} ({old['produced_by']}) | {new['PSNR']:.2f} ({new['produced_by']}) |")
    kept = sum(rows["infn_default"]["produced_by"] == "infn" for rows in res["scenes"].values())
    better = sum(rows["infn_network"]["PSNR"] > max(rows[c]["PSNR"] for c in auto_select.HSMS_CANDIDATES)
                 for rows in res["scenes"].values())
    lines += ["", f"The network is better than every candidate on the scene itself on {better} of {len(trails)} "
              f"scene-ratio cases, yet trails the pick on the check by {min(trails):+.1f} to {max(trails):+.1f} %: "
              f"rule 0 % returned the pick on {len(trails) - sum(t <= 0 for t in trails)} of them, "
              f"{min(lost):.1f} to {max(lost):.1f} dB below the network; rule {margin:.0%} keeps the network on "
              f"{kept}."]
    adapted = {k: v["infn_adapted"] for k, v in res["scenes"].items() if "infn_adapted" in v}
    if adapted:
        lines += ["", "With ADAPT (120 s; training data = the scene reduced by the ratio, the guard on): PSNR / SAM of "
                  "the output against the network without adaptation. Adapting to the reduced scale makes it worse "
                  "at the scene's own scale here.", "",
                  "| scene | ratio | adapted (guard on) | not adapted (network) |", "|---|---|---|---|"]
        for key, row in adapted.items():
            name, ratio = key.rsplit("_x", 1)
            net = res["scenes"][key]["infn_network"]
            lines.append(f"| {name} | x{ratio} | {row['PSNR']:.2f} / {row['SAM']:.2f} ({row['produced_by']}) | "
                         f"{net['PSNR']:.2f} / {net['SAM']:.2f} |")
    lines += ["", "Every classical candidate on the scene itself (PSNR / SAM):", "",
              "| scene | ratio | " + " | ".join(method_label(c) for c in auto_select.HSMS_CANDIDATES) + " |",
              "|---|---|" + "---|" * len(auto_select.HSMS_CANDIDATES)]
    for key, rows in res["scenes"].items():
        name, ratio = key.rsplit("_x", 1)
        lines.append(f"| {name} | x{ratio} | " + " | ".join(f"{rows[c]['PSNR']:.2f} / {rows[c]['SAM']:.2f}"
                                                              for c in auto_select.HSMS_CANDIDATES) + " |")
    return lines


def render_pan(res: dict) -> list[str]:
    lines = [
        "## PanAdapter v2 on the pansharpening pairs, not adapted",
        "",
        f"Date: {res['date']}.",
        "",
        "The reduced-resolution pairs of `bench/bench_panadapter.py` (Wald via `core.wald.degrade_pair`, the pair's "
        "preset), PanAdapter v2 with its bundled weights (the pair of networks, no adaptation), ERGAS / SAM against "
        "the reference as bench_quality scores them. The guard's rule here has no margin.",
        "",
        "| pair | check ERGAS network / pick | trails by | pick | network ERGAS / SAM | pick ERGAS / SAM | "
        "network vs pick on the pair | guard writes |",
        "|---|---|---|---|---|---|---|---|",
    ]
    right = 0
    for _key, rows in res["pairs"].items():
        pick, net_check, pick_check = _check(rows["default"].get("guard", {}))
        net, pk, out = rows["network"], rows.get("pick", {}), rows["default"]
        truth = 100 * (net["ERGAS"] / pk["ERGAS"] - 1) if pk else float("nan")
        right += (truth > 0) == (out["produced_by"] != "panadapter_v2")
        lines.append(f"| {rows['label']} | {net_check:.4f} / {pick_check:.4f} | "
                     f"{100 * (net_check / pick_check - 1):+.1f} % | {method_label(pick) if pick else '-'} | "
                     f"{net['ERGAS']:.4f} / {net['SAM']:.4f} | {pk.get('ERGAS', float('nan')):.4f} / "
                     f"{pk.get('SAM', float('nan')):.4f} | {truth:+.1f} % | "
                     f"{out['ERGAS']:.4f} ({out['produced_by']}) |")
    lines += ["", f"The guard's verdict agrees with the pair on {right} of {len(res['pairs'])}."]
    return lines


def render(res: dict) -> str:
    lines = ["# The deep guard's reduced-resolution check against the truth", "",
             "Generated by `bench/bench_guard_check.py` (commands below; raw numbers in guard_check.json). Machine: "
             "2 CPU cores.", ""]
    for part in ("cave", "pan"):
        if part in res:
            lines += [f"Command ({part}): `{res[part]['command']}`", ""]
    if "cave" in res:
        lines += render_cave(res["cave"]) + [""]
    if "pan" in res:
        lines += render_pan(res["pan"]) + [""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--parts", nargs="+", default=["cave", "pan"], choices=["cave", "pan"])
    ap.add_argument("--ratios", default="4,8")
    ap.add_argument("--adapt", action="store_true", help="cave: also INFN with ADAPT (120 s per scene) at ratio 4")
    ap.add_argument("--pairs", default=PAN_PAIRS)
    ap.add_argument("--out", default=OUT_MD)
    args = ap.parse_args(argv)
    js = os.path.splitext(args.out)[0] + ".json"
    res = json.load(open(js)) if os.path.exists(js) else {}
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = ".venv/bin/python bench/bench_guard_check.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    if "cave" in args.parts:
        scenes = {}
        for ratio in (int(r) for r in args.ratios.split(",")):
            for name in cave.VALIDATION_SCENES:
                scenes[f"{name}_x{ratio}"] = run_scene(name, ratio, args.adapt)
        res["cave"] = {"date": date, "command": command.strip(), "margin": deep_guard.UNADAPTED_INFN_MARGIN,
                       "scenes": scenes}
    if "pan" in args.parts:
        res["pan"] = {"date": date, "command": command.strip(), "pairs": part_pan(args.pairs.split(","))}
    with open(js, "w") as f:
        json.dump(res, f, indent=1, default=str)
    with open(args.out, "w") as f:
        f.write(render(res))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
