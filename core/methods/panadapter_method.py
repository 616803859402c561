"""PanAdapter pansharpening (core.models.panadapter) as an engine method, with scene adaptation.

Options (``scene.options``; Processing: DEVICE, WEIGHTS, ADAPT, ADAPT_SECONDS, ADAPTED_WEIGHTS):
  device            auto / cpu / cuda (CUDA requested but unusable: CPU with a warning); the log says which ran
  weights           a .safetensors file (with its .json manifest) or the name of a bundled model; default:
                    the bundled model for the MS band count (any ratio; trained for 2 and 4)
  adapt             fine-tune the trainable parts on the scene itself before fusing (see below); automatic
                    when no bundled model has the band count
  adapt_seconds     time budget of the adaptation (default 120 s)
  adapted_weights   where to save the adapted weights (+ manifest), reusable as ``weights`` on other scenes
  batch             pieces fused at once (default 8; halved automatically on CUDA out-of-memory)
  threads           torch CPU threads (default: the cores not already busy, from the load average)
  stage             1 = the stage-1 output only (ablation), default 2
Values: divided by ``value_max`` (the sensor's bit depth) and multiplied by one gain per scene that brings
the 99th percentile of the MS to 0.4 (core.training.pan_data.scene_gain, as in training); the output is
returned in the input's units.

Scene adaptation = Wald's protocol on the input scene: on the engine's sample tiles the MS (taken at the
LR pixel centres of the interpolated MS) becomes the reference, the PAN is filtered with the PAN MTF and
decimated onto the MS grid, the MS is filtered with the band MTFs and decimated, and the trainable parts
of both stages (input heads, LPE, fusion, Tail1, Q embedding, tokenisers, adapters, Tail2) are fine-tuned
on random crops (flipped and transposed at random: small scenes are seen many times) for ``adapt_seconds``
with an L1 loss weighted per band by the inverse band mean (relative errors, as ERGAS counts them); the
pre-trained CNN and transformer bodies stay frozen.  It starts from the
bundled model with the same band count, or, for another band count, from the 4-band model with new
band-dependent layers.  A quarter of each sample block, at least one crop, is held out (the crops shrink
from 64 down to 32 pixels when that lets a small block be split) and a fixed set of check crops is drawn
from it: when the starting network is worse there than its own residual
base (MTF-GLP-HPM), its two output layers are zeroed first (the adaptation then starts from the base); the
check loss is measured 12 times during the run and the weights with the lowest one, the starting weights
included, are kept.  Last, the spectral-direction blend towards the interpolated MS (angle_blend) is picked
on the same check crops.

Residual base: the bundled networks learn corrections to MTF-GLP-HPM (``PanAdapterConfig.base``), which
this method computes on every tile with the classical method prepared on the same scene.

Inference (core.models.panadapter.predict): on each engine tile (halo >= 32 px, overlap blending) the CNN
priors, Tail1 and Tail2 run once over the whole tile; the transformer stage runs on 128 x 128 pieces that
overlap by 16 px (it attends within a piece), in batches, and its decoded features are blended; all under
torch.inference_mode (autocast float16 on CUDA).
"""
from __future__ import annotations

import math
import os
import time

import numpy as np
import torch  # at import time: the registry turns a missing torch into MissingDependency

from .. import filters
from ..errors import Cancelled, InputError
from ..models import weights as W
from ..models.cancel_hooks import cancellable
from ..models.panadapter import PanAdapter, PanAdapterConfig, angle_blend
from ..models.panadapter.predict import predict_image
from ..models.panadapter.residual_base import classical_base
from ..models.panadapter.store import ENGINE, config_dict, load_model
from .base import DEFAULT_ADAPT_SECONDS, FusionMethod, SceneInfo, Tile, adapt_seconds

