"""What the deep engine methods (PanAdapter, INFN) share: device choice, CPU threads, option flags, the
weights option and adapted-weights saving, PanAdapter's value gain, and the progress share of prepare().

Each engine's own module keeps what differs: which weights fit a scene, scaling, adaptation and inference.
"""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch  # at import time: the registry turns a missing torch into MissingDependency

from ..errors import InputError
from ..heap import release_free_memory
from ..models import precision as PR, weights as W
from .base import FusionMethod, SceneInfo, Tile
from .row_parts import fuse_in_parts, part_count, split_rows

ADAPT_SHARE = 0.6        # share of the progress bar that prepare() takes when it adapts the model to the scene
LOAD_SHARE = 0.05        # ... when it only loads the weights
TARGET_P99 = 0.4         # the MS 99th percentile that PanAdapter's value gain aims at (training and inference)


def scene_gain(ms_norm: np.ndarray) -> float:
    """Gain that brings the 99th percentile of the normalised MS to TARGET_P99 (bounded to 0.1 - 1000)."""
    vals = ms_norm[np.isfinite(ms_norm)]
    p = float(np.percentile(vals, 99)) if vals.size else 0.0
    return float(np.clip(TARGET_P99 / max(p, 1e-4), 0.1, 1000.0))


def sample_gain(samples, scene: SceneInfo, scale: float) -> float:
    """scene_gain of the LR pixels of the engine's sample tiles (those under valid PAN pixels, or all of them
    where the PAN is narrower than the MS block), divided by ``scale``."""
    r = scene.ratio
    vals = []
    for t in samples:
        h, w = t.lr.shape[1:]
        if t.valid.shape[0] >= h * r and t.valid.shape[1] >= w * r:
            vals.append(t.lr[:, t.valid[t.phase[0]::r, t.phase[1]::r][:h, :w]].reshape(-1))
        else:
            vals.append(t.lr.reshape(-1))
    return scene_gain(np.concatenate(vals).astype(np.float32) / scale)


def pick_device(requested: str, who: str):
    """(torch device, warning or None) for the option ``device`` (auto / cpu / cuda) of the method ``who``."""
    req = (requested or "auto").lower()
    if req not in ("auto", "cpu", "cuda"):
        raise InputError(f"Unknown device '{requested}': use auto, cpu or cuda.")
    if req in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda"), None
    if req == "cuda":
        return torch.device("cpu"), f"CUDA was requested but no CUDA device is usable: {who} runs on the CPU."
    return torch.device("cpu"), None


def cpu_threads(requested=None) -> int:
    """Torch CPU threads: the option ``threads``; else DEEP_PANSHARPEN_THREADS; else the cores this process may
    run on (its affinity) less those busy right now with normal-priority work of other processes (/proc/stat
    over 0.2 s; niced work such as a background training yields to us and does not count).
    Not the 1-minute load average: it still counts a job that ended a minute ago, and a run that followed one
    got half the threads.  Busy cores do count: OpenMP threads beyond the free cores slow torch down many times
    (the first, loaded rows of bench/results/panadapter_throughput.md)."""
    if requested:
        return max(1, int(requested))
    env = os.environ.get("DEEP_PANSHARPEN_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):          # not Linux
        cores = os.cpu_count() or 1

    def ticks() -> tuple[int, int]:
        # (busy, total) CPU ticks of the whole machine: user + system + irq + softirq + steal are busy;
        # nice, idle and iowait are time our threads would get
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:9]]
        return v[0] + v[2] + v[5] + v[6] + v[7], sum(v)

    try:
        (b0, n0), c0, w0 = ticks(), time.process_time(), time.perf_counter()
        time.sleep(0.2)
        (b1, n1), c1, w1 = ticks(), time.process_time(), time.perf_counter()
        # cores busy with other processes' work: this process's own CPU time over the interval is not theirs
        others = (os.cpu_count() or cores) * (b1 - b0) / max(n1 - n0, 1) - (c1 - c0) / max(w1 - w0, 1e-3)
        free = (os.cpu_count() or cores) - max(0.0, others)
    except (OSError, ValueError, IndexError):
        free = cores
    return max(1, min(cores, int(free + 0.5)))


