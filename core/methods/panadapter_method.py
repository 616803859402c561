"""PanAdapter pansharpening (core.models.panadapter) as an engine method, with scene adaptation.

Options (``scene.options``; Processing: DEVICE, WEIGHTS, ADAPT, ADAPT_SECONDS, ADAPT_STEPS, ADAPTED_WEIGHTS):
  device            auto / cpu / cuda (CUDA requested but unusable: CPU with a warning); the log says which ran
  weights           a .safetensors file (with its .json manifest) or the name of a bundled model; default:
                    the bundled model for the MS band count (any ratio; trained for 2 and 4)
  adapt             fine-tune the trainable parts on the scene itself before fusing (see below); automatic
                    when no bundled model has the band count
  adapt_seconds     time budget of the adaptation (default 120 s)
  adapt_steps       a fixed number of adaptation steps instead of the time budget (the same run on any machine,
                    busy or not)
  adapted_weights   where to save the adapted weights (+ manifest), reusable as ``weights`` on other scenes
  batch             pieces fused at once (default 8; halved automatically on CUDA out-of-memory)
  threads           torch CPU threads (default: DEEP_PANSHARPEN_THREADS, else the cores not busy now; cpu_threads)
  guard             return the best classical result where the network loses to it (default on; deep_guard)
  stage             1 = the stage-1 output only (ablation), default 2
Values: divided by ``value_max`` (the sensor's bit depth) and multiplied by one gain per scene that brings
the 99th percentile of the MS to 0.4 (core.methods.deep_base.scene_gain, as in training); the output is
returned in the input's units.

Scene adaptation (core.adapt.panadapter_adapt): fine-tuning on the scene's reduced-resolution pairs (Wald's
protocol), from the bundled model with the same band count or, for another band count, from the 4-band model
with new band-dependent layers; skipped with a warning when the scene is too small to hold out check crops.

Residual base: the bundled networks learn corrections to MTF-GLP-HPM (``PanAdapterConfig.base``), which
this method computes on every tile with the classical method prepared on the same scene.

Inference (core.models.panadapter.predict): on each engine tile (halo >= 32 px, overlap blending) the CNN
priors, Tail1 and Tail2 run once over the whole tile; the transformer stage runs on 128 x 128 pieces that
overlap by 16 px (it attends within a piece), in batches, and its decoded features are blended; all under
torch.inference_mode (autocast float16 on CUDA).
"""
from __future__ import annotations

import os

import numpy as np
import torch  # at import time: the registry turns a missing torch into MissingDependency

from ..adapt.panadapter_adapt import adapt_model, holds_out, scene_pairs, transplant
from ..errors import InputError
from ..models import weights as W
from ..models.cancel_hooks import cancellable
from ..models.panadapter import PanAdapter, angle_blend
from ..models.panadapter.predict import predict_image
from ..models.panadapter.store import ENGINE, config_dict, load_model
from . import deep_guard
from .base import DEFAULT_ADAPT_SECONDS, SceneInfo, Tile, adapt_seconds, adapt_steps
from .classical_pan import MTFGLPHPM, mtf_glp_hpm_arrays
from .deep_base import DeepMethod, cpu_threads, flag, sample_gain

HALO = 32
ADAPT_SECONDS = float(DEFAULT_ADAPT_SECONDS)   # default adaptation budget (base.DEFAULT_ADAPT_SECONDS)
PIECE, PIECE_OVERLAP = 128, 16


def bundled_models() -> list[dict]:
    """Bundled PanAdapter models (final stage-2 networks only), by band count."""
    return [m for m in W.list_models() if m["engine"] == ENGINE and m.get("stage", 2) == 2
            and m.get("variant", "panadapter") == "panadapter"]


def find_bundled(bands: int, ratio: int) -> list[dict]:
    ok = {m["name"] for m in bundled_models()}
    return [m for m in W.find_models(ENGINE, bands, 1, ratio) if m["name"] in ok]


