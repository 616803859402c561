#!/usr/bin/env python3
"""PanAdapter against the classical methods and its ablations on the real pairs (reduced resolution, Wald).

For every pair of bench/bench_quality.py (Landsat-8 demo and clear strips, Sentinel-2 x2 / x4, IKONOS,
WorldView-3 sample), after ``core.wald.degrade_pair``, each row fuses the reduced pair through
``run_fusion`` (float32 output) and is scored with ``core.metrics.reduced_resolution_report`` on the common
window with the reference (same cut rule as bench_quality):
  * every classical pansharpening method;
  * PanAdapter with the bundled weights for the band count (4 or 8 bands);
  * PanAdapter adapted to the scene (ADAPT, --adapt-seconds, from the bundled weights);
  * ablations, trained the same way (core.training.train_panadapter, weights under build/panadapter/ or
    their committed copies in bench/ablations/):
    stage 1 only (the bundled network's stage-1 output), stage 2 on a randomly initialised frozen transformer
    (--random-vit), a plain PNN-like CNN (--variant pnn).
The WorldView-2 Rio pair (already degraded, no reference) is fused as it is and scored without reference
(QNR, HQNR) against the EXP interpolation.  CPU throughput of PanAdapter (engine, whole run, and the network
alone) on a synthetic 2048 x 2048 4-band scene is measured last.

Usage:
  .venv/bin/python bench/bench_panadapter.py                    # -> bench/results/panadapter_quality.md
  .venv/bin/python bench/bench_panadapter.py --pairs l8_demo,wv3 --adapt-seconds 20 --out /tmp/x.md
"""
from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import shlex
import shutil
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

from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.methods import find_spec, method_label, method_names  # noqa: E402
from core.methods.panadapter_method import ADAPT_SECONDS  # noqa: E402
from core.wald import degrade_pair  # noqa: E402

gdal.UseExceptions()
METRICS = ("SAM", "ERGAS", "Q2n", "Q", "PSNR")
ABL = os.path.join(ROOT, "build", "panadapter")
ABL_KEPT = os.path.join(HERE, "ablations")        # copies `make train-panadapter-ablations` leaves (committed)


def variants(bands: int, adapt_seconds: float, adapt_ablations: bool = False) -> list[tuple[str, str, str, dict]]:
    """(key, label, method, options) of the rows; the network's rows run with the deep guard off, so they
    measure the network itself (with the guard a losing network would show its classical pick's figures)."""
    rows = [(m, method_label(m), m, {}) for m in method_names("pansharpen") if not find_spec(m).needs_torch]
    lay = f"{bands}band"
    rows.append(("pa_bundled", "**PanAdapter, bundled weights**", "panadapter", {"guard": False}))
    rows.append(("pa_adapted", f"**PanAdapter, scene-adapted ({adapt_seconds:g} s)**", "panadapter",
                 {"adapt": True, "adapt_seconds": adapt_seconds, "guard": False}))
    rows.append(("abl_stage1", "ablation: stage 1 only", "panadapter", {"stage": 1, "guard": False}))
    for key, label, run_dir, name in (
            ("abl_randvit", "ablation: stage 2 on a random frozen transformer", f"{lay}_s2_randvit",
             f"panadapter_{lay}_s2_randvit"),
            ("abl_pnn_hpm", "ablation: PNN-like CNN, same MTF-GLP-HPM residual base", f"{lay}_pnn_hpm",
             f"panadapter_{lay}_pnn_hpm"),
            ("abl_pnn", "ablation: PNN-like CNN, residual on the interpolated MS", f"{lay}_pnn",
             f"panadapter_{lay}_pnn")):
        path = ablation_weights(run_dir, name)
        if path:
            rows.append((key, label, "panadapter", {"weights": path, "guard": False}))
    from core.methods.pan_scet_method import bundled_models as v2_models
    if any(m["bands"].get("lr_bands") == bands for m in v2_models()):      # a bundled v2 network for these bands
        rows.append(("v2_bundled", "**PanAdapter v2, bundled weights**", "panadapter_v2", {"guard": False}))
        rows.append(("v2_adapted", f"**PanAdapter v2, scene-adapted ({adapt_seconds:g} s)**", "panadapter_v2",
                     {"adapt": True, "adapt_seconds": adapt_seconds, "guard": False}))
        # the bundled pre-trained-body network without the network it is averaged with (ENSEMBLE off)
        rows.append(("abl_v2_single", "ablation: PanAdapter v2, the pre-trained-body network alone", "panadapter_v2",
                     {"ensemble": False, "guard": False}))
        if adapt_ablations:
            rows.append(("abl_v2_single_adapted", "ablation: PanAdapter v2, the pre-trained-body network alone, "
                         f"scene-adapted ({adapt_seconds:g} s)", "panadapter_v2",
                         {"ensemble": False, "adapt": True, "adapt_seconds": adapt_seconds, "guard": False}))
        for key, label, run_dir, name in (
                ("abl_v2_random", "ablation: PanAdapter v2 on a random frozen body", "4band_vhr_random",
                 "pan_scet_4band_vhr_random_body"),
                ("abl_v2_pnn", "ablation: PanAdapter v2 without a body (PNN-like CNN, same bases)", "4band_vhr_pnn",
                 "pan_scet_4band_vhr_pnn")):
            path = v2_ablation_weights(run_dir, name) if bands == 4 else None    # trained for 4 bands only
            if path:
                rows.append((key, label, "panadapter_v2", {"weights": path, "guard": False}))
            if path and adapt_ablations:      # adapted like the bundled network: the fair comparison of the bodies
                rows.append((key + "_adapted", f"{label}, scene-adapted ({adapt_seconds:g} s)", "panadapter_v2",
                             {"weights": path, "adapt": True, "adapt_seconds": adapt_seconds, "guard": False}))
    return rows


