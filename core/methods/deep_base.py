"""What the deep engine methods (PanAdapter, INFN) share: device choice, CPU threads, option flags, the
weights option and adapted-weights saving, PanAdapter's value gain, and the progress share of prepare().

Each engine's own module keeps what differs: which weights fit a scene, scaling, adaptation and inference.
"""
from __future__ import annotations

import os

import numpy as np
import torch  # at import time: the registry turns a missing torch into MissingDependency

from ..errors import InputError
from ..models import weights as W
from .base import FusionMethod, SceneInfo

ADAPT_SHARE = 0.6        # share of the progress bar that prepare() takes when it adapts the model to the scene
LOAD_SHARE = 0.05        # ... when it only loads the weights
TARGET_P99 = 0.4         # the MS 99th percentile that PanAdapter's value gain aims at (training and inference)


def scene_gain(ms_norm: np.ndarray) -> float:
    """Gain that brings the 99th percentile of the normalised MS to TARGET_P99 (bounded to 0.1 - 1000)."""
    vals = ms_norm[np.isfinite(ms_norm)]
    p = float(np.percentile(vals, 99)) if vals.size else 0.0
    return float(np.clip(TARGET_P99 / max(p, 1e-4), 0.1, 1000.0))


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
    """Torch CPU threads: the option ``threads``, else the cores not already busy (1-minute load average):
    OpenMP threads beyond the free cores slow torch down many times (the first, loaded rows of
    bench/results/panadapter_throughput.md)."""
    if requested:
        return max(1, int(requested))
    cores = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0] + 0.5)
    except OSError:
        busy = 0
    return max(1, min(cores, cores - busy))


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

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.device = None
        self.manifest: dict = {}
        self.adaptation: dict = {}

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
        return self.device

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
