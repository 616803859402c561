"""The tiles of one scene as tasks on a Dask cluster: the tile source :func:`core.engine.run_fusion` streams
when CLUSTER is set (the engine imports this module; this module never imports the engine).

The client pairs the grids and prepares the method once, exactly as the single-process engine does.
The prepared method is pickled once and held by the cluster as one task result; every worker process
unpickles it once (a per-process cache keyed by its hash), so deep models are loaded once per worker.
Each tile task reads its window (with halo) straight from the inputs, fuses it and returns the fused
core and its validity mask.  Workers never write: the client stores every finished tile in a work
folder ``<output>.tiles/`` and streams the tiles, in row-major order, through the same
:class:`BlendAssembler` and :class:`OutputRaster` as the engine, so the output is the single-process run's
(bit-identical, or within 1 DN where a tile runs BLAS or torch, whose sums follow the thread count) and
appears only when complete.

Failures: a worker that dies mid-task is replaced (LocalCluster) and its task rescheduled by Dask; a
finished tile is on disk as soon as the client has it.  If the client itself stops (crash, error), a
rerun with the same request skips the tiles in the work folder (its manifest pins the request, the
inputs and the prepared method's values).  The folder is the plugin's only: a manifest proves it made it
and lists the files it may delete, a lock keeps a second run out.  The tiles are removed after a
successful commit or a cancel.

Dask is optional: nothing here is imported unless CLUSTER is set.
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import io
import json
import logging
import multiprocessing
import os
import pickle
import re
import sys
import time
import types
import uuid
from collections import OrderedDict
from collections.abc import Iterator

import numpy as np

from .errors import Cancelled, InputError, MissingDependency
from .methods.base import FusionMethod
from .ownership import HOST_TAG, owner_gone
from .scene import Scene
from .tiling import TileGrid, Window
from .version import plugin_version

CLUSTER_HELP = ("empty (one process), 'local' or 'local:N' (N worker processes on this machine) or the "
                "address of a Dask scheduler, e.g. tcp://host:8786")
# Test hook, read on the client: "<row>,<col>,<marker file>" makes the worker fusing that tile exit hard,
# once (the marker, on a folder the workers share, records that it happened), to exercise worker loss.
FAULT_ENV = "DEEP_PANSHARPEN_DASK_FAULT"
_MANIFEST = "manifest.json"
_CACHE_SIZE = 4                 # scenes / methods kept per worker process (a batch moves on)


# --- cluster ---------------------------------------------------------------------------------------

def require_distributed():
    """The ``distributed`` module, or MissingDependency with the fix."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as exc:
        raise MissingDependency(
            "Running on a cluster (CLUSTER) needs the Python packages 'dask' and 'distributed', which are "
            f"not installed ({exc}). Install them (pip install \"dask[distributed]\", or the plugin's "
            "requirements.txt), or leave CLUSTER empty to run in this process.") from exc
    return distributed


def parse_cluster(spec: str) -> tuple[str, object]:
    """("local", n_workers or None) or ("address", url); InputError for anything else."""
    s = (spec or "").strip()
    if s == "local":
        return "local", None
    m = re.fullmatch(r"local:(\d+)", s)
    if m and int(m.group(1)) >= 1:
        return "local", int(m.group(1))
    if re.fullmatch(r"(tcp|tls|ucx|ws|wss)://[^\s/]+", s):
        return "address", s
    if re.fullmatch(r"[A-Za-z0-9.\-]+:\d+", s) and not s.startswith("local:"):
        return "address", "tcp://" + s
    raise InputError(f"CLUSTER '{spec}' is not understood: use {CLUSTER_HELP}.")


def _use_a_python_for_spawn() -> None:
    """Worker processes are spawned with sys.executable, which inside QGIS is the QGIS binary or whatever
    "python3" is first on PATH (qgis_process): use the interpreter that matches the running one."""
    from .dependencies import python_executable
    exe = python_executable()
    if exe and os.path.realpath(exe) != os.path.realpath(sys.executable or ""):
        multiprocessing.set_executable(exe)