HALO = 32
ADAPT_SECONDS = float(DEFAULT_ADAPT_SECONDS)   # default adaptation budget (base.DEFAULT_ADAPT_SECONDS)
PIECE, PIECE_OVERLAP = 128, 16
TARGET_P99 = 0.4                  # = core.training.pan_data.TARGET_P99 (no GDAL import here)
BAND_DEPENDENT = ("spe.head.", "spa.head.", "q_embed.proj.", "tail1.out.", "tail2.out.",
                  "tail1.local.", "tail2.local.")


def scene_gain(ms_norm: np.ndarray) -> float:
    vals = ms_norm[np.isfinite(ms_norm)]
    p = float(np.percentile(vals, 99)) if vals.size else 0.0
    return float(np.clip(TARGET_P99 / max(p, 1e-4), 0.1, 1000.0))


def _pick_device(requested: str):
    req = (requested or "auto").lower()
    if req not in ("auto", "cpu", "cuda"):
        raise InputError(f"Unknown device '{requested}': use auto, cpu or cuda.")
    if req in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda"), None
    if req == "cuda":
        return torch.device("cpu"), "CUDA was requested but no CUDA device is usable: PanAdapter runs on the CPU."
    return torch.device("cpu"), None


def cpu_threads(requested=None) -> int:
    """Torch CPU threads: the option ``threads``, else the cores not already busy (1-minute load average).
    On a loaded machine more OpenMP threads than free cores is up to ten times slower (measured on the
    2-core development machine: 0.25 PAN MP/s with 1 thread, 0.03 with 2, while another job used a core)."""
    if requested:
        return max(1, int(requested))
    cores = os.cpu_count() or 1
    try:
        busy = int(os.getloadavg()[0] + 0.5)
    except OSError:
        busy = 0
    return max(1, min(cores, cores - busy))


