#!/usr/bin/env python3
"""Throughput and peak memory of the classical pansharpening methods vs GDAL's weighted Brovey.

Every run is a fresh subprocess, so its peak RSS is its own (``os.wait4`` returns the child's rusage;
ru_maxrss is in KiB on Linux).  Inputs are the pairs built by ``bench/make_large_input.py`` (built on
the fly when missing): a 8192 x 8192 PAN (67.1 MP, "64 MP") and a 1024 x 1024 crop ("1 MP").

Timed per run (median of ``--repeat`` runs, peak RSS = max over them):
  * ours: ``run_fusion`` from a fresh interpreter (import + scene pairing + prepare + tiles + tiled DEFLATE
    GeoTIFF write); "wall" is the whole process, "engine" is ``FusionResult.seconds``;
  * GDAL: ``gdal_pansharpen.py pan ms out -of GTiff -co TILED=YES -co COMPRESS=DEFLATE -threads ALL_CPUS``
    (weighted Brovey, equal weights, cubic resampling): wall of the whole process, which includes
    writing the output; a second GDAL row reads the same pansharpened VRT without writing anything, so
    the write share of GDAL's time is visible.
Throughput = PAN megapixels / wall seconds.  Ratio = our throughput / GDAL Brovey's (GTiff) throughput.

Usage:
  .venv/bin/python bench/bench_classical.py                # everything, 3 repeats
  .venv/bin/python bench/bench_classical.py --quick        # 1 MP and a 2048^2 crop, 1 repeat, 3 methods
  .venv/bin/python bench/bench_classical.py --profile mtf_glp_hpm
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import platform
import pstats
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

GDAL_PANSHARPEN = "/usr/bin/gdal_pansharpen.py"
TARGET_METHOD = "mtf_glp_hpm"
TARGET_RATIO = 0.5


# ------------------------------------------------------------------------------------------------
# Worker modes (run in the child process)
# ------------------------------------------------------------------------------------------------

def worker_fusion(method: str, pan: str, ms: str, out: str, tile_size: int, overlap: int) -> None:
    from core.engine import FusionRequest, run_fusion
    res = run_fusion(FusionRequest(task="pansharpen", hr_path=pan, lr_path=ms, output_path=out,
                                   method=method, sensor="generic", tile_size=tile_size, overlap=overlap))
    print("RESULT " + json.dumps({"seconds": res.seconds, "width": res.width, "height": res.height}))


def worker_gdal_compute(pan: str, ms: str, vrt: str) -> None:
    """GDAL's weighted Brovey without the write: build the VRT with gdal_pansharpen.py, read it in strips."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, GDAL_PANSHARPEN, pan, ms, vrt, "-of", "VRT", "-q"], check=True)
    from osgeo import gdal
    gdal.UseExceptions()
    ds = gdal.Open(vrt)
    w, h = ds.RasterXSize, ds.RasterYSize
    step = 256
    for y in range(0, h, step):
        ds.ReadRaster(0, y, w, min(step, h - y))          # all bands at once (pixel-interleaved request)
    print("RESULT " + json.dumps({"seconds": time.perf_counter() - t0, "width": w, "height": h}))


# ------------------------------------------------------------------------------------------------
# Parent side
# ------------------------------------------------------------------------------------------------

def run_measured(cmd: list[str], env=None) -> dict:
    """Run ``cmd``; return wall seconds, the child's own peak RSS (MiB), exit status and its output."""
    with tempfile.TemporaryFile() as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        text = log.read().decode(errors="replace")
    result = {"wall": wall, "rss_mb": usage.ru_maxrss / 1024.0, "rc": proc.returncode, "log": text,
              "user": usage.ru_utime, "sys": usage.ru_stime}
    for line in text.splitlines():
        if line.startswith("RESULT "):
            result.update(json.loads(line[7:]))
    if proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {shlex.join(cmd)}\n{text[-3000:]}")
    return result


def _rm(path: str) -> None:
    for p in (path, path + ".aux.xml"):
        if os.path.exists(p):
            os.remove(p)


def _warm_cache(paths) -> None:
    """Read the inputs once so that every run starts with them in the page cache."""
    for p in paths:
        with open(p, "rb") as fh:
            while fh.read(1 << 24):
                pass


def machine_info() -> dict:
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemTotal"):
                    mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                    break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or str(os.cpu_count())
    import numpy
    import scipy
    from osgeo import gdal
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    return {"nproc": nproc, "cpu": model, "mem": mem, "python": platform.python_version(),
            "numpy": numpy.__version__, "scipy": scipy.__version__, "gdal": gdal.__version__,
            "kernel": platform.release(), "commit": commit or "?",
            "gdal_cachemax": os.environ.get("GDAL_CACHEMAX", "default (5% of RAM)")}