@contextlib.contextmanager
def connect(spec: str, log=None) -> Iterator[object]:
    """A ``distributed.Client`` for CLUSTER ``spec``; a LocalCluster is started and closed with it."""
    log = log or (lambda _m: None)
    kind, arg = parse_cluster(spec)
    dd = require_distributed()
    cluster = None
    environ = dict(os.environ)      # the in-process nannies set OMP_NUM_THREADS=1 etc. for their workers
    if kind == "local":
        _use_a_python_for_spawn()
        n = arg or max(1, os.cpu_count() or 1)
        log(f"Starting a local Dask cluster of {n} worker process(es).")
        import dask
        # Dask's default MALLOC_TRIM_THRESHOLD_ turns off glibc's adaptive mmap threshold: every tile-sized
        # array is then mmapped and unmapped, and page faults cost more CPU than the fusion.
        with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = dd.LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0",
                                      silence_logs=logging.ERROR)
        client = dd.Client(cluster)
    else:
        log(f"Connecting to the Dask scheduler at {arg}.")
        try:
            client = dd.Client(arg, timeout="20s")
        except OSError as exc:
            raise InputError(f"Cannot reach the Dask scheduler at {arg}: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
            for key in set(os.environ) - set(environ):
                del os.environ[key]
            os.environ.update(environ)


# --- worker side -----------------------------------------------------------------------------------

_SCENES: OrderedDict[str, Scene] = OrderedDict()
_METHODS: OrderedDict[str, object] = OrderedDict()


def _cached(cache: OrderedDict, key: str, make):
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    value = cache[key] = make()
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)
    return value


def _worker_scene(spec: dict) -> Scene:
    def make():
        scene = Scene(spec["hr_path"], spec["lr_path"], spec["hr_bands"], spec["lr_bands"], spec["task"])
        scene.__dict__.update(spec["state"])        # fill values, bad bands ... estimated on the client
        return scene
    return _cached(_SCENES, spec["key"], make)


def _worker_method(key: str, blob: bytes):
    def make():
        method = pickle.loads(blob)
        if hasattr(method, "bind"):
            method.bind()               # the client's callbacks did not travel
        return method
    return _cached(_METHODS, key, make)


def _hold(blob: bytes) -> bytes:
    """Task whose result is the pickled method: the scheduler can recompute it if its holder dies."""
    return blob


def _maybe_fail(fault: str | None, row: int, col: int) -> None:
    if not fault:
        return
    r, c, marker = fault.split(",", 2)
    if (int(r), int(c)) == (row, col) and not os.path.exists(marker):
        with open(marker, "w") as fh:
            fh.write(str(os.getpid()))
        os._exit(70)


def fuse_tile(spec: dict, method_key: str, blob: bytes, position: tuple[int, int], win: Window, halo: int):
    """Dask task: (fused core float32 (bands, h, w), valid (h, w), CPU seconds, worker address) of the tile
    at ``position`` (tile row, tile column) in the grid."""
    t0 = time.thread_time()
    _maybe_fail(spec.get("fault"), *position)
    scene = _worker_scene(spec)
    method = _worker_method(method_key, blob)
    tile = scene.read_tile(win, halo)
    fused = method.apply(tile)
    core = np.ascontiguousarray(fused[(slice(None),) + tile.core], dtype=np.float32)
    valid = np.ascontiguousarray(tile.valid[tile.core])
    return core, valid, time.thread_time() - t0, _worker_address()


def _worker_address() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return ""


# --- work folder (finished tiles, resume) -----------------------------------------------------------

def _input_stamp(path: str) -> list:
    try:
        st = os.stat(path)
        return [os.path.abspath(path), st.st_size, st.st_mtime_ns]
    except OSError:
        return [path]           # a URL / /vsi path: identified by its name only


def _fingerprint(req, method_key: str) -> str:
    fields = {k: v for k, v in dataclasses.asdict(req).items() if k not in ("cluster", "output_path")}
    doc = {"request": fields, "hr": _input_stamp(req.hr_path), "lr": _input_stamp(req.lr_path),
           "method": method_key, "version": plugin_version()}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


TIMING_KEYS = ("seconds",)