def _flag(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def bundled_models() -> list[dict]:
    """Bundled PanAdapter models (final stage-2 networks only), by band count."""
    return [m for m in W.list_models() if m["engine"] == ENGINE and m.get("stage", 2) == 2
            and m.get("variant", "panadapter") == "panadapter"]


def find_bundled(bands: int, ratio: int) -> list[dict]:
    ok = {m["name"] for m in bundled_models()}
    return [m for m in W.find_models(ENGINE, bands, 1, ratio) if m["name"] in ok]


# ------------------------------------------------------------------------------------------------
# Scene adaptation
# ------------------------------------------------------------------------------------------------

def scene_pairs(samples, scene: SceneInfo, scale: float, gain: float, base_name: str = "ms_up",
                is_cancelled=None) -> list[tuple]:
    """Reduced-resolution (ms_up, pan, ref, residual base) arrays, normalised, from the engine's sample tiles
    (``is_cancelled`` is checked between tiles)."""
    r = scene.ratio
    out = []
    for t in samples:
        if is_cancelled is not None and is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        py, px = t.phase
        ms_up = t.lr_up.astype(np.float32) * np.float32(gain / scale)
        pan = t.hr[0].astype(np.float32) * np.float32(gain / scale)
        ref = np.ascontiguousarray(ms_up[:, py::r, px::r])
        h, w = ref.shape[-2:]
        pan_red = filters.mtf_filter_decimate(pan[None], scene.gnyq_hr, r, (py, px))[0][:h, :w]
        h, w = min(h, pan_red.shape[0]), min(w, pan_red.shape[1])
        if h < 2 * r or w < 2 * r:
            continue
        ref, pan_red = ref[:, :h, :w], pan_red[:h, :w]
        ms_red = filters.mtf_filter_decimate(ref, scene.gnyq_lr, r)
        ms_red_up = filters.upsample(ms_red, r, (h, w)).astype(np.float32)
        pan_red = pan_red.astype(np.float32)
        base = classical_base(base_name, ms_red_up, pan_red, r, scene.gnyq_lr, scene.gnyq_hr)
        out.append((ms_red_up, pan_red, ref.astype(np.float32), base.astype(np.float32)))
    return out


def _crop_batch(pairs, n, size, r, rng):
    out = [[], [], [], []]
    wts = np.array([p[1].size for p in pairs], float)
    for _ in range(n):
        ms_up, pan, ref, base = pairs[rng.choice(len(pairs), p=wts / wts.sum())]
        y = rng.integers(0, (pan.shape[0] - size) // r + 1) * r
        x = rng.integers(0, (pan.shape[1] - size) // r + 1) * r
        for lst, a in zip(out, (ms_up, pan[None], ref, base)):
            lst.append(a[:, y:y + size, x:x + size])
    return [torch.from_numpy(np.ascontiguousarray(np.stack(v))) for v in out]


def band_weights(pairs) -> torch.Tensor:
    """Per-band loss weights (1, C, 1, 1): the inverse of each band's mean in the scene, normalised to mean 1,
    so that the loss weighs bands by relative error as ERGAS does (a dim band counts as much as a bright one)."""
    means = np.mean([p[2].reshape(p[2].shape[0], -1).mean(axis=1) for p in pairs], axis=0)
    w = 1.0 / np.maximum(np.abs(means), 1e-3 * max(float(np.abs(means).max()), 1e-6))
    return torch.from_numpy((w / w.mean()).astype(np.float32)).view(1, -1, 1, 1)


def adapt_loss(pred: torch.Tensor, ref: torch.Tensor, bw: torch.Tensor) -> torch.Tensor:
    """L1 with per-band weights ``bw`` (band_weights)."""
    return ((pred - ref).abs() * bw).mean()


def _split_pairs(pairs, size: int, r: int) -> tuple[list, list]:
    """(training, check) pairs: the right (or bottom) part of each block, a quarter or at least one ``size``
    crop, cut on the ratio grid, is held out for checking when the rest still holds a ``size`` crop;
    otherwise the block serves both."""
    train, check = [], []
    for p in pairs:
        h, w = p[1].shape
        for axis, n in ((-1, w), (-2, h)):
            cut = min(n * 3 // 4, n - size) // r * r
            if cut >= size and n - cut >= size:
                halves = [np.split(x, [cut], axis=axis) for x in p]
                train.append(tuple(a for a, _b in halves))
                check.append(tuple(b for _a, b in halves))
                break
        else:
            train.append(p)
            check.append(p)
    return train, check


def crop_size(pairs, unit: int, largest: int = 64) -> int:
    """Side of the adaptation crops, a multiple of ``unit``: ``largest`` (or the smallest block's side), or,
    when no block is long enough to hold out a crop of that size, the size that lets the longest block be
    split into a training and a check crop, if that is at least half of ``largest``."""
    fit = min(largest, min(min(p[1].shape) for p in pairs) // unit * unit)
    if any(max(p[1].shape) >= 2 * fit for p in pairs):
        return fit
    half = max(max(p[1].shape) for p in pairs) // 2 // unit * unit
    return half if half >= largest // 2 else fit


def flip_batch(batch, rng, r: int, phase: tuple[int, int]):
    """The same random flips and transposition for every tensor of a (B, C, S, S) batch, and the decimation
    phase that follows (with S a multiple of r, a flipped axis puts the LR pixel centres at r - 1 - p)."""
    py, px = phase
    dims = []
    if rng.random() < 0.5:
        dims.append(-2)
        py = r - 1 - py
    if rng.random() < 0.5:
        dims.append(-1)
        px = r - 1 - px
    out = [t.flip(dims) if dims else t for t in batch]
    if rng.random() < 0.5:
        out = [t.transpose(-2, -1) for t in out]
        py, px = px, py
    return out, (py, px)


def crop_plan(cfg, pairs, r: int) -> tuple[list, int, list, list]:
    """(blocks used, crop side, training blocks, check blocks) of an adaptation on ``pairs`` at ratio ``r``;
    a check block that ``is`` its training block means nothing could be held out there."""
    unit = math.lcm(cfg.patch, cfg.spatial_unshuffle, r)
    side = min(min(p[1].shape) for p in pairs) if pairs else 0
    big = [p for p in pairs if min(p[1].shape) >= min(64, side // unit * unit)]
    size = crop_size(big, unit) if big else 0
    if size < unit:
        raise InputError(f"The scene is too small to adapt PanAdapter at ratio {r}: the reduced-resolution pair "
                         f"needs at least {unit * r} x {unit * r} PAN pixels.")
    return (big, size) + _split_pairs(big, size, r)


def holds_out(cfg, pairs, r: int) -> bool:
    """Whether an adaptation on ``pairs`` can check itself on pixels it does not train on."""
    _big, _size, train, check = crop_plan(cfg, pairs, r)
    return any(c is not t for c, t in zip(check, train))


def adapt_model(model: PanAdapter, pairs, ratio: int, seconds: float, device, progress=None, is_cancelled=None,
                seed: int = 0, lr: float = 5e-4, batch: int = 8, max_steps: int | None = None,
                checks: int = 12) -> dict:
    """Fine-tune the trainable parts of both stages on the scene's reduced pairs for ``seconds``.

    Crops (flipped / transposed at random) are drawn from the training part of each sample block
    (_split_pairs); the loss on fixed crops of the held-out part is checked ``checks`` times during the run
    (evenly in time, or in steps with ``max_steps``) and the weights with the lowest check loss (the starting
    ones included) are kept: on small scenes longer training overfits the reduced scale.  The
    spectral-direction blend (angle_blend.choose) is then picked on the same check crops."""
    r = int(ratio)
    big, size, train, check = crop_plan(model.cfg, pairs, r)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    held = [t.to(device) for t in _crop_batch(check, 8, size, r, np.random.default_rng(seed + 1))]
    params = model.set_stage("adapt")
    # the stage-1 parts are small (heads, LPE, fusion, Tail1): a 4x larger step
    s1 = {id(p) for p in model._parts(model.trainable_names(1))}
    groups = [{"params": [p for p in params if id(p) in s1], "mult": 4.0},
              {"params": [p for p in params if id(p) not in s1], "mult": 1.0}]
    opt = torch.optim.AdamW(groups, lr=lr)
    phase = (r // 2, r // 2)
    bw = band_weights(big).to(device)

    def held_loss() -> float:
        model.eval()
        with torch.inference_mode():
            v = float(adapt_loss(model(held[0], held[1], r, phase, stage=2, base=held[3]), held[2], bw))
        model.train()
        return v

    def check_cancel() -> None:
        if is_cancelled and is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")

    check_cancel()
    before = held_loss()
    check_cancel()
    base_only = float(adapt_loss(held[3], held[2], bw))
    restarted = False
    if base_only < before:
        # On this scene the starting network is worse than its own residual base: start from the base
        # (output layers of both decoders at zero) and learn the corrections from there.
        with torch.no_grad():
            for layer in (model.tail1.out, model.tail2.out):
                layer.weight.zero_()
                layer.bias.zero_()
        before, restarted = held_loss(), True
    best_loss, best_step = before, 0
    best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    t0 = time.perf_counter()
    steps = 0
    model.train()
    step_time = 0.0
    next_check = seconds / checks
    history = []
    while time.perf_counter() - t0 + step_time < seconds and (max_steps is None or steps < max_steps):
        check_cancel()
        ts = time.perf_counter()
        frac = min(1.0, (ts - t0) / seconds)
        cur = lr * min(1.0, (steps + 1) / 10) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = cur * g["mult"]
        (ms_up, pan, ref, base), ph = flip_batch([t.to(device) for t in _crop_batch(train, batch, size, r, rng)],
                                                 rng, r, phase)
        o1, o2 = model(ms_up, pan, r, ph, stage=2, return_both=True, base=base)
        loss = adapt_loss(o2, ref, bw) + 0.5 * adapt_loss(o1, ref, bw)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        steps += 1
        step_time = time.perf_counter() - ts if steps == 1 else 0.8 * step_time + 0.2 * (time.perf_counter() - ts)
        if progress:
            progress(min(1.0, (time.perf_counter() - t0) / seconds))
        by_steps = max_steps is not None and steps % max(1, max_steps // checks) == 0
        if by_steps or (max_steps is None and time.perf_counter() - t0 >= next_check):
            next_check += seconds / checks
            check_cancel()
            v = held_loss()
            history.append((steps, round(v, 6)))
            if v < best_loss:
                best_loss, best_step = v, steps
                best_state = {k: t.detach().clone() for k, t in model.state_dict().items()}
    check_cancel()
    after = held_loss()
    check_cancel()
    history.append((steps, round(after, 6)))
    if after < best_loss:
        best_loss, best_step = after, steps
    else:
        model.load_state_dict(best_state)
    model.set_stage(2)
    model.eval()
    with torch.inference_mode():
        alpha, blends = angle_blend.choose(model(held[0], held[1], r, phase, stage=2, base=held[3]), held[0], held[2],
                                           lambda a, b: adapt_loss(a, b, bw))
    return {"steps": steps, "seconds": round(time.perf_counter() - t0, 1), "crop": size, "pairs": len(big),
            "held_out": sum(c is not t for c, t in zip(check, train)),
            "restarted_from_base": restarted, "loss": "band-weighted L1",
            "check_loss_base": round(base_only, 6), "check_loss_before": round(before, 6),
            "check_loss_after": round(best_loss, 6), "kept_step": best_step, "kept": best_step > 0,
            "check_history": history, "angle_blend": alpha, "angle_blend_check": blends}


def transplant(src: PanAdapter, bands: int, seed: int = 0) -> PanAdapter:
    """A network for ``bands`` bands with every tensor of ``src`` whose shape fits (bodies, adapters ...);
    the band-dependent layers are new."""
    torch.manual_seed(seed)
    cfg = PanAdapterConfig.from_dict(dict(src.cfg.to_dict(), bands=bands))
    dst = PanAdapter(cfg)
    own = dst.state_dict()
    for k, v in src.state_dict().items():
        if k in own and own[k].shape == v.shape and not k.startswith(BAND_DEPENDENT):
            own[k] = v.clone()
    dst.load_state_dict(own)
    return dst


class PanAdapterMethod(FusionMethod):
    name = "panadapter"
    tile_threads = 1
    # The transformer attends within 128-pixel pieces laid out per tile, so another tiling moves them.
    tile_tolerance = 0.05

    def __init__(self) -> None:
        super().__init__()
        self.model = None
        self.device = None
        self.manifest: dict = {}
        self.scale = 1.0
        self.gain = 1.0
        self.adaptation: dict = {}
        self.batch = 8
        self.stage = 2
        self.base_method = None          # classical fusion giving the residual base (cfg.base), or None
        self.angle_blend = 0.0           # spectral-direction blend towards the interpolated MS (angle_blend)

    def halo(self, ratio: int) -> int:
        from .classical_pan import MTFGLPHPM
        return max(HALO, MTFGLPHPM().halo(ratio))       # the residual base is filtered on the tile

    def _will_adapt(self, scene: SceneInfo) -> bool:
        o = scene.options
        return _flag(o.get("adapt")) or (not o.get("weights") and not find_bundled(scene.lr_bands, scene.ratio))

    def prepare_share(self, scene: SceneInfo) -> float:
        return 0.6 if self._will_adapt(scene) else 0.05

    # --- weights --------------------------------------------------------------------------------
    def _resolve(self, scene: SceneInfo):
        """(model, manifest, exact band match?) to start from."""
        opt = scene.options.get("weights")
        if opt:
            path = os.path.expanduser(str(opt))
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
        self.device, warning = _pick_device(opts.get("device", "auto"))
        if warning:
            self._warn(warning)
        if self.device.type == "cpu":
            torch.set_num_threads(cpu_threads(opts.get("threads")))
        self._info(f"PanAdapter runs on {self.device.type.upper()}"
                   + (f" ({torch.cuda.get_device_name(0)})" if self.device.type == "cuda" else
                      f" ({torch.get_num_threads()} threads)") + ".")
        self.batch = max(1, int(opts.get("batch") or 8))
        self.stage = int(opts.get("stage") or 2)
        self.scale = float(opts.get("value_max") or scene.value_max or 1.0)
        lr_vals = [t.lr[:, t.valid[t.phase[0]::scene.ratio, t.phase[1]::scene.ratio][:t.lr.shape[1], :t.lr.shape[2]]]
                   if t.valid.shape[0] >= t.lr.shape[1] * scene.ratio
                   and t.valid.shape[1] >= t.lr.shape[2] * scene.ratio
                   else t.lr.reshape(t.lr.shape[0], -1)      # a PAN narrower than the MS block: all LR pixels
                   for t in samples]
        self.gain = scene_gain(np.concatenate([v.reshape(-1) for v in lr_vals]).astype(np.float32) / self.scale)

        model, man, exact = self._resolve(scene)
        adapt = _flag(opts.get("adapt")) or not exact
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
            seconds = adapt_seconds(opts, ADAPT_SECONDS)
            pairs = scene_pairs(samples, scene, self.scale, self.gain, base_name, self.is_cancelled)
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
            self._info(f"Adapting PanAdapter to the scene for {seconds:.0f} s (Wald protocol on "
                       f"{len(pairs)} sample block(s), ratio {scene.ratio}) ...")
            with cancellable(model, getattr(self, "is_cancelled", None)):   # a step on a large batch takes seconds
                rep = adapt_model(model, pairs, scene.ratio, seconds, self.device,
                                  getattr(self, "report_progress", None), getattr(self, "is_cancelled", None))
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

    def _save_adapted(self, path: str, model, base: dict, scene: SceneInfo, rep: dict) -> None:
        if not path.endswith(W.WEIGHTS_SUFFIX):
            path = os.path.splitext(path)[0] + W.WEIGHTS_SUFFIX
        name = os.path.splitext(os.path.basename(path))[0]
        man = {"name": name, "engine": ENGINE, "config": config_dict(model), "stage": 2, "variant": "panadapter",
               "bands": {"lr_bands": scene.lr_bands, "hr_bands": 1, "lr_names": list(scene.lr_band_names)},
               "ratios": [scene.ratio], "any_ratio": True, "angle_blend": self.angle_blend,
               "value_range": base.get("value_range", ""),
               "training": {"data": f"scene adaptation (Wald protocol on the user's scene, sensor preset "
                                    f"'{scene.sensor}')", "adapted_from": base["name"],
                            "adapted_from_sha256": base.get("weights", {}).get("sha256"), "adaptation": rep,
                            "train_seconds": rep.get("seconds")}}
        try:
            W.save_weights(path, model.state_dict(), man)
        except OSError as exc:
            # The adaptation is done: the fused output is still worth writing.
            self._warn(f"The adapted model could not be saved to {path} ({exc.strerror or exc}); the fused "
                       "output is written anyway.")
            return
        self._info(f"Adapted PanAdapter weights saved to {path} (reuse them with WEIGHTS).")

    def provenance(self) -> dict:
        man = self.manifest or {}
        out = {"panadapter_weights": f"{man.get('name', '?')} (sha256 {man.get('weights', {}).get('sha256', '?')})",
               "panadapter_device": self.device.type if self.device is not None else "?"}
        if self.adaptation:
            out["panadapter_adaptation"] = dict(self.adaptation)
        return out

    def apply(self, tile: Tile) -> np.ndarray:
        if self.model is None:
            raise RuntimeError("PanAdapter.apply() before prepare()")
        k = np.float32(self.gain / self.scale)
        ms_up = tile.lr_up.astype(np.float32) * k
        pan = tile.hr[0].astype(np.float32) * k
        base = self.base_method.apply(tile).astype(np.float32) * k if self.base_method is not None else None
        out = predict_image(self.model, ms_up, pan, tile.ratio, tile.phase, self.device, PIECE, PIECE_OVERLAP,
                            self.batch, stage=self.stage, base=base)
        if self.angle_blend > 0:
            out = angle_blend.blend(torch.from_numpy(out), torch.from_numpy(ms_up), self.angle_blend).numpy()
        return (out / k).astype(np.float32, copy=False)