class PanAdapterMethod(DeepMethod):
    name = "panadapter"
    engine = ENGINE
    who = "PanAdapter"
    provenance_prefix = "panadapter"
    # The transformer attends within 128-pixel pieces laid out per tile, so another tiling moves them.
    tile_tolerance = 0.05

    def __init__(self) -> None:
        super().__init__()
        self.scale = 1.0
        self.gain = 1.0
        self.batch = 8
        self.stage = 2
        self.base_method = None          # classical fusion giving the residual base (cfg.base), or None
        self.angle_blend = 0.0           # spectral-direction blend towards the interpolated MS (angle_blend)

    def halo(self, ratio: int) -> int:
        if self.guard is not None and self.guard.delegate is not None:
            return self.guard.delegate.halo(ratio)
        return max(HALO, MTFGLPHPM().halo(ratio))       # the residual base is filtered on the tile

    def will_adapt(self, scene: SceneInfo) -> bool:
        o = scene.options
        return flag(o.get("adapt")) or (not o.get("weights") and not find_bundled(scene.lr_bands, scene.ratio))

    # --- weights --------------------------------------------------------------------------------
    def _resolve(self, scene: SceneInfo):
        """(model, manifest, exact band match?) to start from."""
        opt = scene.options.get("weights")
        if opt:
            path = self.weights_option(scene)
            if not os.path.isfile(path):
                named = [m for m in bundled_models() if m["name"] == opt]
                if not named:
                    raise InputError(f"The PanAdapter weights '{opt}' are neither a file nor a bundled model "
                                     f"({', '.join(m['name'] for m in bundled_models()) or 'none installed'}).")
                path = named[0]["path"]
            model, man = load_model(path)
            return model, man, man["bands"].get("lr_bands") == scene.lr_bands
        found = find_bundled(scene.lr_bands, scene.ratio)
        if found:
            model, man = load_model(found[0]["path"])
            return model, man, True
        every = bundled_models()
        if not every:
            raise InputError("PanAdapter has no bundled weights installed (resources/weights) and no WEIGHTS file "
                             "was given: it cannot run. Reinstall the plugin or give a weights file.")
        base = min(every, key=lambda m: (abs(m["bands"].get("lr_bands", 0) - scene.lr_bands), m["name"]))
        model, man = load_model(base["path"])
        return model, man, False

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        opts = scene.options
        if scene.hr_bands != 1:
            raise InputError("PanAdapter sharpens with a single PAN band.")
        if not 1 <= scene.lr_bands <= 64:
            raise InputError(f"PanAdapter handles 1 to 64 MS bands; the MS has {scene.lr_bands}.")
        self.choose_device(opts)
        if self.device.type == "cpu":
            torch.set_num_threads(cpu_threads(opts.get("threads")))
        self._info(f"PanAdapter runs on {self.device_words()}.")
        self.batch = max(1, int(opts.get("batch") or 8))
        self.stage = int(opts.get("stage") or 2)
        self.scale = float(opts.get("value_max") or scene.value_max or 1.0)
        self.gain = sample_gain(samples, scene, self.scale)

        model, man, exact = self._resolve(scene)
        adapt = flag(opts.get("adapt")) or not exact
        if not exact:
            self._info(f"No PanAdapter model for {scene.lr_bands} bands: starting from '{man['name']}' "
                       f"({man['bands'].get('lr_bands')} bands) with new band layers, adapted to this scene.")
            model = transplant(model, scene.lr_bands)
        elif float(scene.ratio) not in [float(r) for r in man.get("ratios", [])] and not adapt:
            self._warn(f"PanAdapter model '{man['name']}' was trained for ratio(s) {man.get('ratios')}, not "
                       f"{scene.ratio}; consider ADAPT (scene adaptation).")
        model = model.to(self.device)
        if adapt and not isinstance(model, PanAdapter):
            raise InputError(f"The weights '{man['name']}' are not a PanAdapter network ({man.get('variant')}): "
                             "they cannot be adapted to the scene.")
        base_name = getattr(getattr(model, "cfg", None), "base", "ms_up")
        if base_name != "ms_up":
            from . import get_method
            self.base_method = get_method(base_name)
            self.base_method.prepare(samples, scene)
        if adapt:
            seconds, steps = adapt_seconds(opts, ADAPT_SECONDS), adapt_steps(opts)
            pairs = scene_pairs(samples, scene, self.scale, self.gain, base_name, self.is_cancelled,
                                mtf_glp_hpm_arrays)
            if not pairs:
                raise InputError("PanAdapter cannot adapt: the scene is too small for a reduced-resolution pair.")
            if exact and not holds_out(model.cfg, pairs, scene.ratio):
                # Nothing could be held out: the adaptation could only fit the reduced scale, unchecked, and
                # on the tiny scenes where this happens it made the result worse than the bundled network.
                why = (f"The scene is too small to check a scene adaptation on pixels it does not train on; "
                       f"ADAPT is skipped and the weights '{man['name']}' are used unchanged.")
                self._warn(why)
                self.adaptation = {"skipped": why, "started_from": man["name"], "steps": 0,
                                   "angle_blend": float(man.get("angle_blend", 0.0))}
                self.angle_blend = self.adaptation["angle_blend"]
                if opts.get("adapted_weights"):
                    self._save_adapted(str(opts["adapted_weights"]), model, man, scene, self.adaptation)
                adapt = False
        if adapt:
            length = f"{steps} steps" if steps else f"{seconds:.0f} s"
            self._info(f"Adapting PanAdapter to the scene for {length} (Wald protocol on {len(pairs)} sample "
                       f"block(s), ratio {scene.ratio}) ...")
            with cancellable(model, getattr(self, "is_cancelled", None)):   # a step on a large batch takes seconds
                rep = adapt_model(model, pairs, scene.ratio, seconds, self.device,
                                  getattr(self, "report_progress", None), getattr(self, "is_cancelled", None),
                                  max_steps=steps)
            rep["started_from"] = man["name"]
            self.adaptation = rep
            self._info(f"Adaptation: {rep['steps']} steps in {rep['seconds']} s; loss on check crops "
                       f"{rep['check_loss_before']:.5f} -> {rep['check_loss_after']:.5f}"
                       + (f" (the weights after step {rep['kept_step']} are kept)" if rep["kept"] else
                          " (no gain: the starting weights are kept)")
                       + f"; spectral-direction blend {rep['angle_blend']:g}.")
            self.angle_blend = float(rep["angle_blend"])
            if not rep["held_out"]:
                self._warn("The scene is too small to hold part of it out: the adaptation could not be checked on "
                           "pixels it did not train on and may only fit the reduced scale; compare with a run "
                           "without ADAPT.")
            out = opts.get("adapted_weights")
            if out:
                self._save_adapted(str(out), model, man, scene, rep)
        else:
            self.angle_blend = float(man.get("angle_blend", 0.0)) if exact else 0.0
        if isinstance(model, PanAdapter):
            model.set_stage(2)
        # channels-last weights: oneDNN's CPU convolutions run ~1.4x faster on it at these widths
        self.model = model.eval().to(memory_format=torch.channels_last)
        self.manifest = man
        torch.set_flush_denormal(True)
        self.guard = deep_guard.guard_panadapter(self, samples, scene, adapted=adapt)

    def _save_adapted(self, path: str, model, base: dict, scene: SceneInfo, rep: dict) -> None:
        path = W.weights_file(path)
        name = os.path.splitext(os.path.basename(path))[0]
        man = {"name": name, "engine": ENGINE, "config": config_dict(model), "stage": 2, "variant": "panadapter",
               "bands": {"lr_bands": scene.lr_bands, "hr_bands": 1, "lr_names": list(scene.lr_band_names)},
               "ratios": [scene.ratio], "any_ratio": True, "angle_blend": self.angle_blend,
               "value_range": base.get("value_range", ""),
               "training": {"data": f"scene adaptation (Wald protocol on the user's scene, sensor preset "
                                    f"'{scene.sensor}')", "adapted_from": base["name"],
                            "adapted_from_sha256": base.get("weights", {}).get("sha256"), "adaptation": rep,
                            "train_seconds": rep.get("seconds")}}
        self.save_adapted_weights(path, model.state_dict(), man)

    def extra_provenance(self) -> dict:
        return {"panadapter_device": self.device.type if self.device is not None else "?"}

    def fuse_tile(self, tile: Tile) -> np.ndarray:
        k = np.float32(self.gain / self.scale)
        ms_up = tile.lr_up.astype(np.float32) * k
        pan = tile.hr[0].astype(np.float32) * k
        base = self.base_method.apply(tile).astype(np.float32) * k if self.base_method is not None else None
        out = predict_image(self.model, ms_up, pan, tile.ratio, tile.phase, self.device, PIECE, PIECE_OVERLAP,
                            self.batch, stage=self.stage, base=base)
        if self.angle_blend > 0:
            out = angle_blend.blend(torch.from_numpy(out), torch.from_numpy(ms_up), self.angle_blend).numpy()
        return (out / k).astype(np.float32, copy=False)