def method_fingerprint(method) -> str:
    """A hash of what determines a prepared method's tiles: its attributes, with arrays and tensors by their
    values and a network by its weights.  Pickled bytes would not do: a torch module pickles differently on
    every run, so a resumed run never matched."""
    h = hashlib.sha256()
    seen: set = set()

    def feed(tag: str, data: bytes) -> None:
        h.update(tag.encode() + b":" + str(len(data)).encode() + b":" + data)

    def walk(obj, depth: int) -> None:
        if depth > 12:
            feed("deep", b"")
            return
        if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
            feed(type(obj).__name__, repr(obj).encode())
            return
        if isinstance(obj, (types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial)):
            return                                              # callbacks: no part of the result
        if isinstance(obj, np.generic):
            feed("npscalar", repr(obj.item()).encode() + str(obj.dtype).encode())
            return
        if isinstance(obj, np.ndarray):
            feed("ndarray", f"{obj.dtype}{obj.shape}".encode() + np.ascontiguousarray(obj).tobytes())
            return
        torch = sys.modules.get("torch")
        if torch is not None:
            if isinstance(obj, torch.Tensor):
                t = obj.detach().cpu().contiguous()
                feed("tensor", f"{t.dtype}{tuple(t.shape)}".encode() + t.view(-1).view(torch.uint8).numpy().tobytes()
                     if t.numel() else b"")
                return
            if isinstance(obj, torch.nn.Module):
                feed("module", type(obj).__qualname__.encode())
                for name, t in obj.state_dict().items():
                    feed("name", name.encode())
                    walk(t, depth + 1)
                walk({k: v for k, v in vars(obj).items() if not k.startswith("_") and k != "training"}, depth + 1)
                return
            if isinstance(obj, torch.device):
                feed("device", str(obj).encode())
                return
        if id(obj) in seen:
            feed("seen", b"")
            return
        seen.add(id(obj))
        if isinstance(obj, dict):
            # measured durations (Auto's and the guard's "seconds") record how long a check took, not what it chose
            keys = [k for k in obj if k not in TIMING_KEYS]
            feed("dict", str(len(keys)).encode())
            for k in sorted(keys, key=repr):
                walk(k, depth + 1)
                walk(obj[k], depth + 1)
        elif isinstance(obj, (list, tuple)):
            feed(type(obj).__name__, str(len(obj)).encode())
            for v in obj:
                walk(v, depth + 1)
        elif isinstance(obj, (set, frozenset)):
            feed("set", b"")
            for v in sorted(obj, key=repr):
                walk(v, depth + 1)
        elif hasattr(obj, "__dict__"):
            feed("object", f"{type(obj).__module__}.{type(obj).__qualname__}".encode())
            # without a method's callbacks and run-time state (FusionMethod.CALLBACKS, RUN_STATE: its row-part
            # thread pool, the CPU budget measured at its first tile): they differ between two runs of a scene
            skip = set(FusionMethod.CALLBACKS) | set(getattr(obj, "RUN_STATE", ()))
            walk({k: v for k, v in vars(obj).items() if k not in skip}, depth + 1)
        else:
            feed("repr", repr(obj).encode())

    walk(method, 0)
    return h.hexdigest()


def work_folder(output_path: str) -> str:
    return os.path.abspath(output_path) + ".tiles"


MADE_BY = "Deep Pansharpen tile store"      # the manifest's proof that the plugin made the folder
_LOCK = "run.lock"
_TILE_NAME = re.compile(r"tile_\d{5}_\d{5}\.npz")


def _tile_name(row: int, col: int) -> str:
    return f"tile_{row:05d}_{col:05d}.npz"


def _read_manifest(folder: str) -> dict | None:
    """The folder's manifest when it is one this plugin wrote, else None."""
    try:
        with open(os.path.join(folder, _MANIFEST)) as fh:
            man = json.load(fh)
    except (OSError, ValueError):
        return None
    if not isinstance(man, dict) or "fingerprint" not in man:
        return None
    if man.get("made_by") != MADE_BY:
        # Plugin versions before the file list: their manifest held only the fingerprint and the tile count.
        if set(man) != {"fingerprint", "tiles"}:
            return None
        man = dict(man, made_by=MADE_BY, files=[n for n in os.listdir(folder) if _TILE_NAME.fullmatch(n)])
    man["files"] = [n for n in man.get("files", []) if isinstance(n, str) and _TILE_NAME.fullmatch(n)]
    return man


