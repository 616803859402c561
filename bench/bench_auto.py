#!/usr/bin/env python3
"""Auto against the best classical method on every real pair of the bench (reduced resolution, Wald).

For each pair (bench_quality's Landsat-8, Sentinel-2, IKONOS and WorldView-3 pairs, the WorldView-2 Rio
pair of bench_panadapter degraded once more, and the three SpaceNet-6 WorldView-2 tiles):
  1. ``core.wald.degrade_pair`` with the pair's sensor preset gives the reduced pair and its reference;
  2. every candidate classical method and Auto fuse the reduced pair with ``run_fusion`` (float32) and are
     scored against the reference as in bench_quality (ERGAS, SAM, Q2n; same border cut);
  3. Auto's own check (done on the reduced pair only, never seeing the reference) is read back from the
     output's metadata, so the same check can be ranked by other rules offline: the report shows, per
     rule, which method each rule picks and how far its ERGAS is from the pair's best.
Full-resolution indices (QNR, HQNR) of every candidate on the reduced pair at its own scale are computed
too, for the rules that use them.

``--timing`` measures the cost of the selection on a large scene (bench/make_large_input.py, default
10240² = 104.9 PAN megapixels): Auto and the method it chose, each in a fresh process, best of
``--repeat`` runs; the check's own seconds are read from Auto's log.

Usage:
  .venv/bin/python bench/bench_auto.py                  # -> bench/results/auto_selection.md
  .venv/bin/python bench/bench_auto.py --pairs l8_demo,ikonos --out /tmp/a.md
  .venv/bin/python bench/bench_auto.py --timing         # -> bench/results/auto_timing.md
"""
from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for p in (ROOT, HERE):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench_quality as BQ  # noqa: E402

from core import auto_select  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.methods import method_label  # noqa: E402
from core.sensors import preset_for_bands  # noqa: E402
from core.wald import degrade_pair  # noqa: E402

gdal.UseExceptions()
CANDIDATES = list(auto_select.PAN_CANDIDATES)
TOLERANCE = 0.03                 # Auto's ERGAS within 3 % of the pair's best classical method


# ------------------------------------------------------------------------------------------------
# Extra pairs
# ------------------------------------------------------------------------------------------------

def extra_pairs(work: str) -> list:
    pairs = []
    vhr = os.path.join(BQ.DATA, "vhr")
    ms = gdal.Open(os.path.join(vhr, "WV2RioMSLR.tif")).ReadAsArray().astype(np.float32)
    pan = gdal.Open(os.path.join(vhr, "WV2RioPAN.tif")).ReadAsArray().astype(np.float32)
    p = BQ._write_tif(os.path.join(work, "wv2rio_pan.tif"), pan, (0.0, 1.0, 0.0, 0.0, 0.0, -1.0))
    m = BQ._write_tif(os.path.join(work, "wv2rio_ms.tif"), ms, (0.0, 4.0, 0.0, 0.0, 0.0, -4.0))
    pairs.append(BQ.Pair(
        "wv2_rio", "WorldView-2 Rio (WV2RioMSLR/PAN, degraded once more; ratio 4, 8 bands)", p, m, "wv2", 2047.0,
        "`vhr/WV2RioMSLR.tif` (8 x 128 x 128) + `WV2RioPAN.tif` (512 x 512), float32, already a reduced pair "
        "without reference: Wald's protocol is applied to it once more, so the reference is WV2RioMSLR itself",
        evaluation_only=True))
    sn = os.path.join(BQ.DATA, "spacenet6_wv2")
    # Tiles 2 and 3 have a zero (undeclared nodata) band at the top: MS rows before these are left out.
    for i, first_row in ((1, 0), (2, 52), (3, 62)):
        ms_ds = gdal.Open(os.path.join(sn, f"rotterdam{i}_ms_2m.tif"))
        pan_ds = gdal.Open(os.path.join(sn, f"rotterdam{i}_pan_0.5m.tif"))
        ms_a = ms_ds.ReadAsArray()[:, first_row:]
        pan_a = pan_ds.ReadAsArray()[4 * first_row:]
        if (ms_a == 0).all(axis=0).any() or (pan_a == 0).any():
            raise RuntimeError(f"SpaceNet tile {i}: zero pixels left after the crop")
        mgt, pgt = ms_ds.GetGeoTransform(), pan_ds.GetGeoTransform()
        mgt = (mgt[0], mgt[1], 0.0, mgt[3] + first_row * mgt[5], 0.0, mgt[5])
        pgt = (pgt[0], pgt[1], 0.0, pgt[3] + 4 * first_row * pgt[5], 0.0, pgt[5])
        wkt = ms_ds.GetProjection()
        pp = BQ._write_tif(os.path.join(work, f"sn{i}_pan.tif"), pan_a.astype(np.uint16), pgt, wkt)
        mp = BQ._write_tif(os.path.join(work, f"sn{i}_ms.tif"), ms_a.astype(np.uint16), mgt, wkt)
        pairs.append(BQ.Pair(
            f"spacenet{i}", f"SpaceNet-6 WorldView-2 Rotterdam tile {i} (ratio 4, 4 bands)", pp, mp, "generic", 2047.0,
            f"`spacenet6_wv2/rotterdam{i}_{{pan_0.5m,ms_2m}}.tif`: PAN {pan_a.shape[1]} x {pan_a.shape[0]} at 0.5 m, "
            f"MS 4 x {ms_a.shape[2]} x {ms_a.shape[1]} at 2 m, uint16 ~11-bit"
            + (f" (MS rows from {first_row}: the zero band at the top left out)" if first_row else "")
            + "; sensor preset 'generic' (the WorldView-2 preset is for its 8 bands)"))
    return pairs


