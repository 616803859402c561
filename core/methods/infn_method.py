"""INFN HS-MS fusion (deep implicit neural feature fusion, core.models.infn) as an engine method.

Weights: the method option ``weights`` (a .safetensors file with its .json manifest), or else the bundled
model in resources/weights whose band layout (HSI bands, MSI bands) and ratio match the scene (31-band
HSI + 3-band RGB: the CAVE model).  Every file is checked against the SHA-256 in its manifest before it
is parsed.  When nothing matches, the method says why (scene adaptation is a later step).

Values: the model works in [0, 1]; the inputs are divided by ``value_max`` (the option of that name, or
the scene's: 2**bit_depth - 1 for integer data, 1 for float data) and the output multiplied back.

Halo: one output pixel depends on (2 + 2 x spatial blocks) HR pixels of the HR-MSI / upsampled LR-HSI
around it (6 for the bundled configuration) and on (4 + 2 x spectral blocks) LR pixels of the LR-HSI
(10); the engine reads 12 LR pixels beyond every tile (core.scene.LR_MARGIN) and ``halo`` gives HALO = 16
HR pixels, so tiles reproduce the whole-image result exactly (a deeper model runs with a warning).
"""
from __future__ import annotations

import logging
import os

import numpy as np
import torch            # at import time: the registry turns a missing torch into MissingDependency

from ..errors import InputError
from ..models import weights as W
from ..models.infn import INFN as Net, InfnConfig, receptive_radius
from ..scene import LR_MARGIN
from .base import FusionMethod, SceneInfo, Tile

log = logging.getLogger(__name__)

ENGINE = "infn"
HALO = 16


def _pick_device(requested: str):
    req = (requested or "auto").lower()
    if req not in ("auto", "cpu", "cuda"):
        raise InputError(f"Unknown device '{requested}': use auto, cpu or cuda.")
    if req in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda"), None
    if req == "cuda":
        return torch.device("cpu"), "CUDA was requested but no CUDA device is usable: INFN runs on the CPU."
    return torch.device("cpu"), None


class INFN(FusionMethod):
    name = "infn"
    label = "INFN (deep implicit fusion)"
    description = ("Implicit neural feature fusion: encoders for both images, dual high-frequency fusion and "
                   "cosine-similarity neighbour weights decode the HR-HSI at every MSI pixel.")
    task = "hsms"
    needs_torch = True
    tile_threads = 1
    trained_on = "CAVE (31 bands, 400-700 nm) with a simulated Nikon D700 RGB image, ratios 4 and 8"
    seconds_per_mp_band = 0.06       # CPU, 2 threads: the network alone does 0.6-0.8 HR megapixels/s at 31 bands

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.device = None
        self.manifest: dict = {}
        self.scale = 1.0
        self.warnings: list[str] = []

    def halo(self, ratio: int) -> int:
        return HALO

    # --- weights --------------------------------------------------------------------------------
    def _choose_weights(self, scene: SceneInfo) -> str:
        path = scene.options.get("weights")
        if path:
            path = os.path.expanduser(str(path))
            if not os.path.isfile(path):
                raise InputError(f"The INFN weights file '{path}' does not exist.")
            return path
        found = W.find_models(ENGINE, scene.lr_bands, scene.hr_bands, scene.ratio)
        if not found:
            have = [f"{m['name']} ({m['bands'].get('lr_bands')}-band HSI + {m['bands'].get('hr_bands')}-band MSI, "
                    f"ratio {', '.join(str(r) for r in m.get('ratios', []))})"
                    for m in W.list_models() if m["engine"] == ENGINE]
            raise InputError(
                f"INFN has no weights for a {scene.lr_bands}-band HSI with a {scene.hr_bands}-band MSI at ratio "
                f"{scene.ratio}. Bundled INFN models: {'; '.join(have) if have else 'none installed'}. "
                "Give a weights file trained for this band layout (WEIGHTS); adapting the model to a scene is "
                "not available yet.")
        man = found[0]
        if float(scene.ratio) not in [float(r) for r in man.get("ratios", [])]:
            self._warn(f"INFN model '{man['name']}' was trained for ratio(s) {man['ratios']}, not {scene.ratio}: "
                       "it runs as an implicit function at this ratio, expect lower quality.")
        return man["path"]

    def _warn(self, msg: str) -> None:
        self.warnings.append(msg)
        log.warning(msg)

    # --- engine interface -------------------------------------------------------------------------
    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        self.device, warning = _pick_device(scene.options.get("device", "auto"))
        if warning:
            self._warn(warning)
        path = self._choose_weights(scene)
        tensors, man = W.load_weights(path, engine=ENGINE)
        try:
            cfg = InfnConfig.from_dict(man["config"])
        except (TypeError, ValueError) as exc:
            raise InputError(f"The INFN weights '{os.path.basename(path)}' have an unusable config: {exc}") from None
        if (cfg.hsi_bands, cfg.msi_bands) != (scene.lr_bands, scene.hr_bands):
            raise InputError(
                f"The INFN weights '{os.path.basename(path)}' are for a {cfg.hsi_bands}-band HSI with a "
                f"{cfg.msi_bands}-band MSI; the inputs have {scene.lr_bands} and {scene.hr_bands} bands.")
        hr_rad, lr_rad = receptive_radius(cfg)
        if hr_rad > HALO or lr_rad > LR_MARGIN:
            self._warn(f"The INFN network in '{os.path.basename(path)}' sees {hr_rad} HR / {lr_rad} LR pixels of "
                       f"context, more than the tiles carry ({HALO} / {LR_MARGIN}): tile borders may differ slightly "
                       "(they are blended); use a larger tile size to reduce them.")
        model = Net(cfg)
        try:
            model.load_state_dict({k: v.float() for k, v in tensors.items()})
        except RuntimeError as exc:
            raise InputError(f"The INFN weights '{os.path.basename(path)}' do not fit their config: {exc}") from None
        self.model = model.to(self.device).eval()
        self.manifest = man
        vmax = scene.options.get("value_max") or scene.value_max or 1.0
        self.scale = float(vmax)
        torch.set_flush_denormal(True)

    def apply(self, tile: Tile) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("INFN.apply() before prepare()")
        inv = np.float32(1.0 / self.scale)
        dev = self.device

        def t(a):
            return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32) * inv)[None].to(dev)

        with torch.inference_mode():
            out = self.model(t(tile.lr), t(tile.hr), t(tile.lr_up), float(tile.ratio), origin=tile.lr_origin)
        return (out[0].float().cpu().numpy() * np.float32(self.scale)).astype(np.float32, copy=False)