def _lock_owner(folder: str) -> dict | None:
    try:
        with open(os.path.join(folder, _LOCK)) as fh:
            owner = json.load(fh)
        return owner if isinstance(owner, dict) else {}
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}                       # being written, or damaged: someone holds it


def _lock_is_stale(owner: dict) -> bool:
    try:
        return owner_gone(int(owner["pid"]), str(owner["host"]))
    except (KeyError, TypeError, ValueError):
        return False


def check_work_folder(output_path: str) -> None:
    """Refuse, before any work, a work folder this plugin did not make or that another live run is using."""
    folder = work_folder(output_path)
    if os.path.islink(folder) or (os.path.lexists(folder) and not os.path.isdir(folder)):
        raise InputError(f"'{folder}' exists and is not a folder Deep Pansharpen made; the Dask work folder of "
                         "this output would be there. Move it away or choose another output file.")
    if not os.path.isdir(folder):
        return
    if _read_manifest(folder) is None and any(n != _LOCK for n in os.listdir(folder)):
        raise InputError(f"The folder '{folder}' exists and was not made by Deep Pansharpen (it has no tile "
                         "manifest); it is left untouched. Move or rename it, or choose another output file.")
    owner = _lock_owner(folder)
    if owner is not None and not _lock_is_stale(owner):
        raise InputError(f"Another run (process {owner.get('pid', '?')}) is writing this output with Dask "
                         f"({folder} is locked). Wait for it to finish or choose another output file; if no run "
                         f"is active, delete '{os.path.join(folder, _LOCK)}'.")


class TileStore:
    """Finished tiles of one run in ``<output>.tiles/``.  The folder holds a manifest (the proof that the
    plugin made it, the request's fingerprint and the tile files it may hold) and a lock naming the process
    that uses it.  Only the files a manifest lists are ever deleted; tiles of another request are cleared."""

    def __init__(self, folder: str, fingerprint: str, tiles: list[tuple[int, int]]):
        self.folder = folder
        self._locked = False
        check_work_folder(folder[:-len(".tiles")])
        os.makedirs(folder, exist_ok=True)
        self._lock()
        try:
            man = _read_manifest(folder)
            if man is None or man["fingerprint"] != fingerprint:
                if man is not None:
                    self._delete(man["files"])
                names = [_tile_name(r, c) for r, c in tiles]
                path = os.path.join(folder, _MANIFEST)
                with open(path + ".part", "w") as fh:
                    json.dump({"made_by": MADE_BY, "fingerprint": fingerprint, "tiles": len(names),
                               "files": names}, fh)
                os.replace(path + ".part", path)
                man = {"files": names}
            self.files = man["files"]
        except BaseException:
            self.release()
            raise

    def _lock(self) -> None:
        path = os.path.join(self.folder, _LOCK)
        for _attempt in range(2):
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                owner = _lock_owner(self.folder)
                if owner is not None and _lock_is_stale(owner):
                    with contextlib.suppress(OSError):
                        os.remove(path)         # its run has stopped
                    continue
                check_work_folder(self.folder[:-len(".tiles")])    # raises the clear message
                raise InputError(f"Another run is using '{self.folder}'.") from None
            with os.fdopen(fd, "w") as fh:
                json.dump({"pid": os.getpid(), "host": HOST_TAG}, fh)
            self._locked = True
            return
        raise InputError(f"Cannot lock the Dask work folder '{self.folder}'.")

    def release(self) -> None:
        if self._locked:
            with contextlib.suppress(OSError):
                os.remove(os.path.join(self.folder, _LOCK))
            self._locked = False

    def _delete(self, names: list[str]) -> None:
        """Remove the listed tile files (and their temporary copies)."""
        listed = set(names)
        for n in os.listdir(self.folder):
            base = n.split(".npz.", 1)[0] + ".npz" if ".npz." in n else n
            if base in listed and (n == base or re.fullmatch(re.escape(base) + r"\.[0-9a-f]{6}\.part", n)):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.folder, n))

    def path(self, row: int, col: int) -> str:
        return os.path.join(self.folder, _tile_name(row, col))

    def has(self, row: int, col: int) -> bool:
        return os.path.exists(self.path(row, col))

    def save(self, row: int, col: int, fused: np.ndarray, valid: np.ndarray) -> None:
        path = self.path(row, col)
        tmp = path + f".{uuid.uuid4().hex[:6]}.part"
        with open(tmp, "wb") as fh:
            np.savez(fh, fused=fused, valid=valid)
        os.replace(tmp, path)          # a tile file is complete or absent

    def load(self, row: int, col: int) -> tuple[np.ndarray, np.ndarray]:
        with np.load(self.path(row, col)) as z:
            return z["fused"], z["valid"]

    def remove(self) -> list[str]:
        """Delete the tiles, the manifest and the lock; the folder too when nothing else is in it.  Returns
        the names of files left (not the plugin's)."""
        self._delete(self.files)
        with contextlib.suppress(OSError):
            os.remove(os.path.join(self.folder, _MANIFEST))
        self.release()
        try:
            os.rmdir(self.folder)
            return []
        except OSError:
            try:
                return sorted(os.listdir(self.folder))
            except OSError:
                return []