# ------------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------------

def evaluate(pair, work: str) -> dict:
    from core.metrics import full_resolution_report, reduced_resolution_report
    d = os.path.join(work, pair.key)
    os.makedirs(d, exist_ok=True)
    red_pan, red_ms, ref_path = (os.path.join(d, n) for n in ("reduced_pan.tif", "reduced_ms.tif", "reference.tif"))
    deg = degrade_pair(pair.pan, pair.ms, red_pan, red_ms, ref_path, sensor=pair.sensor)
    ref, rgt = BQ._read(ref_path)
    ms_ds = gdal.Open(red_ms)
    pair.info.update(ratio=deg.ratio, reduced_pan=deg.reduced_size, reduced_ms=(ms_ds.RasterXSize, ms_ds.RasterYSize),
                     bands=ref.shape[0])
    pan_red, pgt = BQ._read(red_pan)
    gn = list(preset_for_bands(pair.sensor, ref.shape[0]).gnyq_ms)
    truth, full, auto = {}, {}, {}
    ms_up = None
    for m in CANDIDATES + ["auto"]:
        out = os.path.join(d, f"fused_{m}.tif")
        log = []
        t0 = time.perf_counter()
        run_fusion(FusionRequest(task="pansharpen", hr_path=red_pan, lr_path=red_ms, output_path=out, method=m,
                                 sensor=pair.sensor, output_dtype="float32"), log=log.append)
        secs = time.perf_counter() - t0
        fused, fgt = BQ._read(out)
        f, r, off = BQ.align(fused, fgt, ref, rgt)
        cut = BQ.auto_cut(f.shape[1], f.shape[2], "auto")
        rep = reduced_resolution_report(f, r, deg.ratio, cut=cut, value_max=pair.peak)
        rep["seconds"] = secs
        truth[m] = rep
        pair.info.update(cut=cut, scored=(f.shape[2], f.shape[1]))
        if m == "exp":
            ms_up = fused
        ox, oy = int(round((fgt[0] - pgt[0]) / pgt[1])), int(round((fgt[3] - pgt[3]) / pgt[5]))
        pan = pan_red[0, oy:oy + fused.shape[1], ox:ox + fused.shape[2]]
        if m != "auto" and pan.shape == fused.shape[1:]:
            full[m] = full_resolution_report(fused, ms_up, pan, deg.ratio, gn)
        if m == "auto":
            md = gdal.Open(out).GetMetadata()
            auto = {"choice": md.get("DEEPPANSHARPEN_AUTO_CHOICE", ""),
                    "reason": md.get("DEEPPANSHARPEN_AUTO_REASON", ""),
                    "check": json.loads(md.get("DEEPPANSHARPEN_AUTO_CANDIDATES", "[]")), "seconds": secs,
                    "select_s": float(md.get("DEEPPANSHARPEN_AUTO_SECONDS", "nan"))}
        print(f"  {m:12s} ERGAS {rep['ERGAS']:.4f} SAM {rep['SAM']:.4f} Q2n {rep['Q2n']:.4f}"
              + (f"  QNR {full[m]['QNR']:.4f} HQNR {full[m]['HQNR']:.4f}" if m in full else "")
              + f"  ({secs:.1f} s)", flush=True)
    print(f"  auto chose {auto['choice']} ({auto['reason']})", flush=True)
    return {"truth": truth, "full": full, "auto": auto}