def v2_ablation_weights(run_dir: str, name: str):
    """A PanAdapter v2 ablation: `make train-pan-scet-ablations`' run under build/pan_scet, else its committed
    copy (the body-less network is bundled: the bundled network averages its result with it)."""
    for path in (os.path.join(ROOT, "build", "pan_scet", run_dir, name + ".safetensors"),
                 os.path.join(ABL_KEPT, name + ".safetensors"),
                 os.path.join(ROOT, "resources", "weights", name + ".safetensors")):
        if os.path.exists(path):
            return path
    return None


ABLATION_SOURCES: dict = {}       # weights file -> how it relates to the committed copy (for the report)


def ablation_weights(run_dir: str, name: str):
    """The ablation's weights: a run under build/panadapter (after `make train-panadapter-ablations`) before the
    committed copy in bench/ablations.  When both exist and differ, a warning says which one runs (a stale
    build/ run would otherwise be read silently) and the report names it."""
    from core.models.weights import sha256_file
    built = os.path.join(ABL, run_dir, name + ".safetensors")
    kept = os.path.join(ABL_KEPT, name + ".safetensors")
    if not os.path.exists(built):
        return kept if os.path.exists(kept) else None
    if os.path.exists(kept) and built not in ABLATION_SOURCES:
        same = sha256_file(built) == sha256_file(kept)
        ABLATION_SOURCES[built] = same
        if not same:
            print(f"WARNING: {os.path.relpath(built, ROOT)} differs from the committed "
                  f"{os.path.relpath(kept, ROOT)}; the build/ run is used", file=sys.stderr, flush=True)
    return built


def fuse(pan, ms, out, method, sensor, opts, threads):
    opts = dict(opts, threads=threads) if find_spec(method).needs_torch else opts
    import torch
    torch.set_num_threads(threads)
    t0 = time.perf_counter()
    res = run_fusion(FusionRequest(task="pansharpen", hr_path=pan, lr_path=ms, output_path=out, method=method,
                                   sensor=sensor, output_dtype="float32", method_options=dict(opts), device="cpu"))
    return time.perf_counter() - t0, res


def evaluate_reduced(pair, work, adapt_seconds, threads, adapt_ablations=False) -> dict:
    from core.metrics import reduced_resolution_report
    d = os.path.join(work, pair.key)
    os.makedirs(d, exist_ok=True)
    red_pan, red_ms, ref_path = (os.path.join(d, n) for n in ("reduced_pan.tif", "reduced_ms.tif", "reference.tif"))
    deg = degrade_pair(pair.pan, pair.ms, red_pan, red_ms, ref_path, sensor=pair.sensor)
    ref, rgt = BQ._read(ref_path)
    pair.info.update(ratio=deg.ratio, reduced_pan=deg.reduced_size, bands=ref.shape[0])
    scores = {}
    for key, label, method, opts in variants(ref.shape[0], adapt_seconds, adapt_ablations):
        out = os.path.join(d, f"fused_{key}.tif")
        secs, res = fuse(red_pan, red_ms, out, method, pair.sensor, opts, threads)
        if any("ADAPT is skipped" in w for w in res.warnings):
            label += " (adaptation skipped: the scene is too small to check it; the bundled network runs)"
        fused, fgt = BQ._read(out)
        f, r, _off = BQ.align(fused, fgt, ref, rgt)
        cut = BQ.auto_cut(f.shape[1], f.shape[2], "auto")
        rep = reduced_resolution_report(f, r, deg.ratio, cut=cut, value_max=pair.peak)
        rep.update(seconds=secs, label=label)
        scores[key] = rep
        pair.info["cut"] = cut
        print(f"  {key:12s} " + "  ".join(f"{k} {rep[k]:.4f}" for k in METRICS) + f"  ({secs:.1f} s)", flush=True)
    return scores


