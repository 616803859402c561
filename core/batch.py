"""Batch fusion: many scene pairs, one method, one output per pair and a summary table.

Pairs come from a CSV (columns ``pan,ms`` for pansharpening or ``hsi,msi`` for HS-MS fusion, optional
``output`` and ``name``; relative paths are relative to the CSV) or from a folder and two glob patterns
with one ``*`` each (``*_pan.tif`` / ``*_ms.tif``): files whose ``*`` parts are equal form a pair.

Each scene runs through :func:`core.engine.run_fusion`; with a CLUSTER the scenes are Dask tasks (each
worker fuses whole scenes and writes their outputs, so the outputs must be on storage the workers
share).  A scene that fails is reported in the summary and the others go on.

Command line (from the plugin folder):  python -m core.batch --help
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import dataclasses
import glob
import os
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from .engine import FusionRequest, run_fusion
from .errors import Cancelled, InputError, MissingDependency
from .methods import method_entry
from .output_guard import check_not_inputs

COLUMNS = {"pansharpen": ("pan", "ms"), "hsms": ("msi", "hsi")}      # (HR column, LR column)
DEFAULT_PATTERNS = {"pansharpen": ("*_pan.tif", "*_ms.tif"), "hsms": ("*_msi.tif", "*_hsi.tif")}
SUMMARY_FIELDS = ["scene", "status", "seconds", "device", "worker", "hr_input", "lr_input", "output", "error"]
METRIC_FIELDS = ["QNR", "D_lambda", "D_S", "HQNR", "D_lambda_K"]


@dataclass
class ScenePair:
    name: str
    hr_path: str
    lr_path: str
    output_path: str
    error: str = ""              # why the row cannot run (reported as failed; the other rows go on)


@dataclass
class SceneReport:
    scene: str
    status: str                  # "ok", "failed", "skipped", "cancelled"
    seconds: float = 0.0
    device: str = ""
    worker: str = ""
    hr_input: str = ""
    lr_input: str = ""
    output: str = ""
    error: str = ""
    metrics: dict = field(default_factory=dict)


def task_of(method: str) -> str:
    return method_entry(method)[2]


# --- pairs -------------------------------------------------------------------------------------------

def _default_output(out_dir: str, name: str, method: str) -> str:
    return os.path.join(out_dir, f"{name}_{method}.tif")


def name_problem(name: str) -> str:
    """Why a scene name from a pairs table cannot name an output file in the output folder, or ''.
    Names are refused, not rewritten: a table from someone else must not write outside the output folder,
    and a silently changed name would hide which output belongs to which row."""
    if name in (".", ".."):
        return f"the name '{name}' is not a file name"
    if "/" in name or "\\" in name or os.sep in name or (os.altsep and os.altsep in name):
        return f"the name '{name}' contains a path separator; names must be plain file names"
    if os.path.isabs(name) or (len(name) > 1 and name[1] == ":"):
        return f"the name '{name}' is an absolute path; names must be plain file names"
    if any(ord(c) < 32 for c in name):
        return f"the name '{name!r}' contains control characters"
    return ""


def _where(path: str, base: str) -> str:
    if path.startswith("/vsi") or "://" in path or os.path.isabs(path):
        return path
    return os.path.normpath(os.path.join(base, path))


def pairs_from_csv(path: str, task: str, out_dir: str, method: str) -> list[ScenePair]:
    hr_col, lr_col = COLUMNS[task]
    base = os.path.dirname(os.path.abspath(path))
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
            header = [h.strip().lower() for h in (rows[0].keys() if rows else [])]
    except OSError as exc:
        raise InputError(f"Cannot read the pairs table '{path}': {exc.strerror or exc}") from None
    if not rows:
        raise InputError(f"The pairs table '{path}' has no rows.")
    if hr_col not in header or lr_col not in header:
        raise InputError(f"The pairs table '{path}' needs the columns '{hr_col}' and '{lr_col}' for this "
                         f"method (it has: {', '.join(header)}).")
    pairs = []
    for i, row in enumerate(rows, start=1):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        hr, lr = _where(row[hr_col], base), _where(row[lr_col], base)
        name = row.get("name") or os.path.splitext(os.path.basename(row[hr_col]))[0] or f"scene{i}"
        problem = "" if row.get("output") else name_problem(name)
        if problem:
            pairs.append(ScenePair(name, hr, lr, "", error=f"Row {i} of the pairs table: {problem}. Nothing "
                                                             "was written for it."))
            continue
        out = _where(row["output"], base) if row.get("output") else _default_output(out_dir, name, method)
        pairs.append(ScenePair(name, hr, lr, out))
    return pairs


def _key(pattern: str, filename: str) -> str | None:
    head, _star, tail = pattern.partition("*")
    if filename.startswith(head) and filename.endswith(tail) and len(filename) > len(head) + len(tail):
        return filename[len(head):len(filename) - len(tail)]
    return None


def pairs_from_folder(folder: str, hr_pattern: str, lr_pattern: str, out_dir: str, method: str,
                      log: Callable[[str], None] = lambda _m: None) -> list[ScenePair]:
    """Pairs of files in ``folder`` matching the two patterns with the same ``*`` part (the key)."""
    for p in (hr_pattern, lr_pattern):
        if p.count("*") != 1 or os.sep in p or "/" in p:
            raise InputError(f"The file pattern '{p}' must be a file name with exactly one '*', e.g. '*_pan.tif'.")
    if not os.path.isdir(folder):
        raise InputError(f"The input folder '{folder}' does not exist.")

    def keyed(pattern):
        found = {}
        for path in sorted(glob.glob(os.path.join(glob.escape(folder), pattern))):
            k = _key(pattern, os.path.basename(path))
            if k is not None:
                found[k] = path
        return found

    hr, lr = keyed(hr_pattern), keyed(lr_pattern)
    for k in sorted(set(hr) ^ set(lr)):
        log(f"Warning: '{os.path.basename(hr.get(k) or lr.get(k))}' has no partner file; skipped.")
    pairs = [ScenePair(k, hr[k], lr[k], _default_output(out_dir, k, method)) for k in sorted(set(hr) & set(lr))]
    if not pairs:
        raise InputError(f"No pairs '{hr_pattern}' + '{lr_pattern}' were found in '{folder}'.")
    return pairs


# --- one scene ---------------------------------------------------------------------------------------

def _device_used(method: str, device: str) -> str:
    from .methods.registry import find_spec

    spec = find_spec(method)    # the registry answers without importing the method (and torch)
    if spec is None:            # an unknown method reports its own error later
        return device
    if not spec.needs_torch:
        return "cpu"
    if device != "auto":
        return device
    try:
        import torch
        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


def _worker_name() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return socket.gethostname()


def output_problem(pair: ScenePair, template: dict) -> str:
    """Why the existing output of ``pair`` does not count as done, or '' when it opens with GDAL, was
    finished by this plugin (its provenance is written last), has the size and bands this pair gives and
    its last block reads (a truncated file fails there)."""
    from osgeo import gdal

    from .scene import Scene
    try:
        ds = gdal.OpenEx(pair.output_path, gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:
        return f"GDAL cannot open it: {str(exc).strip() or 'unreadable'}"
    if ds is None:
        return "GDAL cannot open it"
    if not ds.GetMetadataItem("DEEPPANSHARPEN_METHOD"):
        return "it was not finished by Deep Pansharpen"
    try:
        scene = Scene(pair.hr_path, pair.lr_path, template.get("hr_bands"), template.get("lr_bands"),
                      template.get("task", "pansharpen"))
    except InputError as exc:
        return f"its inputs cannot be checked: {exc}"
    want = (scene.width, scene.height, len(scene.lr_bands))
    have = (ds.RasterXSize, ds.RasterYSize, ds.RasterCount)
    if have != want:
        return f"{have[0]} x {have[1]} pixels x {have[2]} band(s) instead of {want[0]} x {want[1]} x {want[2]}"
    bx, by = ds.GetRasterBand(1).GetBlockSize()
    x0, y0 = (ds.RasterXSize - 1) // bx * bx, (ds.RasterYSize - 1) // by * by
    try:
        data = ds.ReadRaster(x0, y0, ds.RasterXSize - x0, ds.RasterYSize - y0)
    except RuntimeError as exc:
        return f"its last block cannot be read ({str(exc).strip()})"
    if data is None:
        return "its last block cannot be read"
    return ""


def run_scene(pair: ScenePair, template: dict, metrics: bool = False, skip_existing: bool = False,
              is_cancelled=None, log=None, client=None) -> SceneReport:
    """Fuse one pair, in this process or with its tiles on ``client``'s Dask cluster; every error is
    caught into the report (status "failed") except Cancelled."""
    log = log or (lambda _m: None)
    rep = SceneReport(pair.name, "ok", hr_input=pair.hr_path, lr_input=pair.lr_path, output=pair.output_path,
                      worker=_worker_name(), device=_device_used(template["method"], template.get("device", "auto")))
    if pair.error:
        rep.status, rep.error = "failed", pair.error
        return rep
    if skip_existing and os.path.exists(pair.output_path):
        problem = output_problem(pair, template)
        if not problem:
            rep.status = "skipped"
            rep.error = "output exists"
            return rep
        log(f"[{pair.name}] Warning: the existing output {pair.output_path} is incomplete ({problem}); "
            "it is fused again.")
    t0 = time.perf_counter()
    try:
        os.makedirs(os.path.dirname(os.path.abspath(pair.output_path)), exist_ok=True)
        req = FusionRequest(hr_path=pair.hr_path, lr_path=pair.lr_path, output_path=pair.output_path,
                            **dict(template, cluster=""))
        scene_log = lambda m: log(f"[{pair.name}] {m}")      # noqa: E731
        run_fusion(req, is_cancelled=is_cancelled, log=scene_log, client=client)
        if client is not None:
            rep.worker = "cluster"
        if metrics and req.task == "pansharpen":
            from .assess import assess_full
            hr_band = (req.hr_bands or [1])[0]
            rep.metrics = {k: float(v) for k, v in assess_full(
                pair.output_path, pair.hr_path, pair.lr_path, req.sensor, hr_band, req.lr_bands).metrics.items()}
    except Cancelled:
        raise
    except (InputError, MissingDependency) as exc:
        rep.status, rep.error = "failed", str(exc)
    except Exception as exc:    # noqa: BLE001 - a bad scene must not stop the batch
        rep.status = "failed"
        rep.error = f"{type(exc).__name__}: {exc}"
        log(f"[{pair.name}] " + traceback.format_exc().strip().splitlines()[-1])
    rep.seconds = round(time.perf_counter() - t0, 3)
    return rep


# --- the batch ---------------------------------------------------------------------------------------

def write_summary(path: str, reports: list[SceneReport]) -> None:
    metric_names = [m for m in METRIC_FIELDS if any(m in r.metrics for r in reports)]
    metric_names += sorted({k for r in reports for k in r.metrics} - set(metric_names))
    tmp = path + ".part"
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(SUMMARY_FIELDS + metric_names)
        for r in reports:
            row = dataclasses.asdict(r)
            w.writerow([row[f] for f in SUMMARY_FIELDS] + [
                "" if r.metrics.get(m) is None else f"{r.metrics[m]:.6g}" for m in metric_names])
    os.replace(tmp, path)


def run_batch(pairs: list[ScenePair], template: dict, summary_path: str, metrics: bool = False,
              cluster: str = "", tiles_on_cluster: bool = False, skip_existing: bool = False, progress=None,
              is_cancelled=None, log=None, pairs_table: str = "") -> list[SceneReport]:
    """Run every pair; the summary CSV is rewritten after each scene (``pairs_table``, the CSV the pairs
    came from, is never written: neither it nor any input may be an output).  ``template`` holds the
    FusionRequest fields shared by all scenes (task, method, sensor, tile_size ...).  With ``cluster``
    each scene is one Dask task, or, with ``tiles_on_cluster``, the scenes run one after the other with
    their tiles on the cluster (better for a few huge scenes)."""
    progress = progress or (lambda _p: None)
    is_cancelled = is_cancelled or (lambda: False)
    log = log or (lambda _m: None)
    outputs = [os.path.abspath(p.output_path) for p in pairs if p.output_path]
    dup = sorted({o for o in outputs if outputs.count(o) > 1})
    if dup:
        raise InputError(f"Several pairs would write the same output: {', '.join(dup)}.")
    folder = os.path.dirname(os.path.abspath(summary_path))
    if not os.path.isdir(folder):
        raise InputError(f"The folder of the summary table '{folder}' does not exist.")
    _check_outputs_are_not_inputs(pairs, summary_path, pairs_table)
    reports: list[SceneReport | None] = [None] * len(pairs)
    if cluster and not tiles_on_cluster:
        _run_on_cluster(pairs, template, summary_path, metrics, cluster, skip_existing, reports, progress,
                        is_cancelled, log)
    else:
        with contextlib.ExitStack() as stack:
            client = None
            if cluster:
                from .dask_backend import connect
                client = stack.enter_context(connect(cluster, log))
            for i, pair in enumerate(pairs):
                if is_cancelled():
                    break
                log(f"Scene {i + 1}/{len(pairs)}: {pair.name}")
                try:
                    reports[i] = run_scene(pair, template, metrics, skip_existing, is_cancelled, log, client)
                except Cancelled:
                    break
                _note(reports[i], log)
                write_summary(summary_path, [r for r in reports if r is not None])
                progress(100.0 * (i + 1) / len(pairs))
    done = [r if r is not None else SceneReport(p.name, "cancelled", hr_input=p.hr_path, lr_input=p.lr_path,
                                               output=p.output_path) for p, r in zip(pairs, reports)]
    write_summary(summary_path, done)
    if is_cancelled():
        raise Cancelled("Cancelled by the user; the summary lists the scenes that were done.")
    return done


def _check_outputs_are_not_inputs(pairs: list[ScenePair], summary_path: str, pairs_table: str) -> None:
    """Refuse the whole batch, before any scene runs, when it would overwrite one of its own inputs."""
    inputs = [("pairs table", pairs_table)] if pairs_table else []
    for p in pairs:
        inputs += [(f"input of scene '{p.name}'", p.hr_path), (f"input of scene '{p.name}'", p.lr_path)]
    check_not_inputs(summary_path, "summary table", inputs)
    for p in pairs:
        if p.output_path:
            check_not_inputs(p.output_path, f"output of scene '{p.name}'",
                             inputs + [("summary table", summary_path)])


def _note(rep: SceneReport, log) -> None:
    if rep.status == "failed":
        log(f"Warning: scene '{rep.scene}' failed: {rep.error}")
    else:
        log(f"Scene '{rep.scene}': {rep.status} in {rep.seconds:.1f} s.")


def _run_on_cluster(pairs, template, summary_path, metrics, cluster, skip_existing, reports, progress,
                    is_cancelled, log) -> None:
    from . import dask_backend

    with dask_backend.connect(cluster, log) as client:
        from distributed import as_completed
        futures = {client.submit(run_scene, pair, template, metrics, skip_existing, pure=False,
                                 key=f"deep-pansharpen-scene-{i}-{os.getpid()}-{time.time_ns()}"): i
                   for i, pair in enumerate(pairs)}
        ready = as_completed(list(futures))
        n_done = 0
        while n_done < len(pairs):
            if is_cancelled():
                client.cancel(list(futures))
                return
            batch = ready.next_batch(block=False) if ready.has_ready() else []
            if not batch:
                time.sleep(0.1)
            for fut in batch:
                i = futures.pop(fut)
                try:
                    reports[i] = fut.result()
                except Exception as exc:    # noqa: BLE001 - e.g. KilledWorker: the scene kept killing workers
                    p = pairs[i]
                    reports[i] = SceneReport(p.name, "failed", hr_input=p.hr_path, lr_input=p.lr_path,
                                             output=p.output_path, error=f"{type(exc).__name__}: {exc}")
                n_done += 1
                _note(reports[i], log)
                write_summary(summary_path, [r for r in reports if r is not None])
                progress(100.0 * n_done / len(pairs))


# --- command line ------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.batch", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pairs", help="CSV with columns pan,ms (or msi,hsi) and optional output,name")
    src.add_argument("--folder", help="folder of input files paired by --hr-pattern/--lr-pattern")
    p.add_argument("--hr-pattern", help="PAN (or HR-MSI) file pattern with one '*' (default *_pan.tif / *_msi.tif)")
    p.add_argument("--lr-pattern", help="MS (or LR-HSI) file pattern with one '*' (default *_ms.tif / *_hsi.tif)")
    p.add_argument("--method", default="auto")
    p.add_argument("--out-dir", default=".", help="folder of the outputs the CSV does not name")
    p.add_argument("--summary", help="summary CSV (default <out-dir>/batch_summary.csv)")
    p.add_argument("--cluster", default="", help="'' = this process, local, local:N or tcp://host:port")
    p.add_argument("--metrics", action="store_true", help="full-resolution QNR of every output (pansharpening)")
    p.add_argument("--skip-existing", action="store_true", help="leave pairs whose output exists")
    p.add_argument("--sensor", default="generic")
    p.add_argument("--tile-size", type=int, default=1024)
    p.add_argument("--overlap", type=int, default=32)
    p.add_argument("--output-type", default=None, choices=["uint8", "uint16", "int16", "float32"])
    p.add_argument("--cog", action="store_true")
    p.add_argument("--compression", default="deflate", choices=["deflate", "zstd", "none"],
                   help="output GeoTIFF compression")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--tiles-on-cluster", action="store_true",
                   help="with --cluster, run the scenes one after the other, each one's tiles on the cluster "
                        "(for a few huge scenes) instead of one scene per task")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        task = task_of(args.method)
        os.makedirs(args.out_dir, exist_ok=True)
        if args.pairs:
            pairs = pairs_from_csv(args.pairs, task, args.out_dir, args.method)
        else:
            hr_p, lr_p = DEFAULT_PATTERNS[task]
            pairs = pairs_from_folder(args.folder, args.hr_pattern or hr_p, args.lr_pattern or lr_p, args.out_dir,
                                      args.method, log=print)
        template = dict(task=task, method=args.method, sensor=args.sensor, tile_size=args.tile_size,
                        overlap=args.overlap, output_dtype=args.output_type, cog=args.cog,
                        compression=args.compression, device=args.device)
        summary = args.summary or os.path.join(args.out_dir, "batch_summary.csv")
        reports = run_batch(pairs, template, summary, metrics=args.metrics, cluster=args.cluster,
                            tiles_on_cluster=args.tiles_on_cluster, skip_existing=args.skip_existing, log=print,
                            pairs_table=args.pairs or "")
    except (InputError, MissingDependency) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    failed = sum(r.status == "failed" for r in reports)
    print(f"{len(reports) - failed} of {len(reports)} scene(s) done; summary: {summary}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