# ------------------------------------------------------------------------------------------------
# Rules, applied offline to Auto's recorded check
# ------------------------------------------------------------------------------------------------

def _scores(check: list[dict], hqnr: bool = True) -> list:
    out = []
    for c in check:
        s = auto_select.CandidateScore(c["method"], *(math.nan if c.get(k) is None else c[k]
                                                      for k in ("ergas", "sam", "q2n")))
        if hqnr and c.get("hqnr") is not None:
            s.hqnr = c["hqnr"]
        s.error = c.get("error", "")
        out.append(s)
    return out


def _with(penalty: float, hqnr: bool):
    """auto_select.choose with another fit penalty and with or without the HQNR guard."""
    def rule(res):
        saved = auto_select.FIT_PENALTY
        auto_select.FIT_PENALTY = penalty
        try:
            return auto_select.choose(_scores(res["auto"]["check"], hqnr)) or auto_select.PAN_FALLBACK
        finally:
            auto_select.FIT_PENALTY = saved
    return rule


def rule_plain(res):
    """Lowest check ERGAS (the obvious rule)."""
    ok = [c for c in res["auto"]["check"] if c.get("ergas") is not None and not c.get("error")]
    return min(ok, key=lambda c: c["ergas"])["method"] if ok else auto_select.PAN_FALLBACK


def rule_hqnr(res):
    """Highest toolbox HQNR of the fused reduced pair (whole image, at its own scale), no check."""
    full = {m: v for m, v in res["full"].items() if m != "exp" and math.isfinite(v["HQNR"])}
    return max(full, key=lambda m: full[m]["HQNR"]) if full else auto_select.PAN_FALLBACK


def rule_fixed(name):
    def rule(_res):
        return name
    return rule


RULES = [(f"**Auto**: check ERGAS (BDSD-PC x {auto_select.FIT_PENALTY:g}) + HQNR guard ({auto_select.HQNR_GATE:g})",
          _with(auto_select.FIT_PENALTY, True)),
         ("lowest check ERGAS (the obvious rule)", rule_plain),
         (f"check ERGAS, BDSD-PC x {auto_select.FIT_PENALTY:g}, no HQNR guard", _with(auto_select.FIT_PENALTY, False)),
         ("check ERGAS + HQNR guard, no BDSD-PC penalty", _with(1.0, True)),
         ("highest HQNR (toolbox, whole reduced pair; no check)", rule_hqnr),
         ("always MTF-GLP-HPM (today's default)", rule_fixed("mtf_glp_hpm")),
         ("always MTF-GLP-FS", rule_fixed("mtf_glp_fs"))]


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def _best(truth: dict) -> tuple[str, float]:
    m = min(CANDIDATES, key=lambda k: truth[k]["ERGAS"])
    return m, truth[m]["ERGAS"]


def _gap(truth, m) -> float:
    return 100.0 * (truth[m]["ERGAS"] / _best(truth)[1] - 1.0)


def _f(v, nd=4):
    return "–" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{nd}f}"