def wv2_rio_pair(work):
    vhr = os.path.join(BQ.DATA, "vhr")
    ms = gdal.Open(os.path.join(vhr, "WV2RioMSLR.tif")).ReadAsArray().astype(np.float32)
    pan = gdal.Open(os.path.join(vhr, "WV2RioPAN.tif")).ReadAsArray().astype(np.float32)
    p = BQ._write_tif(os.path.join(work, "wv2rio_pan.tif"), pan, (0.0, 1.0, 0.0, 0.0, 0.0, -1.0))
    m = BQ._write_tif(os.path.join(work, "wv2rio_ms.tif"), ms, (0.0, 4.0, 0.0, 0.0, 0.0, -4.0))
    return p, m


def evaluate_full(work, adapt_seconds, threads, adapt_ablations=False) -> dict:
    from core.metrics import full_resolution_report
    from core.sensors import get_sensor
    pan_p, ms_p = wv2_rio_pair(work)
    d = os.path.join(work, "wv2rio")
    os.makedirs(d, exist_ok=True)
    exp_out = os.path.join(d, "exp.tif")
    fuse(pan_p, ms_p, exp_out, "exp", "wv2", {}, threads)
    ms_up, egt = BQ._read(exp_out)
    pan_full, pgt = BQ._read(pan_p)
    ox, oy = int(round((egt[0] - pgt[0]) / pgt[1])), int(round((egt[3] - pgt[3]) / pgt[5]))
    pan = pan_full[0, oy:oy + ms_up.shape[1], ox:ox + ms_up.shape[2]]
    gn = list(get_sensor("wv2").gnyq_ms)
    scores = {}
    for key, label, method, opts in variants(8, adapt_seconds, adapt_ablations):
        out = os.path.join(d, f"fused_{key}.tif")
        secs, _ = fuse(pan_p, ms_p, out, method, "wv2", opts, threads)
        fused, fgt = BQ._read(out)
        rep = full_resolution_report(fused, ms_up, pan, 4, gn)
        rep.update(seconds=secs, label=label)
        scores[key] = rep
        print(f"  {key:12s} QNR {rep['QNR']:.4f} HQNR {rep['HQNR']:.4f} D_l {rep['D_lambda']:.4f} "
              f"D_S {rep['D_S']:.4f} ({secs:.1f} s)", flush=True)
    return scores


def throughput(work, threads=None) -> dict:
    return {t: _throughput(work, t) for t in (1, 2)}