def bench_one(label: str, cmd: list[str], out: str | None, repeat: int, env=None) -> dict:
    runs = []
    for _ in range(repeat):
        if out:
            _rm(out)
        runs.append(run_measured(cmd, env))
        if out:
            _rm(out)
    walls = [r["wall"] for r in runs]
    res = {"label": label, "wall": statistics.median(walls), "wall_min": min(walls), "wall_max": max(walls),
           "rss_mb": max(r["rss_mb"] for r in runs),
           "cpu_s": statistics.median(r["user"] + r["sys"] for r in runs)}
    if "seconds" in runs[0]:
        res["engine"] = statistics.median(r["seconds"] for r in runs)
    print(f"  {label:28s} wall {res['wall']:7.2f} s (min {res['wall_min']:.2f})  "
          f"peak RSS {res['rss_mb']:7.0f} MiB", flush=True)
    return res


def _megapixels(path: str) -> float:
    from osgeo import gdal
    ds = gdal.Open(path)
    return ds.RasterXSize * ds.RasterYSize / 1e6


def _size_label(mp: float) -> str:
    return f"{mp:.0f} MP" if mp >= 2 else f"{mp:.1f} MP"


# ------------------------------------------------------------------------------------------------
# Profiling (main thread only: the tile is fused here, not on the engine's thread pool)
# ------------------------------------------------------------------------------------------------

def _top(prof: cProfile.Profile, n: int, sort: str) -> str:
    buf = io.StringIO()
    st = pstats.Stats(prof, stream=buf)
    st.strip_dirs().sort_stats(sort).print_stats(n)
    return buf.getvalue()