def notes(pairs, results) -> list[str]:
    """What the tables show, computed from them."""
    out = []
    for p in pairs:
        res = results[p.key]
        t, a = res["truth"], res["auto"]
        bm, be = _best(t)
        gap = 100.0 * (t["auto"]["ERGAS"] / be - 1.0)
        check = {c["method"]: c for c in a["check"] if c.get("ergas") is not None and not c.get("error")}
        plain = rule_plain(res)
        if plain in auto_select.FITS_AT_CHECK_SCALE and plain != a["choice"]:
            out.append(f"* {p.title}: the check ranks {method_label(plain)} first (ERGAS {check[plain]['ergas']:.4f}); "
                       f"at the true scale it is {_gap(t, plain):+.1f} % behind the best; with its ERGAS x "
                       f"{auto_select.FIT_PENALTY:g} Auto takes {method_label(a['choice'])} "
                       f"({_gap(t, a['choice']):+.1f} %).")
        left = [c for c in a["check"] if c.get("kept") is False]
        if left and plain != a["choice"] and any(c["method"] == plain for c in left):
            best_hq = max(c["hqnr"] for c in a["check"] if c.get("hqnr") is not None)
            out.append(f"* {p.title}: the check's best, {method_label(plain)} "
                       f"({_gap(t, plain):+.1f} % at the true scale), "
                       f"has HQNR {check[plain]['hqnr']:.3f} against {best_hq:.3f} for the best guarded candidate: the "
                       f"guard leaves it out and Auto takes {method_label(a['choice'])} "
                       f"({_gap(t, a['choice']):+.1f} %).")
        if gap > 100 * TOLERANCE + 1e-9:
            order = sorted(check, key=lambda m: check[m]["ergas"])
            out.append(f"* {p.title}: **not met** ({gap:+.1f} %). The check ranks {method_label(order[0])} before "
                       f"{method_label(bm)} (ERGAS {check[order[0]]['ergas']:.4f} against "
                       f"{check[bm]['ergas']:.4f}, SAM "
                       f"{check[order[0]]['sam']:.4f} against {check[bm]['sam']:.4f}) while at the true scale "
                       f"{method_label(bm)} is best: the second Wald level of this small pair "
                       f"({p.info['reduced_ms'][0]} × {p.info['reduced_ms'][1]} MS pixels) does not rank these two as "
                       "the first level does.")
        if a["reason"] != "best on the reduced-resolution check":
            out.append(f"* {p.title}: {a['reason']} (the reduced MS is {p.info['reduced_ms'][0]} × "
                       f"{p.info['reduced_ms'][1]} pixels): Auto uses {method_label(a['choice'])} "
                       f"({gap:+.1f} %).")
    n_auto = sum(_gap(results[p.key]["truth"], _with(auto_select.FIT_PENALTY, True)(results[p.key])) <= 100 * TOLERANCE
                 + 1e-9 for p in pairs)
    n_hpm = sum(_gap(results[p.key]["truth"], "mtf_glp_hpm") <= 100 * TOLERANCE + 1e-9 for p in pairs)
    saved = auto_select.HQNR_GATE

    def n_met(gate):
        auto_select.HQNR_GATE = gate
        return sum(_gap(results[p.key]["truth"], _with(auto_select.FIT_PENALTY, True)(results[p.key]))
                   <= 100 * TOLERANCE + 1e-9 for p in pairs)
    same = [saved]
    try:
        for step in (-0.01, 0.01):          # the run of guards around the shipped one that do as well
            g = saved + step
            while 0.5 < g < 1.0 and n_met(g) == n_auto:
                same.append(g)
                g += step
    finally:
        auto_select.HQNR_GATE = saved
    out.append(f"* Against today's default: Auto meets the 3 % target on {n_auto} of {len(pairs)} pairs, MTF-GLP-HPM "
               f"alone on {n_hpm}. The constants (penalty {auto_select.FIT_PENALTY:g}, "
               f"guard {auto_select.HQNR_GATE:g}) "
               "were chosen on these same pairs, so this is not a held-out result; guards from "
               f"{min(same):.2f} to {max(same):.2f} (step 0.01, on the recorded HQNR) meet it on as many pairs.")
    return out