def _throughput(work, threads) -> dict:
    """PAN megapixels per second of PanAdapter on the CPU: the whole engine run (a 2048 x 2048 PAN scene, the
    best of 2 runs: the first also pays for loading the model and torch's one-off kernel set-up) and the
    network alone."""
    import torch

    from core.methods.panadapter_method import find_bundled
    from core.models.panadapter.predict import predict_image
    from core.models.panadapter.store import load_model
    torch.set_num_threads(threads)
    rng = np.random.default_rng(0)
    n = 2048
    base = rng.random((n // 8, n // 8)).astype(np.float32)
    tex = np.kron(base, np.ones((8, 8), np.float32)) + 0.2 * rng.random((n, n)).astype(np.float32)
    cube = np.stack([tex * (0.8 + 0.1 * b) for b in range(4)]) * 8000
    ms = cube.reshape(4, n // 2, 2, n // 2, 2).mean(axis=(2, 4))
    pan_p = BQ._write_tif(os.path.join(work, "tp_pan.tif"), np.rint(cube.mean(0)).astype(np.uint16),
                          (0.0, 1.0, 0.0, 0.0, 0.0, -1.0))
    ms_p = BQ._write_tif(os.path.join(work, "tp_ms.tif"), np.rint(ms).astype(np.uint16),
                         (0.0, 2.0, 0.0, 0.0, 0.0, -2.0))
    runs = [fuse(pan_p, ms_p, os.path.join(work, "tp_out.tif"), "panadapter", "generic", {"threads": threads},
                 threads) for _ in range(2)]
    secs, res = min(runs, key=lambda r: r[0])
    mp = res.width * res.height / 1e6
    model, _ = load_model(find_bundled(4, 2)[0]["path"])
    x = rng.random((4, 512, 512)).astype(np.float32) * 0.3
    predict_image(model, x[:, :128, :128], x[0, :128, :128], 2, (1, 1))
    t0 = time.perf_counter()
    predict_image(model, x, x.mean(0), 2, (1, 1))
    net = time.perf_counter() - t0
    return {"engine_mp_s": mp / secs, "engine_seconds": secs, "engine_runs": [r[0] for r in runs], "engine_mp": mp,
            "network_mp_s": 512 * 512 / 1e6 / net, "threads": threads}


def fmt(k, v):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{v:.2f}" if k == "PSNR" else f"{v:.4f}"


ABLATIONS = ("abl_randvit", "abl_pnn_hpm", "abl_pnn")


def missing_ablations(results: dict) -> list[str]:
    """Trained ablations absent from some pair (weights neither under build/panadapter nor in bench/ablations)."""
    return [k for k in ABLATIONS if any(k not in sc for sc in results.values())]


def _not_above(x: float, y: float) -> bool:
    """x <= y at the tables' precision: a tie there (e.g. a spectral-direction blend of 1, which gives the
    interpolated MS's angles) is not a win."""
    return round(x, 4) <= round(y, 4)


NETWORKS = {"pa_adapted": ("pa_", "abl_"), "v2_adapted": ("v2_", "abl_v2_")}   # row -> (its rows, its ablations)


def check_targets(results: dict, network: str = "pa_adapted") -> list[str]:
    """Table rows: does the scene-adapted ``network`` beat every classical method (ERGAS and SAM) and every one
    of its own ablations (ERGAS), and by how much in ERGAS against the best classical method."""
    own, abl = NETWORKS[network]
    lines = []
    for key, sc in results.items():
        if network not in sc or "SAM" not in sc[network]:
            continue
        a = sc[network]
        classical = [m for m in sc if not m.startswith(("pa_", "abl_", "v2_"))]
        ablations = [m for m in sc if m.startswith(abl) and (abl == "abl_v2_" or not m.startswith("abl_v2_"))]
        worse_c = [m for m in classical if _not_above(sc[m]["ERGAS"], a["ERGAS"]) or _not_above(sc[m]["SAM"], a["SAM"])]
        worse_a = [m for m in ablations if _not_above(sc[m]["ERGAS"], a["ERGAS"])]
        absent = [m for m in ABLATIONS if m not in sc] if own == "pa_" else []
        ok = not worse_c and not worse_a
        verdict = "not met" if not ok else ("**met**" if not absent else "not checked (ablations missing)")
        beats_a = ("yes" if not worse_a else "no: " + ", ".join(worse_a)) + \
            (f" (compared: {', '.join(ablations) or 'none'})" if absent else "")
        best = min(classical, key=lambda m: sc[m]["ERGAS"])
        gain = 100 * (a["ERGAS"] / sc[best]["ERGAS"] - 1)
        lines.append(f"| {key} | {'yes' if not worse_c else 'no: ' + ', '.join(worse_c)} | {beats_a} | "
                     f"{gain:+.1f} % ({best}) | {verdict} |")
    return lines


def write_report(path, command, pairs, results, full, tp, adapt_seconds, threads, load=None):
    import torch
    missing = missing_ablations(results)
    lines = [
        "# PanAdapter and PanAdapter v2: reduced-resolution quality on real pairs, ablations and CPU throughput", "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Software: Python {platform.python_version()}, torch {torch.__version__}, GDAL {gdal.__version__}; "
        f"SHA-1 of core/*.py {BQ.engine_fingerprint()}; torch threads {threads} (quality rows); "
        f"machine: {os.cpu_count()} CPU cores, "
        + (f"1-minute load average {load:.2f} when the run started." if load is not None else "load not recorded."),
        "",
        "Protocol: as bench/results/classical_quality.md (Wald via `core.wald.degrade_pair`, the pair's sensor "
        "preset, `run_fusion` float32, common window, toolbox cut, V21 metric conventions). PanAdapter rows run "
        "through the same engine (tiles, halo, blending). *Scene-adapted*: ADAPT on the reduced pair itself "
        f"(the method applies Wald's protocol once more to its input and fine-tunes for {adapt_seconds:g} s), "
        "starting from the bundled weights for the band count. Ablations are trained with the same data, "
        "seeds and CLI (`core.training.train_panadapter`), with the same step counts; their manifests are in "
        "bench/ablations/.",
        ""] + ([
        "**PanAdapter v2 rows** (`panadapter_v2`, bundled `pan_scet_4band_vhr` averaged with the bundled "
        "`pan_scet_4band_vhr_pnn`, deep guard off so the networks themselves are scored): its base is chosen per "
        "scene by the reduced-resolution check; its ablations (same data, bases, seed and step count; "
        "bench/results/pan_scet_training.md) are the pre-trained-body network alone (ENSEMBLE off), the same "
        "network on a randomly initialised frozen body, and the PNN-like network without a body (the one the "
        "bundled network is averaged with), each alone. They were trained on Landsat-8 and "
        "Sentinel-2 pairs of these scenes and on SpaceNet-6 tiles 2 and 3: the SpaceNet-6 tile 1 and IKONOS rows "
        "are held out.", ""] if any("v2_bundled" in sc for sc in results.values()) else []) + (
              [f"**Ablation weights not committed:** "
                f"{', '.join(f'`{os.path.relpath(b, ROOT)}`' for b, same in ABLATION_SOURCES.items() if not same)} "
               "differ from their copies in bench/ablations; this run used the build/ files.", ""]
              if not all(ABLATION_SOURCES.values()) else []) + ([
               f"**Not in this run:** {', '.join(missing)}: their weights were not found under build/panadapter "
               "or bench/ablations (`make train-panadapter-ablations`).", ""] if missing else []) + [
        "**Train/test overlap, stated plainly:** the bundled 4- and 8-band weights were trained on Wald pairs "
        "of the same Landsat-8 and Sentinel-2 scenes (85 % of their columns; different degradation levels "
        "from the Sentinel-2 pairs here), so the Landsat-8 and Sentinel-2 rows are not independent test "
        "data. IKONOS, WorldView-3 and WorldView-2 were never used in training (evaluation-only data).", ""]
    for p in pairs:
        sc = results.get(p.key)
        if not sc:
            continue
        i = p.info
        lines += [f"## {p.title}", "",
                  f"Ratio {i['ratio']}, {i['bands']} bands, sensor preset `{p.sensor}`, reduced PAN "
                  f"{i['reduced_pan'][0]} × {i['reduced_pan'][1]}, border cut {i.get('cut')}, PSNR peak {p.peak:g}.",
                  "", "| method | " + " | ".join(METRICS) + " | seconds |", "|---|" + "---|" * (len(METRICS) + 1)]
        for s in sc.values():
            lines.append(f"| {s['label']} | " + " | ".join(fmt(k, s[k]) for k in METRICS) + f" | {s['seconds']:.1f} |")
        lines.append("")
    if full:
        lines += ["## WorldView-2 Rio (already degraded; no reference): full-resolution scores", "",
                  "MS 8 × 128 × 128, PAN 512 × 512, float32; QNR / HQNR (higher is better) against the EXP "
                  "interpolation and the PAN (`core.metrics.full_resolution_report`, WV2 MTF gains).", "",
                  "| method | D_lambda | D_S | QNR | HQNR | seconds |", "|---|---|---|---|---|---|"]
        for s in full.values():
            lines.append(f"| {s['label']} | {s['D_lambda']:.4f} | {s['D_S']:.4f} | {s['QNR']:.4f} | {s['HQNR']:.4f} | "
                         f"{s['seconds']:.1f} |")
        lines.append("")
    for network, who in (("pa_adapted", "PanAdapter"), ("v2_adapted", "PanAdapter v2")):
        rows = check_targets(results, network)
        if rows:
            lines += [f"## Targets: {who}", "",
                      f"Scene-adapted {who}: lower ERGAS and SAM than every classical method, and lower ERGAS than "
                      "every one of its ablations, per pair.", "",
                      "| pair | beats every classical (ERGAS and SAM) | beats every ablation (ERGAS) | ERGAS against "
                      "the best classical | target |", "|---|---|---|---|---|"] + rows + [""]
    if tp:
        best = max(v["engine_mp_s"] for v in tp.values())
        lines += ["## CPU throughput", "",
                  "Engine run (prepare + tiles + GeoTIFF, best of 2) on a synthetic 4-band scene "
                  "(PAN 2048 × 2048, ratio 2, "
                  "bundled 4-band weights) and the network alone (patch-wise inference of a 512 × 512 image):", "",
                  "| torch threads | engine PAN MP/s | engine seconds | network alone MP/s |", "|---|---|---|---|"]
        for t, v in tp.items():
            lines.append(f"| {t} | {v['engine_mp_s']:.2f} | {v['engine_seconds']:.1f} | {v['network_mp_s']:.2f} |")
        lines += ["", "Target >= 0.5 PAN MP/s on this 2-core machine: "
                  + ("met." if best >= 0.5 else "**not met** under this load (see the note on the machine above)."), ""]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print("wrote", path)


SCENE_NOTE = ("Since 2026-11-29 (stage 1 and the decoders over whole tiles, the transformer by pieces): "
              "synthetic 4-band scene, PAN 2048 × 2048,")


def write_throughput(path, command, tp) -> int:
    """Append one measurement (with the machine's load average) to the throughput log."""
    load = os.getloadavg()
    old = open(path).read() if os.path.exists(path) else ""
    lines = [] if old else ["# PanAdapter CPU throughput (appended per run)", ""]
    if SCENE_NOTE not in old:
        lines += ([""] if old else []) + [
            SCENE_NOTE + " ratio 2, bundled 4-band weights; engine = prepare + tiles + GeoTIFF (the best of 2 runs: "
            "the first also loads the model); network alone = `predict_image` on 512 × 512.", "",
            "| date (UTC) | command | load average (1 min) | torch threads | engine PAN MP/s | network MP/s |",
            "|---|---|---|---|---|---|"]
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M")
    for t, v in tp.items():
        lines.append(f"| {date} | `{command}` | {load[0]:.2f} | {t} | {v['engine_mp_s']:.2f} "
                     f"| {v['network_mp_s']:.2f} |")
    with open(path, "a") as fh:
        fh.write("\n".join(lines) + "\n")
    print(tp)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pairs", default="all")
    ap.add_argument("--adapt-seconds", type=float, default=ADAPT_SECONDS, help="default: the method's default")
    ap.add_argument("--threads", type=int, default=1, help="torch threads for the quality rows")
    ap.add_argument("--no-throughput", action="store_true")
    ap.add_argument("--no-wv2", action="store_true")
    ap.add_argument("--work", default=os.path.join(HERE, "work", "panadapter"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "panadapter_quality.md"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--adapt-ablations", action="store_true",
                    help="also adapt PanAdapter v2's ablations to each scene (two more adaptations per pair)")
    ap.add_argument("--throughput-only", action="store_true",
                    help="only the CPU throughput, appended to bench/results/panadapter_throughput.md")
    args = ap.parse_args(argv)
    command = ".venv/bin/python bench/bench_panadapter.py" + (" " + shlex.join(argv or sys.argv[1:])
                                                              if (argv or sys.argv[1:]) else "")
    os.makedirs(args.work, exist_ok=True)
    if args.throughput_only:
        try:
            return write_throughput(os.path.join(HERE, "results", "panadapter_throughput.md"), command,
                                    throughput(args.work))
        finally:
            shutil.rmtree(args.work, ignore_errors=True)
    try:
        pairs = BQ.build_pairs(args.work, quick=False)
        if args.pairs != "all":
            keep = set(args.pairs.split(","))
            pairs = [p for p in pairs if p.key in keep]
        results, load = {}, os.getloadavg()[0]
        for p in pairs:
            print(f"== {p.title}", flush=True)
            results[p.key] = evaluate_reduced(p, args.work, args.adapt_seconds, args.threads, args.adapt_ablations)
        full = None
        if not args.no_wv2 and (args.pairs == "all" or "wv2rio" in args.pairs):
            print("== WorldView-2 Rio (full resolution)", flush=True)
            full = evaluate_full(args.work, args.adapt_seconds, args.threads, args.adapt_ablations)
        tp = None if args.no_throughput else throughput(args.work, args.threads)
        if tp:
            print("throughput", tp)
        write_report(args.out, command, pairs, results, full, tp, args.adapt_seconds, args.threads, load)
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
