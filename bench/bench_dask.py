#!/usr/bin/env python3
"""Scale-out benchmark: one large scene on a Dask LocalCluster with 1, 2 and 4 worker processes.

Input: the Sentinel-2 mosaic pair built by ``bench/make_large_input.py`` (default 4096 x 4096 PAN,
16.8 megapixels, uint16, 4 MS bands, ratio 4).  Runs, all with MTF-GLP-HPM, tile 512, overlap 32:

  * the single-process engine (``run_fusion``, CLUSTER empty): the reference output;
  * ``LocalCluster(n_workers=N, processes=True, threads_per_worker=1)`` for N in --workers;
  * N = 2 again with one worker killed (``os._exit``) while it fuses a tile in the middle of the scene.

Every output's pixels are hashed (SHA-256 of the band arrays) and compared with the reference.
Cluster start-up is timed apart from the fusion; throughput = PAN megapixels / fusion seconds.
Writes bench/results/dask_throughput.md (or --out).

Usage:  .venv/bin/python bench/bench_dask.py [--size 4096] [--workers 1 2 4] [--repeat 2]
"""
from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import shlex
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import make_large_input  # noqa: E402  (bench/ is this script's folder)
from bench_classical import machine_info  # noqa: E402

METHOD = "mtf_glp_hpm"
TILE, OVERLAP = 512, 32


def pixel_hash(path: str) -> str:
    from osgeo import gdal
    ds = gdal.Open(path)
    h = hashlib.sha256()
    for b in range(1, ds.RasterCount + 1):
        h.update(ds.GetRasterBand(b).ReadAsArray().tobytes())
    return h.hexdigest()


def request(pan: str, ms: str, out: str, cluster: str = ""):
    from core.engine import FusionRequest
    return FusionRequest(task="pansharpen", hr_path=pan, lr_path=ms, output_path=out, method=METHOD,
                         tile_size=TILE, overlap=OVERLAP, cluster=cluster)


def _cpu(t) -> float:
    return t.user + t.system


def workers_cpu(client) -> float:
    """CPU seconds used so far by the worker processes (os.times travels to the workers by reference)."""
    return sum(_cpu(t) for t in client.run(os.times).values()) if client is not None else 0.0