def flag(value) -> bool:
    """An on/off option given as a bool or as text ("true", "1", "yes", "on")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


class DeepMethod(FusionMethod):
    """Base of the torch methods: subclasses set ``engine`` (the manifests' engine id) and ``who`` (their name
    in messages) and say in ``will_adapt`` whether prepare() adapts the model to the scene."""

    engine: str = ""
    who: str = ""
    tile_threads = 1
    provenance_prefix: str = ""          # metadata items <prefix>_weights, <prefix>_adaptation ...
    honours_precision = False            # whether inference reads the option ``precision`` (core.models.precision)
    # the threads that fuse a tile's row parts (ThreadPoolExecutor), their number, the CPU threads of this run
    RUN_STATE = {"_part_pool": None, "_part_pool_size": 0, "_cpu_budget": None}

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.device = None
        self.manifest: dict = {}
        self.adaptation: dict = {}
        self.guard = None                  # deep_guard.GuardResult: the classical method returned instead, if any
        self.cpu_dtype = None              # autocast dtype of the CPU inference (None: float32)
        self.__dict__.update(self.RUN_STATE)

    def __getstate__(self) -> dict:
        # a prepared method travels to Dask workers: threads do not pickle, and a worker has its own cores
        return dict(self.__dict__, **self.RUN_STATE)

    # --- what every deep method records and how it hands tiles to the guard's pick ------------------
    def extra_provenance(self) -> dict:
        """The method's own provenance items besides weights, adaptation and the guard."""
        return {}

    def provenance(self) -> dict:
        man, p = self.manifest or {}, self.provenance_prefix
        sha = man.get("weights", {}).get("sha256", "not saved")
        out = {f"{p}_weights": f"{man.get('name', '?')} (sha256 {sha})", **self.extra_provenance()}
        if self.honours_precision and self.device is not None:
            out[f"{p}_precision"] = PR.label(self.cpu_dtype)
        if self.adaptation:
            out[f"{p}_adaptation"] = dict(self.adaptation)
        if self.guard is not None:
            out.update(self.guard.provenance())
        return out

    def fuse_tile(self, tile: Tile) -> np.ndarray:
        """The network's fusion of one tile (apply() without the guard)."""
        raise NotImplementedError

    def apply(self, tile: Tile) -> np.ndarray:
        delegate = self.guard.delegate if self.guard is not None else None
        if delegate is None and self.model is None:
            raise RuntimeError(f"{self.who}: apply() before prepare()")
        try:
            return delegate.apply(tile) if delegate is not None else self._apply_network(tile)
        finally:
            release_free_memory()       # the tile's buffers: else the resident set grows tile by tile

    def _apply_network(self, tile: Tile) -> np.ndarray:
        context = self.row_part_context()
        if context is None or self.device is None or self.device.type != "cpu":
            return self.fuse_tile(tile)
        threads = self.cpu_budget()
        parts = part_count(tile, threads)
        workers = min(parts, threads)
        per_part = max(1, threads // workers)
        saved = torch.get_num_threads()
        if parts == 1:
            torch.set_num_threads(per_part)
            try:
                return self.fuse_tile(tile)
            finally:
                torch.set_num_threads(saved)
        if self._part_pool is None or self._part_pool_size != workers:
            if self._part_pool is not None:
                self._part_pool.shutdown(wait=False)
            self._part_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="row-part")
            self._part_pool_size = workers

        def fuse(part: Tile) -> np.ndarray:
            torch.set_num_threads(per_part)         # torch threads are set per calling thread
            return self.fuse_tile(part)
        try:
            return fuse_in_parts(tile, fuse, split_rows(tile, parts, *context), self._part_pool)
        finally:
            torch.set_num_threads(saved)            # the default for threads that start later

    def row_part_context(self) -> tuple[int, int] | None:
        """(HR halo, LR margin) with which a tile may be fused as row parts on the CPU cores (core.methods.row_parts),
        or None: only where that gives the whole tile's pixels."""
        return None

    def cpu_budget(self) -> int:
        """CPU threads for the tiles of this run: the option ``threads`` (or ``torch_threads``), else the cores
        free when the first tile starts (cpu_threads); measured once per run."""
        if self._cpu_budget is None:
            opts = self.scene.options if self.scene is not None else {}
            self._cpu_budget = cpu_threads(opts.get("threads") or opts.get("torch_threads"))
        return self._cpu_budget

    def will_adapt(self, scene: SceneInfo) -> bool:
        """Whether prepare() will adapt the model to the scene (asked or needed)."""
        return flag(scene.options.get("adapt"))

    def prepare_share(self, scene: SceneInfo) -> float:
        return ADAPT_SHARE if self.will_adapt(scene) else LOAD_SHARE

    def choose_device(self, options: dict):
        """Set ``device`` from the option ``device``; an unusable CUDA request falls back to the CPU with a warning."""
        self.device, warning = pick_device(options.get("device", "auto"), self.who)
        if warning:
            self._warn(warning)
        if self.honours_precision:
            self.cpu_dtype = PR.cpu_dtype(options.get("precision"), self.device)
        return self.device

    def device_words(self) -> str:
        """'CUDA (name)' or 'CPU (n threads[, bfloat16])' for the log."""
        if self.device.type == "cuda":
            return f"CUDA ({torch.cuda.get_device_name(0)})"
        amp = f", {PR.label(self.cpu_dtype)}" if self.cpu_dtype is not None else ""
        return f"CPU ({torch.get_num_threads()} threads{amp})"

    def installed_models(self) -> list[dict]:
        """Manifests of the installed (bundled) models of this engine."""
        return [m for m in W.list_models() if m["engine"] == self.engine]

    def weights_option(self, scene: SceneInfo) -> str | None:
        """The option ``weights`` with ``~`` expanded, or None when it is not given."""
        opt = scene.options.get("weights")
        return os.path.expanduser(str(opt)) if opt else None

    def save_adapted_weights(self, path: str, state: dict, manifest: dict, **save_kw) -> dict | None:
        """Write the adapted weights (+ manifest) and return the manifest as written; a failed save is a warning
        and None, since the adaptation is done and the fused output is still worth writing."""
        try:
            man = W.save_weights(path, state, manifest, **save_kw)
        except OSError as exc:
            self._warn(f"{self.who}: the adapted model could not be saved to {path} ({exc.strerror or exc}); the "
                       "fused output is written anyway.")
            return None
        self._info(f"{self.who}: adapted weights saved to {path} (reuse them with WEIGHTS).")
        return man