# --- client side -----------------------------------------------------------------------------------

def _detached(*_args, **_kwargs):
    return None


class _MethodPickler(pickle.Pickler):
    """Pickles a prepared method without the callbacks the engine bound to it (progress, cancel, log: a
    lambda, a Qt feedback's method, a list's append): they must not travel (nor their owners' state),
    and apply() does not use them.  They become no-ops; module-level functions are kept."""

    def reducer_override(self, obj):
        if isinstance(obj, types.FunctionType) and "<" in obj.__qualname__:
            return _detached, ()
        if isinstance(obj, (types.MethodType, types.BuiltinMethodType, functools.partial)) and \
                not isinstance(getattr(obj, "__self__", None), (types.ModuleType, type(None))):
            return _detached, ()
        return NotImplemented


def pickle_method(method) -> bytes:
    buf = io.BytesIO()
    _MethodPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(method)
    return buf.getvalue()


_PLAIN = (np.ndarray, np.generic, list, tuple, set, frozenset, dict, int, float, str, bool, type(None))


def _scene_state(scene: Scene) -> dict:
    """The scene's plain attributes (what the client estimated: fill values, bad bands ...); GDAL handles
    and grid objects are rebuilt by each worker from the paths."""
    return {k: v for k, v in vars(scene).items() if isinstance(v, _PLAIN)}