def write_report(path, command, pairs, results) -> bool:
    import scipy
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    L = ["# Auto: the chosen method against the best classical method on each real pair", "",
         f"Command: `{command}`  ",
         f"Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
         f"Software: Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
         f"GDAL {gdal.__version__}; repository commit {commit or '?'}; SHA-1 of the core/*.py sources "
         f"{BQ.engine_fingerprint()}", "",
         "Protocol: Wald's protocol on every pair (`core.wald.degrade_pair`, the pair's sensor preset); the "
         "candidates and Auto fuse the reduced pair (`run_fusion`, float32) and are scored against the reference "
         "as in bench_quality (same border cut). Auto only sees the reduced pair: its own check degrades that "
         "pair once more (a second Wald level) and ranks the candidates there. *Gap* = ERGAS / best classical "
         f"ERGAS − 1; the target is a gap of at most {TOLERANCE:.0%}. Candidates: "
         + ", ".join(method_label(m) for m in CANDIDATES) + ".", "",
         "## Auto on every pair", "",
         "| pair | best classical (ERGAS) | Auto's choice | why | Auto ERGAS | gap | within 3 % "
         "| selection s / Auto run s |",
         "|---|---|---|---|---|---|---|---|"]
    all_ok = True
    for p in pairs:
        res = results[p.key]
        t = res["truth"]
        bm, be = _best(t)
        a = res["auto"]
        gap = 100.0 * (t["auto"]["ERGAS"] / be - 1.0)
        ok = gap <= 100 * TOLERANCE + 1e-9
        all_ok &= ok
        check_s = a["select_s"]
        L.append(f"| {p.title} | {method_label(bm)} ({be:.4f}) | {method_label(a['choice'])} | {a['reason']} | "
                 f"{t['auto']['ERGAS']:.4f} | {gap:+.1f} % | {'yes' if ok else '**no**'} | "
                 f"{check_s:.2f} / {a['seconds']:.2f} |")
    n_within = sum(100 * (results[p.key]['truth']['auto']['ERGAS'] / _best(results[p.key]['truth'])[1] - 1)
                   <= 100 * TOLERANCE + 1e-9 for p in pairs)
    L += ["", f"Auto within 3 % of the best on **{n_within} of {len(pairs)}** pairs.", ""]

    L += ["## Rules compared on the same checks", "",
          "Each rule ranks Auto's recorded check (ERGAS, SAM on the second Wald level; HQNR of the best "
          f"{auto_select.GUARD_TOP} fusing candidates at the reduced pair's own scale on Auto's blocks, where the rule "
          "uses a guard: a variant that ranks other candidates higher can only guard those Auto scored); "
          "cells give the picked method's gap to the best ERGAS (pick in brackets).", "",
          "| rule | " + " | ".join(p.key for p in pairs) + " | pairs within 3 % | worst gap | mean gap |",
          "|---|" + "---|" * (len(pairs) + 3)]
    short = {"exp": "EXP", "brovey": "BT", "bt_h": "BT-H", "gsa": "GSA", "bdsd_pc": "BDSD", "mtf_glp_hpm": "HPM",
             "mtf_glp_fs": "FS", "awlp": "AWLP"}
    for title, rule in RULES:
        gaps, cells = [], []
        for p in pairs:
            m = rule(results[p.key])
            g = _gap(results[p.key]["truth"], m)
            gaps.append(g)
            cells.append(f"{g:+.1f} % ({short.get(m, m)})")
        n_ok = sum(g <= 100 * TOLERANCE + 1e-9 for g in gaps)
        L.append(f"| {title} | " + " | ".join(cells) + f" | {n_ok} / {len(pairs)} | {max(gaps):+.1f} % | "
                 f"{np.mean(gaps):+.1f} % |")
    L.append("")

    L += ["## Reading", ""] + notes(pairs, results) + [""]
    L += ["## Per pair: the check (on the reduced pair) against the truth (on the reference)", ""]
    for p in pairs:
        res = results[p.key]
        i = p.info
        L += [f"### {p.title}", "", f"Data: {p.source}.  ",
              f"Sensor preset `{p.sensor}`, ratio {i['ratio']}, {i['bands']} bands; "
              f"reduced PAN {i['reduced_pan'][0]} × "
              f"{i['reduced_pan'][1]}, reduced MS {i['reduced_ms'][0]} × {i['reduced_ms'][1]}; border cut {i['cut']}. "
              f"Auto's check (second Wald level) works on a {i['reduced_ms'][0]} × {i['reduced_ms'][1]} image.", "",
              "| method | check ERGAS | check SAM | check Q2n | ERGAS | SAM | Q2n | gap | QNR | HQNR |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        check = {c["method"]: c for c in res["auto"]["check"]}
        for m in CANDIDATES + ["auto"]:
            c = check.get(m, {})
            t = res["truth"][m]
            fr = res["full"].get(m, {})
            name = method_label(m) if m != "auto" else f"**Auto → {method_label(res['auto']['choice'])}**"
            gap_m = _gap(res['truth'], m) if m != 'auto' else 100 * (t['ERGAS'] / _best(res['truth'])[1] - 1)
            L.append(f"| {name} | {_f(c.get('ergas'))} | {_f(c.get('sam'))} | {_f(c.get('q2n'))} | {t['ERGAS']:.4f} | "
                     f"{t['SAM']:.4f} | {_f(t['Q2n'])} | {gap_m:+.1f} % | "
                     f"{_f(fr.get('QNR'))} | {_f(fr.get('HQNR'))} |")
        L.append("")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(L) + "\n")
    print(f"wrote {path}")
    return all_ok