def best_of(repeat: int, fn, client=None) -> tuple[float, float, float]:
    """(wall s, client CPU s, worker CPU s) of the fastest of ``repeat`` runs."""
    best = (float("inf"), 0.0, 0.0)
    for _ in range(repeat):
        w0, c0, t0 = workers_cpu(client), os.times(), time.perf_counter()
        fn()
        wall, c1, w1 = time.perf_counter() - t0, os.times(), workers_cpu(client)
        if wall < best[0]:
            best = (wall, _cpu(c1) - _cpu(c0), w1 - w0)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=4096, help="PAN side of the input (default 4096)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    ap.add_argument("--repeat", type=int, default=2, help="fusion runs per configuration (best is kept)")
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "dask_throughput.md"))
    args = ap.parse_args(argv)

    from core import dask_backend
    from core.engine import run_fusion
    from core.tiling import TileGrid

    paths = make_large_input.build(args.data, args.size, 1024)
    pan, ms = paths["pan_large"], paths["ms_large"]
    mp = args.size * args.size / 1e6
    grid = TileGrid(args.size, args.size, TILE, OVERLAP)
    n_tiles = len(grid)
    info = machine_info()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(dir=args.data) as tmp:
        ref_out = os.path.join(tmp, "single.tif")
        secs, ccpu, _ = best_of(args.repeat, lambda: run_fusion(request(pan, ms, ref_out)))
        ref = pixel_hash(ref_out)
        rows.append(("single process (CLUSTER empty)", "–", secs, ccpu, None, ref, ""))
        print(f"single process: {secs:.2f} s, CPU {ccpu:.1f} s", flush=True)
        base = None
        for n in args.workers:
            t0 = time.perf_counter()
            with dask_backend.connect(f"local:{n}") as client:
                start = time.perf_counter() - t0
                out = os.path.join(tmp, f"dask{n}.tif")
                secs, ccpu, wcpu = best_of(args.repeat, lambda out=out, n=n: run_fusion(
                    request(pan, ms, out, f"local:{n}"), client=client), client)
                digest = pixel_hash(out)
                base = base or secs
                rows.append((f"LocalCluster, {n} worker(s)", f"{start:.1f}", secs, ccpu, wcpu, digest,
                             f"{base / secs:.2f}"))
                print(f"{n} worker(s): start {start:.1f} s, fusion {secs:.2f} s, CPU client {ccpu:.1f} s "
                      f"workers {wcpu:.1f} s, identical {digest == ref}", flush=True)
                if n == 2:
                    # A worker dies mid-run: the nanny restarts it, Dask reruns its tile; output unchanged.
                    mid_row, mid_col = grid.position(grid.windows[n_tiles // 2])
                    marker = os.path.join(tmp, "killed")
                    os.environ[dask_backend.FAULT_ENV] = f"{mid_row},{mid_col},{marker}"
                    try:
                        ksecs, kc, _ = best_of(1, lambda out=out: run_fusion(
                            request(pan, ms, out, "local:2"), client=client))
                    finally:
                        del os.environ[dask_backend.FAULT_ENV]
                    kdigest = pixel_hash(out)
                    killed = os.path.exists(marker)
                    rows.append((f"LocalCluster, 2 workers, one killed on tile ({mid_row}, {mid_col})"
                                 + ("" if killed else " (kill did not happen!)"), "–", ksecs, kc, None, kdigest,
                                 ""))
                    print(f"kill run: {ksecs:.2f} s, killed {killed}, identical {kdigest == ref}", flush=True)
    load_after = os.getloadavg()
    write_table(args, info, rows, ref, mp, n_tiles, load_before, load_after, argv)
    return 0 if all(r[5] == ref for r in rows) else 1


def write_table(args, info, rows, ref, mp, n_tiles, load_before, load_after, argv) -> None:
    client_cpu = next((r[3] for r in rows if r[0].startswith("LocalCluster, 2 worker(s)")), rows[-1][3])
    cmd = ".venv/bin/python bench/bench_dask.py" + ("" if argv is None else " " + shlex.join(argv))
    if argv is None and len(sys.argv) > 1:
        cmd += " " + shlex.join(sys.argv[1:])
    lines = [
        "# Dask scale-out: one large scene on a LocalCluster",
        "",
        f"Command: `{cmd}` (or `make bench-dask`)  ",
        f"Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC  ",
        f"Machine: {info['nproc']} CPUs (nproc), CPU model \"{info['cpu']}\", {info['mem']} RAM; load average "
        f"{load_before[0]:.1f} before and {load_after[0]:.1f} after the runs (other jobs share the machine)  ",
        f"Software: Python {info['python']}, numpy {info['numpy']}, GDAL {info['gdal']}, dask/distributed "
        f"{_dask_version()}; repository commit {info['commit']}, SHA-1 of core/*.py {info['core_sha1']}",
        "",
        f"Input: `bench/make_large_input.py --size {args.size}` (Sentinel-2 mosaic, uint16): a {args.size} x "
        f"{args.size} PAN ({mp:.1f} megapixels) and a 4-band MS at ratio 4. Method MTF-GLP-HPM, tile {TILE}, "
        f"overlap {OVERLAP} ({n_tiles} tiles), DEFLATE GeoTIFF output. Workers: "
        "`LocalCluster(processes=True, threads_per_worker=1)`; the client assembles and writes the output. "
        f"Times are the best of {args.repeat} run(s) (the kill run: one run). *Fusion s* excludes the cluster "
        "start-up, which is shown apart; the single-process engine fuses on 2 threads.",
        "",
        "| configuration | cluster start s | fusion s | MP/s | speed-up vs 1 worker | CPU s: client | CPU s: workers "
        "| pixels identical to single process |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, start, secs, ccpu, wcpu, digest, speed in rows:
        lines.append(f"| {name} | {start} | {secs:.2f} | {mp / secs:.2f} | {speed or '–'} | {ccpu:.1f} | "
                     f"{'–' if wcpu is None else f'{wcpu:.1f}'} | "
                     f"{'yes' if digest == ref else 'NO'} (`{digest[:12]}`) |")
    lines += [
        "",
        "Notes:",
        "",
        f"* This machine has {info['nproc']} CPU core(s) and was shared with background jobs (a training run at "
        "nice 5 among them), so more workers cannot scale here: with 2 cores, 4 worker processes only add "
        "scheduling, transfer and memory overhead. The numbers show the overhead of the Dask path (pickling "
        "tiles to the client, storing them in the work folder, assembling) rather than the scaling one gets "
        "on a machine or cluster with free cores.",
        "* CPU s: *client* is the benchmark process (for the Dask rows it also runs the LocalCluster's scheduler "
        "and nannies, receives the tiles, stores them in the work folder, blends them and writes the DEFLATE "
        "GeoTIFF); *workers* is the sum over the worker processes (`os.times` on each). Wall times on a shared "
        "machine depend on the other jobs; CPU seconds show what the Dask path costs in work.",
        f"* The client's part (prepare, receive and store the tiles, blend, DEFLATE write: {client_cpu:.1f} CPU s in "
        f"the 2-worker run) is serial, so one scene cannot go faster than about {mp / client_cpu:.1f} MP/s on this "
        "CPU however many workers fuse; a batch (one scene per task, each worker writing its own output) has no "
        "such bound.",
        "* The kill run pays for the restart of the dead worker (a new process, imports, the scene reopened) and "
        "for the tiles it held in memory that the client had not yet received, which Dask computes again.",
        "* Bit-identical output is by construction: workers return each tile's fused core and the client blends "
        "the tiles in row-major order with the engine's own BlendAssembler and OutputRaster.",
        "* The kill run makes the worker that fuses the middle tile exit hard (`os._exit`, test hook "
        f"`{'DEEP_PANSHARPEN_DASK_FAULT'}`); the nanny starts a new worker, the scheduler reruns the tile, and no "
        "finished tile is lost (each is stored in `<output>.tiles/` as soon as the client receives it).",
        "",
    ]
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as fh:
        fh.write("\n".join(lines))
    print("wrote", args.out)


def _dask_version() -> str:
    import dask
    import distributed
    return f"{dask.__version__}/{distributed.__version__}"


if __name__ == "__main__":
    sys.exit(main())