def _scene_spec(req, scene: Scene) -> dict:
    def where(path: str) -> str:
        return os.path.abspath(path) if os.path.exists(path) else path
    spec = {"hr_path": where(req.hr_path), "lr_path": where(req.lr_path), "task": req.task,
            "hr_bands": list(scene.hr_bands), "lr_bands": list(scene.lr_bands), "state": _scene_state(scene)}
    spec["key"] = hashlib.sha256(pickle.dumps(spec, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()[:16]
    spec["fault"] = os.environ.get(FAULT_ENV)
    return spec


class _CoreTile:
    """What the engine's tile loop reads of a tile when the fused array is already the core."""

    core = (slice(None), slice(None))

    def __init__(self, valid: np.ndarray):
        self.valid = valid


class DaskTiles:
    """Drop-in for the engine's tile generator: same arguments, same (window, tile, fused) in row-major
    order, with the fusing done by Dask tasks and finished tiles kept in a :class:`TileStore`."""

    def __init__(self, client, req, log):
        self.client, self.req, self.log = client, req, log
        self.store: TileStore | None = None
        self._futures: dict = {}
        self.busy_seconds = 0.0                 # CPU time of the tile tasks
        self.n_fused = 0
        self.workers: set = set()

    def __call__(self, scene, method, grid: TileGrid, halo, is_cancelled):
        blob = pickle_method(method)
        method_key = hashlib.sha256(blob).hexdigest()          # names the pickled method in this run only
        positions = [grid.position(w) for w in grid]
        self.store = store = TileStore(work_folder(self.req.output_path),
                                       _fingerprint(self.req, method_fingerprint(method)), positions)
        done = [store.has(*p) for p in positions]
        if any(done):
            self.log(f"Resuming: {sum(done)} of {len(grid)} tiles were already done in {store.folder}.")
        client, run_id = self.client, uuid.uuid4().hex[:8]
        spec = _scene_spec(self.req, scene)
        try:
            held = client.submit(_hold, blob, key=f"deep-pansharpen-method-{method_key[:12]}-{run_id}")
            for i, (w, (row, col)) in enumerate(zip(grid, positions)):
                if not done[i]:
                    fut = client.submit(fuse_tile, spec, method_key, held, (row, col), w, halo,
                                        key=f"deep-pansharpen-tile-{row}-{col}-{run_id}")
                    self._futures[fut] = i
            yield from self._in_order(grid.windows, positions, done, is_cancelled)
            if self.workers:
                self.log(f"{self.n_fused} tile(s) fused by "
                         f"{len(self.workers)} worker(s) in {self.busy_seconds:.1f} CPU seconds.")
        finally:
            self.cancel()

    def _in_order(self, windows, positions, done, is_cancelled):
        from distributed import as_completed
        from distributed.client import FutureCancelledError

        ready = as_completed(list(self._futures))
        for nxt, win in enumerate(windows):
            while True:
                if is_cancelled():
                    raise Cancelled("Cancelled by the user; no output was written.")
                if done[nxt]:
                    break
                batch = ready.next_batch(block=False) if ready.has_ready() else []
                if not batch:
                    time.sleep(0.05)
                for fut in batch:
                    i = self._futures.pop(fut)
                    try:
                        fused, valid, seconds, where = fut.result()
                    except FutureCancelledError:
                        raise RuntimeError("The Dask cluster dropped a tile (was the scheduler restarted?); "
                                           "run again to resume.") from None
                    self.busy_seconds += seconds
                    self.n_fused += 1
                    self.workers.add(where)
                    self.store.save(*positions[i], fused, valid)
                    done[i] = True
                    fut.release()
            fused, valid = self.store.load(*positions[nxt])
            yield win, _CoreTile(valid), fused

    def cancel(self) -> None:
        if self._futures:
            self.client.cancel(list(self._futures))
            self._futures.clear()


@contextlib.contextmanager
def cluster_tiles(req, log=None, client=None) -> Iterator[DaskTiles]:
    """The tile source for :func:`core.engine.run_fusion` on the Dask cluster ``req.cluster`` (or ``client``,
    already connected).  On leaving, the work folder is removed after success, a cancel or bad input, and
    kept (unlocked) for a resume after any other error."""
    log = log or (lambda _m: None)
    if client is None:
        check_work_folder(req.output_path)          # before a cluster starts
        parse_cluster(req.cluster)
        require_distributed()
        with connect(req.cluster, log) as c:
            with cluster_tiles(req, log, c) as tiles:
                yield tiles
        return
    n = len(client.scheduler_info().get("workers", {}))
    log(f"Tiles run on a Dask cluster of {n} worker(s) at {client.scheduler.address}.")
    check_work_folder(req.output_path)
    tiles = DaskTiles(client, req, log)
    try:
        yield tiles
    except BaseException as exc:
        tiles.cancel()
        if tiles.store is not None:
            if isinstance(exc, (Cancelled, InputError)):
                _remove_store(tiles.store, log)
            else:
                tiles.store.release()
                log(f"Finished tiles are kept in {tiles.store.folder}: run again with the same parameters "
                    "to resume.")
        raise
    if tiles.store is not None:
        _remove_store(tiles.store, log)


def _remove_store(store: TileStore, log) -> None:
    left = store.remove()
    if left:
        log(f"Warning: {store.folder} is kept: it holds files Deep Pansharpen did not make "
            f"({', '.join(left[:5])}{' ...' if len(left) > 5 else ''}).")