def profile_method(method: str, pan: str, ms: str, work: str, tile_size: int, overlap: int) -> dict:
    """cProfile of (a) prepare, (b) reading + fusing one interior tile, (c) a whole run_fusion on the
    same input as seen from the engine's main thread (tile reads, waits on the pool, the writer)."""
    from core.engine import FusionRequest, build_scene_info, run_fusion
    from core.methods import get_method
    from core.scene import Scene, Window

    req = FusionRequest(task="pansharpen", hr_path=pan, lr_path=ms,
                        output_path=os.path.join(work, f"profile_{method}.tif"), method=method,
                        tile_size=tile_size, overlap=overlap)
    scene = Scene(pan, ms, None, None, "pansharpen", work_dir=work)
    meth = get_method(method)
    info = build_scene_info(req, scene)
    halo = meth.halo(scene.ratio)
    samples = scene.sample_windows()
    scene.estimate_fill_values(samples)
    out = {}

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    meth.prepare([scene.read_tile(w, halo) for w in samples], info)
    prof.disable()
    out["prepare_s"] = time.perf_counter() - t0
    out["prepare"] = _top(prof, 15, "cumulative")

    y0 = min(scene.height - tile_size, tile_size) if scene.height > tile_size else 0
    x0 = min(scene.width - tile_size, tile_size) if scene.width > tile_size else 0
    win = Window(y0, x0, min(tile_size, scene.height), min(tile_size, scene.width))
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    tile = scene.read_tile(win, halo)
    t_read = time.perf_counter() - t0
    meth.apply(tile)
    prof.disable()
    out["tile_s"] = time.perf_counter() - t0
    out["tile_read_s"] = t_read
    out["tile_shape"] = tuple(tile.hr.shape[-2:])
    out["tile"] = _top(prof, 25, "tottime")

    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    run_fusion(req)
    prof.disable()
    out["run_s"] = time.perf_counter() - t0
    out["run"] = _top(prof, 25, "tottime")
    _rm(req.output_path)
    return out


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def write_report(path: str, command: str, info: dict, sizes: list[tuple[str, float, str, str]],
                 results: dict, methods: list[str], repeat: int, extra: list[str], labels: dict) -> None:
    big = sizes[-1][0]
    small = sizes[0][0]
    gdal_big = results[(big, "gdal_brovey")]
    gdal_tp = sizes[-1][1] / gdal_big["wall"]
    lines = [
        "# Classical pansharpening: throughput and peak memory vs GDAL weighted Brovey",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Machine: {info['nproc']} CPUs (nproc), {info['cpu']}, {info['mem']} RAM, Linux {info['kernel']}  ",
        f"Software: Python {info['python']}, numpy {info['numpy']}, scipy {info['scipy']}, GDAL {info['gdal']}; "
        f"repository commit {info['commit']} (plus uncommitted work in the tree)  ",
        f"GDAL_CACHEMAX: {info['gdal_cachemax']}",
        "",
        "Inputs (built by `bench/make_large_input.py` from the Sentinel-2 10 m bands B02, B03, B04, B08: "
        "PAN = band mean at 10 m, MS = 4x4 block mean at 40 m, mirrored mosaic; uint16, ratio 4):",
        "",
    ]
    for label, mp, pan, ms in sizes:
        lines.append(f"* {label}: `{os.path.relpath(pan, ROOT)}` ({mp:.2f} PAN megapixels) + "
                     f"`{os.path.relpath(ms, ROOT)}`")
    lines += [
        "",
        "Protocol: each run is a fresh process (peak RSS = that process's `ru_maxrss` from `os.wait4`); inputs "
        f"in the page cache; median wall time of {repeat} run(s), peak RSS the maximum. Ours: `run_fusion` "
        "(sensor 'generic', tile 1024, overlap 32, uint16 output, tiled DEFLATE GeoTIFF with PREDICTOR=2), "
        "wall = whole process incl. Python start-up and imports; *engine s* = `FusionResult.seconds`. "
        f"GDAL: `{GDAL_PANSHARPEN} pan.tif ms.tif out.tif -of GTiff -co TILED=YES -co COMPRESS=DEFLATE "
        "-threads ALL_CPUS` (weighted Brovey, equal weights, cubic resampling; wall includes the GeoTIFF write). "
        "Throughput = PAN megapixels / wall s. Ratio = throughput / GDAL Brovey (GTiff) throughput at the "
        "same size.",
        "",
        f"| method | {small} wall s | {small} MP/s | {small} peak RSS MiB | {big} wall s | {big} engine s "
        f"| {big} MP/s | {big} peak RSS MiB | RSS {big} / {small} | ratio vs GDAL Brovey ({big}) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [(m, labels.get(m, m)) for m in methods] + [
        ("gdal_brovey", "GDAL weighted Brovey (GTiff write)"),
        ("gdal_compute", "GDAL weighted Brovey, compute only (VRT read, no write)")]
    for key, label in rows:
        rs, rb = results.get((small, key)), results.get((big, key))
        if rs is None or rb is None:
            continue
        tp_s = sizes[0][1] / rs["wall"]
        tp_b = sizes[-1][1] / rb["wall"]
        eng = f"{rb['engine']:.2f}" if "engine" in rb and key not in ("gdal_compute",) else "–"
        ratio = tp_b / gdal_tp
        mark = " **(target ≥ 0.5)**" if key == TARGET_METHOD else ""
        lines.append(f"| {label} | {rs['wall']:.2f} | {tp_s:.2f} | {rs['rss_mb']:.0f} | {rb['wall']:.2f} | {eng} "
                     f"| {tp_b:.2f} | {rb['rss_mb']:.0f} | {rb['rss_mb'] / rs['rss_mb']:.2f} | {ratio:.2f}{mark} |")
    r_t = results.get((big, TARGET_METHOD))
    if r_t is not None:
        ratio = (sizes[-1][1] / r_t["wall"]) / gdal_tp
        rs = results[(small, TARGET_METHOD)]
        lines += [
            "",
            f"**Target** (MTF-GLP-HPM ≥ 0.5 × GDAL Brovey throughput at {big}): ratio {ratio:.2f} → "
            f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}. "
            f"Peak RSS {rs['rss_mb']:.0f} MiB at {small} vs {r_t['rss_mb']:.0f} MiB at {big} "
            f"(× {r_t['rss_mb'] / rs['rss_mb']:.1f}).",
        ]
    lines += ["", "Notes:", "",
              f"* At {small} the wall time is dominated by interpreter start-up and imports (ours ≈ 0.3-0.5 s, "
              "GDAL ≈ 0.1 s); compare throughput at the large size.",
              "* Both sides use the same number of threads on this machine: the engine fuses tiles on "
              "min(2, CPUs) threads, GDAL uses ALL_CPUS.",
              "* CPU s (user + sys) per run, large input: " + ", ".join(
                  f"{labels.get(k, k)} {results[(big, k)]['cpu_s']:.1f}"
                  for k, _ in rows if (big, k) in results) + "."]
    lines += extra
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {path}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--data", default=os.path.join(HERE, "data"), help="input folder (bench/data)")
    ap.add_argument("--size", type=int, default=8192, help="PAN side of the large input (default 8192)")
    ap.add_argument("--small", type=int, default=1024, help="PAN side of the small input (default 1024)")
    ap.add_argument("--methods", default="all", help="comma-separated method names (default: all classical)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per measurement; median reported (default 3)")
    ap.add_argument("--tile-size", type=int, default=1024)
    ap.add_argument("--overlap", type=int, default=32)
    ap.add_argument("--work", default=os.path.join(HERE, "work", "throughput"), help="scratch folder")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "classical_throughput.md"))
    ap.add_argument("--quick", action="store_true",
                    help="small run: 2048^2 large input, 1 repeat, exp/brovey/mtf_glp_hpm, output *_quick.md")
    ap.add_argument("--profile", default="auto",
                    help="methods to cProfile (comma list), 'auto' = MTF-GLP-HPM if it misses the target, "
                         "'none' = no profiling")
    ap.add_argument("--cachemax-check", type=int, default=64,
                    help="also run MTF-GLP-HPM on the large input with GDAL_CACHEMAX=<MiB> (0 = skip)")
    # worker modes
    ap.add_argument("--worker", nargs=4, metavar=("METHOD", "PAN", "MS", "OUT"), help=argparse.SUPPRESS)
    ap.add_argument("--worker-gdal-compute", nargs=3, metavar=("PAN", "MS", "VRT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.worker:
        worker_fusion(*args.worker, args.tile_size, args.overlap)
        return 0
    if args.worker_gdal_compute:
        worker_gdal_compute(*args.worker_gdal_compute)
        return 0

    from core.methods import method_label, method_names
    command = ".venv/bin/python bench/bench_classical.py" + ("" if not (argv or sys.argv[1:]) else
                                                              " " + shlex.join(argv or sys.argv[1:]))
    if args.quick:
        args.size, args.repeat = 2048, 1
        if args.methods == "all":
            args.methods = "exp,brovey,mtf_glp_hpm"
        if args.out == ap.get_default("out"):
            args.out = os.path.join(HERE, "results", "classical_throughput_quick.md")
    methods = method_names("pansharpen") if args.methods == "all" else args.methods.split(",")
    labels = {m: method_label(m) for m in method_names("pansharpen")}

    # Inputs
    import make_large_input as mli  # noqa: E402  (bench/ is on sys.path as the script's folder)
    mosaic = max(args.size, 8192)
    paths = mli.build(args.data, mosaic, args.small)
    big_pan, big_ms = paths["pan_large"], paths["ms_large"]
    if args.size != mosaic:          # a centred crop of the mosaic
        big_pan = os.path.join(args.data, f"pan_{args.size}.tif")
        big_ms = os.path.join(args.data, f"ms_{args.size}.tif")
        if not (os.path.exists(big_pan) and os.path.exists(big_ms)):
            off = (mosaic // 2 - args.size // 2) // 4 * 4
            mli._translate(big_pan, paths["pan_large"], [off, off, args.size, args.size])
            mli._translate(big_ms, paths["ms_large"], [off // 4, off // 4, args.size // 4, args.size // 4])
    sizes = []
    for pan, ms in ((paths["pan_small"], paths["ms_small"]), (big_pan, big_ms)):
        mp = _megapixels(pan)
        sizes.append((_size_label(mp), mp, pan, ms))
    os.makedirs(args.work, exist_ok=True)
    info = machine_info()
    print(f"machine: {info['nproc']} x {info['cpu']}; methods: {', '.join(methods)}; repeat {args.repeat}")

    py = sys.executable
    results = {}
    for label, mp, pan, ms in sizes:
        print(f"== {label} ({mp:.2f} MP): {pan}", flush=True)
        _warm_cache([pan, ms])
        out = os.path.join(args.work, "gdal_brovey.tif")
        results[(label, "gdal_brovey")] = bench_one(
            "gdal_brovey", [py, GDAL_PANSHARPEN, pan, ms, out, "-of", "GTiff", "-co", "TILED=YES",
                            "-co", "COMPRESS=DEFLATE", "-threads", "ALL_CPUS", "-q"], out, args.repeat)
        vrt = os.path.join(args.work, "gdal_brovey.vrt")
        results[(label, "gdal_compute")] = bench_one(
            "gdal_compute", [py, os.path.abspath(__file__), "--worker-gdal-compute", pan, ms, vrt], vrt,
            args.repeat)
        for m in methods:
            out = os.path.join(args.work, f"{m}.tif")
            results[(label, m)] = bench_one(
                m, [py, os.path.abspath(__file__), "--worker", m, pan, ms, out,
                    "--tile-size", str(args.tile_size), "--overlap", str(args.overlap)], out, args.repeat)

    extra: list[str] = []
    big_label, big_mp = sizes[-1][0], sizes[-1][1]
    gdal_tp = big_mp / results[(big_label, "gdal_brovey")]["wall"]

    if args.cachemax_check and TARGET_METHOD in methods:
        env = dict(os.environ, GDAL_CACHEMAX=str(args.cachemax_check))
        out = os.path.join(args.work, "cachemax.tif")
        pan, ms = sizes[-1][2], sizes[-1][3]
        print(f"== diagnostics: GDAL_CACHEMAX={args.cachemax_check}", flush=True)
        r_ours = bench_one(f"{TARGET_METHOD} cachemax", [py, os.path.abspath(__file__), "--worker", TARGET_METHOD,
                                                         pan, ms, out], out, 1, env)
        r_gdal = bench_one("gdal_brovey cachemax", [py, GDAL_PANSHARPEN, pan, ms, out, "-of", "GTiff", "-co",
                                                    "TILED=YES", "-co", "COMPRESS=DEFLATE", "-threads",
                                                    "ALL_CPUS", "-q"], out, 1, env)
        extra += ["", f"### Diagnostic: GDAL block cache limited (GDAL_CACHEMAX={args.cachemax_check} MiB), "
                      f"{big_label}, 1 run", "",
                  "GDAL's default block cache is 5 % of RAM; dirty output blocks and input blocks sit in it, so "
                  "part of the peak RSS at the large size is that cache, not the engine's own arrays.", "",
                  "| run | wall s | peak RSS MiB |", "|---|---|---|",
                  f"| {labels[TARGET_METHOD]} | {r_ours['wall']:.2f} | {r_ours['rss_mb']:.0f} |",
                  f"| GDAL weighted Brovey (GTiff) | {r_gdal['wall']:.2f} | {r_gdal['rss_mb']:.0f} |"]

    to_profile: list[str] = []
    if args.profile == "auto":
        r = results.get((big_label, TARGET_METHOD))
        if r is not None and big_mp / r["wall"] / gdal_tp < TARGET_RATIO:
            to_profile = [TARGET_METHOD]
    elif args.profile not in ("none", ""):
        to_profile = args.profile.split(",")
    for m in to_profile:
        print(f"== cProfile {m} on {big_label}", flush=True)
        p = profile_method(m, sizes[-1][2], sizes[-1][3], args.work, args.tile_size, args.overlap)
        prof_path = os.path.join(os.path.dirname(args.out), f"profile_{m}.txt")
        os.makedirs(os.path.dirname(prof_path), exist_ok=True)
        with open(prof_path, "w") as fh:
            fh.write(f"# cProfile of {m} on {sizes[-1][2]} ({big_label})\n\n")
            fh.write(f"## prepare (16 sample blocks): {p['prepare_s']:.2f} s\n{p['prepare']}\n")
            fh.write(f"## one interior tile {p['tile_shape']} incl. halo: read {p['tile_read_s']:.2f} s, "
                     f"read+apply {p['tile_s']:.2f} s (main thread)\n{p['tile']}\n")
            fh.write(f"## whole run_fusion, main thread only (tiles are fused on the pool): {p['run_s']:.2f} s\n"
                     f"{p['run']}\n")
        extra += ["", f"### cProfile: {labels.get(m, m)} ({big_label})", "",
                  f"prepare {p['prepare_s']:.2f} s; one interior tile {p['tile_shape']} (with halo): read + "
                  f"upsample {p['tile_read_s']:.2f} s, read + apply {p['tile_s']:.2f} s on one thread; whole "
                  f"run under the profiler {p['run_s']:.1f} s. Full listing: `{os.path.relpath(prof_path, ROOT)}`.",
                  "", "Top functions by own time, one tile (read + apply):", "", "```",
                  *_trim_stats(p["tile"], 12), "```", "",
                  "Top functions by own time, whole run, engine main thread:", "", "```",
                  *_trim_stats(p["run"], 12), "```"]

    write_report(args.out, command, info, sizes, results, methods, args.repeat, extra, labels)
    return 0


def _trim_stats(text: str, n: int) -> list[str]:
    """The header line and the first n rows of a pstats listing."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip().startswith("ncalls"):
            return [line] + [l for l in lines[i + 1:i + 1 + n] if l.strip()]
    return lines[:n]


if __name__ == "__main__":
    sys.exit(main())