# ------------------------------------------------------------------------------------------------
# Timing on a large scene
# ------------------------------------------------------------------------------------------------

_TIMED = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from core.engine import FusionRequest, run_fusion
log = []
t0 = time.perf_counter()
res = run_fusion(FusionRequest(task="pansharpen", hr_path={pan!r}, lr_path={ms!r}, output_path={out!r},
                               method={method!r}, sensor="generic"), log=log.append)
from osgeo import gdal
md = gdal.Open({out!r}).GetMetadata()
print(json.dumps({{"seconds": time.perf_counter() - t0, "log": log, "choice": md.get("DEEPPANSHARPEN_AUTO_CHOICE"),
                  "check": json.loads(md.get("DEEPPANSHARPEN_AUTO_CANDIDATES", "[]")),
                  "select_s": float(md.get("DEEPPANSHARPEN_AUTO_SECONDS", "nan"))}}))
"""


def _timed_run(pan, ms, out, method) -> dict:
    """One run in a fresh process: engine seconds, and the process's CPU seconds (user + system, from
    getrusage of the children), which other jobs on the machine disturb far less than the wall time."""
    import resource
    code = _TIMED.format(root=ROOT, pan=pan, ms=ms, out=out, method=method)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    os.remove(out)
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return res


def timing(size: int, repeat: int, data_dir: str, out_md: str, command: str) -> None:
    pan, ms = os.path.join(data_dir, f"pan_{size}.tif"), os.path.join(data_dir, f"ms_{size}.tif")
    if not (os.path.exists(pan) and os.path.exists(ms)):
        subprocess.run([sys.executable, os.path.join(HERE, "make_large_input.py"), "--size", str(size),
                        "--out", data_dir], check=True)
    mp = gdal.Open(pan).RasterXSize * gdal.Open(pan).RasterYSize / 1e6
    out = os.path.join(data_dir, "auto_timing_out.tif")
    runs = {"auto": [], "chosen": []}
    cpu = {"auto": [], "chosen": []}
    check_s = []
    name = None
    # Auto and its choice alternate, so that a change in the machine's load hits both alike.
    for _ in range(repeat):
        a = _timed_run(pan, ms, out, "auto")
        runs["auto"].append(a["seconds"])
        cpu["auto"].append(a["cpu"])
        check_s.append(a["select_s"])
        if name is not None and a["choice"] != name:
            raise RuntimeError(f"Auto chose {a['choice']} this time, {name} before")
        name = a["choice"]
        print(f"  auto {a['seconds']:.2f} s, CPU {a['cpu']:.2f} s (check {check_s[-1]:.2f} s), chose {name}",
              flush=True)
        c = _timed_run(pan, ms, out, name)
        runs["chosen"].append(c["seconds"])
        cpu["chosen"].append(c["cpu"])
        print(f"  {name} {c['seconds']:.2f} s, CPU {c['cpu']:.2f} s", flush=True)
    chosen = method_label(name)
    ta, tc = min(runs["auto"]), min(runs["chosen"])
    ca, cc = min(cpu["auto"]), min(cpu["chosen"])
    L = ["# Auto: time cost of the selection on a large scene", "",
         f"Command: `{command}`  ",
         f"Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
         f"Machine: {os.cpu_count()} CPUs, shared with other jobs (load average at the end "
         f"{os.getloadavg()[0]:.1f}); each run a fresh process, Auto and its choice alternating, {repeat} runs each; "
         "best of the runs. Engine s = `FusionResult.seconds` (wall); CPU s = user + system seconds of the "
         "process (less disturbed by the other jobs than the wall time)", "",
         f"Input: `bench/make_large_input.py --size {size}` ({mp:.1f} PAN megapixels, 4 bands, ratio 4, uint16, "
         "sensor 'generic'); output uint16 DEFLATE GeoTIFF, default tiling.", "",
         "| run | engine s (best) | CPU s (best) | all runs: engine s / CPU s |", "|---|---|---|---|",
         f"| Auto (chose {chosen}) | {ta:.2f} | {ca:.2f} | "
         + ", ".join(f"{x:.2f} / {y:.2f}" for x, y in zip(runs['auto'], cpu['auto'])) + " |",
         f"| {chosen} alone | {tc:.2f} | {cc:.2f} | "
         + ", ".join(f"{x:.2f} / {y:.2f}" for x, y in zip(runs['chosen'], cpu['chosen'])) + " |", "",
         f"Selection cost (Auto − the chosen method alone): **{100 * (ca - cc) / cc:.1f} %** of the chosen method's "
         f"own CPU time ({ca - cc:.2f} s), {100 * (ta - tc) / tc:.1f} % of its wall time ({ta - tc:.2f} s); target "
         f"< 20 %. The selection itself (check, guard and rule: `DEEPPANSHARPEN_AUTO_SECONDS` in the output) "
         f"took {min(check_s):.2f} s wall (best run; {', '.join(f'{x:.2f}' for x in check_s)}); the rest is the larger "
         "sample blocks Auto reads.", ""]
    with open(out_md, "w") as fh:
        fh.write("\n".join(L) + "\n")
    print(f"wrote {out_md}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--pairs", default="all", help="comma-separated pair keys")
    ap.add_argument("--work", default=os.path.join(HERE, "work", "auto"), help="scratch folder (git-ignored)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "auto_selection.md"))
    ap.add_argument("--timing", action="store_true", help="measure the selection's cost on a large scene instead")
    ap.add_argument("--size", type=int, default=10240, help="large scene side in PAN pixels (--timing)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args(argv)
    command = ".venv/bin/python bench/bench_auto.py" + ("" if not (argv or sys.argv[1:]) else
                                                         " " + shlex.join(argv or sys.argv[1:]))
    if args.timing:
        out = args.out if args.out != ap.get_default("out") else os.path.join(HERE, "results", "auto_timing.md")
        timing(args.size, args.repeat, args.data, out, command)
        return 0
    os.makedirs(args.work, exist_ok=True)
    try:
        pairs = BQ.build_pairs(args.work, quick=False) + extra_pairs(args.work)
        if args.pairs != "all":
            keep = args.pairs.split(",")
            pairs = [p for p in pairs if p.key in keep]
        results = {}
        for p in pairs:
            print(f"== {p.title}", flush=True)
            results[p.key] = evaluate(p, args.work)
        with open(os.path.join(os.path.dirname(args.out), "auto_selection.json") if args.out == ap.get_default("out")
                  else args.out + ".json", "w") as fh:
            json.dump({k: {"truth": v["truth"], "full": v["full"], "auto": v["auto"]} for k, v in results.items()},
                      fh, indent=1, default=float)
        write_report(args.out, command, pairs, results)
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
