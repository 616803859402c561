"""PanAdapter v2 (core.models.pan_scet): a network that refines a classical fusion chosen for the scene.

Options (``scene.options``; Processing: DEVICE, WEIGHTS, ADAPT, ADAPT_SECONDS, ADAPT_STEPS, ADAPTED_WEIGHTS, GUARD):
  device, threads, weights, adapt, adapt_seconds, adapted_weights, guard   as PanAdapter (panadapter_method)
  adapt_steps  a fixed number of steps for each network and each adaptation objective instead of the time
            budget: the time budget makes the number of steps, and so the result, depend on the machine's
            speed and load
  base      the classical method the network refines; default: the one of the bases it was trained with
            (its manifest) that scores best on the scene's reduced-resolution check, as Auto ranks them
  ensemble  true (default): average the network's output with those of the networks its manifest names in
            ``ensemble_with`` (each refines the same base); false: the network alone
  precision auto (default) / float32 / bfloat16: the frozen SCET blocks in bfloat16 on a CPU that computes it
            natively (core.models.precision); recorded in the output's metadata
  angle_blend  auto (default): the spectral-direction blend towards the interpolated MS (as PanAdapter's,
            core.models.panadapter.angle_blend) picked on the scene's reduced-resolution check; a number in
            [0, 1] fixes it (0: the networks' result as it is)

prepare(): values are scaled as in training (bit depth, then core.methods.deep_base.scene_gain); the base is
chosen and prepared on the samples; with ADAPT the trainable parts of every network are fine-tuned on the
scene's reduced pairs (core.adapt.pan_scet_adapt, a quarter of each sample block held out; the time budget
shared equally); the spectral-direction blend is picked on the guard's check (after ADAPT, the held-out parts:
the guard's score of the network there is then slightly optimistic, as PanAdapter's); last the deep guard
scores the (averaged, blended) result against Auto's classical candidates and hands every tile to Auto's pick
when it loses.
apply(): the base on the tile, then one forward pass of each network on the whole tile
(core.models.pan_scet.predict), averaged; the transposed attention sees the whole tile, hence the tile tolerance.
"""
from __future__ import annotations

import functools
import os

import numpy as np
import torch  # at import time: the registry turns a missing torch into MissingDependency

from .. import auto_select
from ..adapt import full_scale as FS, panadapter_adapt as PA
from ..adapt.pan_scet_adapt import MIN_CROP, adapt_pan_scet, can_adapt, with_base
from ..errors import Cancelled, InputError
from ..models import weights as W
from ..models.cancel_hooks import cancellable
from ..models.pan_scet import PanScet, PanScetConfig
from ..models.pan_scet.predict import predict_tile
from ..models.panadapter import angle_blend as AB
from . import deep_guard
from .array_fusion import classical_fusion
from .base import DEFAULT_ADAPT_SECONDS, SceneInfo, Tile, adapt_seconds, adapt_steps
from .deep_base import DeepMethod, cpu_threads, flag, sample_gain

ENGINE = "pan_scet"
HALO = 64                      # PAN pixels: 16 work pixels of context for the convolutions of the body
# Scene adaptation objectives (option adapt_objective; "both", the default, runs each on half the budget from the
# same start and keeps the one with the lower loss on the held-out check crops)
OBJECTIVES = {"wald": "Wald pairs, the scene reduced by the ratio",
              "full": "full resolution: spectral and spatial consistency with the scene itself",
              "both": "both, the better on the check kept"}
FULL_SPATIAL_WEIGHT = 0.1      # the spatial term's weight, against 1 for the spectral one (pan_scet_fullscale.md)
# the bases a network refines when its manifest does not list them; training draws among these
DEFAULT_BASES = ("gsa", "bdsd_pc", "mtf_glp_hpm", "mtf_glp_fs")
# Manifest key: the networks (bundled names, or weights files beside the manifest) whose outputs are averaged
# with this network's; independently trained networks err differently (bench/results/pan_scet_heldout.md)
ENSEMBLE_KEY = "ensemble_with"
# Only where the check shows the interpolated MS's spectral angles beating the network's (SAM(1) < SAM(0): a
# PAN that does not cover the bands, the Sentinel-2 red edge): elsewhere the twice-reduced check also favoured
# a blend that made the scene itself worse (Sentinel-2 10 m bands at ratio 4: +3 % ERGAS; pan_scet.md).
BLEND_RULE = ("where the interpolated MS's angles beat the network's on the check (SAM(1) < SAM(0)): the blend "
              "from angle_blend.STEPS with the lowest ERGAS(a) / ERGAS(0) + SAM(a) / SAM(0) on the check, when "
              f"that sum is at least {AB.MIN_GAIN:g} below 2; else 0")


def choose_blend(fused: list, blocks: list, ratio: int) -> tuple[float, list]:
    """(blend factor, [(a, ERGAS, SAM) for a in angle_blend.STEPS]) for the method's outputs ``fused`` on the
    check ``blocks`` (auto_select.CheckBlock), scored as Auto scores candidates; BLEND_RULE decides."""
    bands = list(range(blocks[0].reference.shape[0]))
    rows = []
    for a in AB.STEPS:
        out = [AB.blend(torch.from_numpy(np.asarray(f, np.float32)), torch.from_numpy(b.tile.lr_up), a).numpy()
               for f, b in zip(fused, blocks)]
        rows.append((a, *auto_select._ergas_sam(out, blocks, ratio, bands)))
    e0, s0 = max(rows[0][1], 1e-12), max(rows[0][2], 1e-12)
    if not rows[-1][2] < rows[0][2]:
        return 0.0, rows
    score = {a: e / e0 + s / s0 for a, e, s in rows}
    best = min(AB.STEPS, key=lambda a: (score[a], a))
    return (float(best) if score[best] <= 2.0 - AB.MIN_GAIN else 0.0), rows


def blend_is_auto(options: dict) -> bool:
    """Whether the option angle_blend leaves the spectral blend to the scene's check (auto, the default)."""
    return options.get("angle_blend") in (None, "", "auto")


def bundled_models() -> list[dict]:
    """Installed PanAdapter v2 networks (not the ablations)."""
    return [m for m in W.list_models() if m["engine"] == ENGINE and m.get("variant", "pan_scet") == "pan_scet"]


def load_network(path: str) -> tuple[PanScet, dict]:
    """(network in eval mode, manifest) from a weights file; the frozen parts come with it."""
    state, man = W.load_weights(path, ENGINE)
    model = PanScet(PanScetConfig.from_dict(man["config"]))
    model.load_state_dict({k: v.float() for k, v in state.items()}, strict=True)
    return model.eval(), man


def load_partners(man: dict) -> list[tuple[PanScet, dict]]:
    """The networks ``man`` names in ENSEMBLE_KEY, loaded: a name ending in .safetensors is a file in the
    manifest's folder (saved with an adapted network), any other an installed network of this engine."""
    out = []
    for ref in man.get(ENSEMBLE_KEY) or []:
        if str(ref).endswith(W.WEIGHTS_SUFFIX):
            path = os.path.join(os.path.dirname(man["path"]), os.path.basename(str(ref)))
        else:
            path = next((m["path"] for m in W.list_models() if m["engine"] == ENGINE and m["name"] == ref), None)
        if path is None or not os.path.isfile(path):
            raise InputError(f"The PanAdapter v2 weights '{man['name']}' average their result with the network "
                             f"'{ref}', which is not installed: reinstall the plugin (or run the network alone with "
                             "the option ensemble=false).")
        model, pman = load_network(path)
        if model.cfg.bands != man["config"]["bands"] or list(model.cfg.ratios) != list(man["config"]["ratios"]):
            raise InputError(f"The PanAdapter v2 network '{pman['name']}' does not fuse the band layout of "
                             f"'{man['name']}', whose result it should be averaged with.")
        out.append((model, pman))
    return out


class PanScetMethod(DeepMethod):
    name = "panadapter_v2"
    engine = ENGINE
    who = "PanAdapter v2"
    provenance_prefix = "panadapter_v2"
    honours_precision = True
    # The transposed attention of the body mixes channels with weights computed over the whole tile.
    tile_tolerance = 0.05

    def __init__(self) -> None:
        super().__init__()
        self.scale = 1.0
        self.gain = 1.0
        self.base_method = None
        self.base_choice: dict = {}
        self.partners: list = []            # (network, manifest) averaged with self.model's output
        self.angle_blend = 0.0              # spectral-direction blend towards the interpolated MS (choose_blend)
        self.blend_choice: dict = {}

    def halo(self, ratio: int) -> int:
        if self.guard is not None and self.guard.delegate is not None:
            return self.guard.delegate.halo(ratio)
        if self.base_method is not None:
            return max(HALO, self.base_method.halo(ratio))
        from . import get_method
        # before prepare(): context for the base check and the guard (as Auto's samples)
        return max(HALO, auto_select.CHECK_CONTEXT * ratio,
                   max(get_method(n).halo(ratio) for n in auto_select.PAN_CANDIDATES))

    # --- weights --------------------------------------------------------------------------------
    def _resolve(self, scene: SceneInfo) -> tuple[PanScet, dict]:
        opt = self.weights_option(scene)
        if opt:
            path = opt if os.path.isfile(opt) else next(
                (m["path"] for m in bundled_models() if m["name"] == scene.options.get("weights")), None)
            if path is None:
                raise InputError(f"The PanAdapter v2 weights '{opt}' are neither a file nor a bundled model "
                                 f"({', '.join(m['name'] for m in bundled_models()) or 'none installed'}).")
        else:
            found = [m for m in W.find_models(ENGINE, scene.lr_bands, 1, scene.ratio)
                     if m.get("variant", "pan_scet") == "pan_scet"]
            if not found:
                have = sorted({(m["bands"].get("lr_bands"), tuple(m.get("ratios", []))) for m in bundled_models()})
                raise InputError(
                    f"PanAdapter v2 has no network for {scene.lr_bands} MS bands at ratio {scene.ratio} (installed: "
                    + (", ".join(f"{b} bands, ratios {list(r)}" for b, r in have) or "none") +
                    "). Use PanAdapter, which adapts to any band count, or Auto.")
            path = found[0]["path"]
        model, man = load_network(path)
        if model.cfg.bands != scene.lr_bands or scene.ratio not in [int(r) for r in model.cfg.ratios]:
            raise InputError(f"The PanAdapter v2 weights '{man['name']}' fuse {model.cfg.bands} bands at ratios "
                             f"{list(model.cfg.ratios)}; this scene has {scene.lr_bands} bands at ratio {scene.ratio}.")
        return model, man

    def _choose_base(self, samples, scene: SceneInfo, man: dict) -> str:
        from . import get_method, method_label
        cands = tuple(man.get("training", {}).get("bases") or DEFAULT_BASES)
        forced = scene.options.get("base")
        if forced:
            if forced not in cands:
                raise InputError(f"PanAdapter v2 base '{forced}': the network was trained to refine "
                                 f"{', '.join(cands)}.")
            self.base_choice = {"base": forced, "reason": "option base"}
            return str(forced)
        name, scores = auto_select.select(cands, samples, scene, get_method, self.is_cancelled)
        if self.is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        if name is None:
            name = cands[-1]
            reason = "the scene is too small for the reduced-resolution check; default base"
            self._warn(f"PanAdapter v2: {reason} {method_label(name)}.")
        else:
            reason = "best of the trained bases on the reduced-resolution check, as Auto ranks them"
            self._info("PanAdapter v2 base: " + auto_select.format_table(scores, name, method_label))
        self.base_choice = {"base": name, "reason": reason, "candidates": [s.as_dict() for s in scores]}
        return name

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        from . import get_method, method_label
        opts = scene.options
        self.guard, self.partners = None, []
        if scene.hr_bands != 1:
            raise InputError("PanAdapter v2 sharpens with a single PAN band.")
        model, man = self._resolve(scene)
        partners = load_partners(man) if opts.get("ensemble") is None or flag(opts.get("ensemble")) else []
        self.choose_device(opts)
        if self.device.type == "cpu":
            torch.set_num_threads(cpu_threads(opts.get("threads")))
        self._info(f"PanAdapter v2 runs on {self.device_words()} with the weights '{man['name']}'"
                   + (" averaged with " + ", ".join(f"'{m['name']}'" for _n, m in partners) if partners else "")
                   + ".")
        self.scale = float(opts.get("value_max") or scene.value_max or 1.0)
        self.gain = sample_gain(samples, scene, self.scale)
        base = self._choose_base(samples, scene, man)
        self.base_method = get_method(base)
        self.base_method.bind(is_cancelled=self.is_cancelled, log=self.log)
        self.base_method.prepare([auto_select.with_halo(t, self.base_method.halo(scene.ratio)) for t in samples],
                                 scene)
        self._info(f"PanAdapter v2 refines {method_label(base)} ({self.base_choice['reason']}).")
        members = [(m.to(self.device), mm) for m, mm in [(model, man)] + partners]
        adapted = False
        if flag(opts.get("adapt")):
            adapted = self._adapt(members, samples, scene, base)
        for net, _mm in members:
            net.eval().to(memory_format=torch.channels_last)       # in place; as predict_tile's inputs
            net.set_body_precision(self.cpu_dtype)
        (self.model, _man), *self.partners = members
        self.manifest = man
        torch.set_flush_denormal(True)
        # the check blocks serve the automatic spectral blend and the guard: built once, and only if one runs
        needed = blend_is_auto(scene.options) or deep_guard.guard_on(scene.options)
        check = deep_guard.pan_check(samples, scene, self.model.cfg, adapted) if needed else None
        self._choose_blend(check, scene)
        self.guard = deep_guard.guard_panadapter(self, samples, scene, adapted=adapted, check=check)

    def _choose_blend(self, check: tuple[list, bool] | None, scene: SceneInfo) -> None:
        """Set ``angle_blend`` from the option, or pick it on the guard's ``check`` (deep_guard.pan_check's
        blocks and whether they are independent of the adaptation; None only when the option fixes the blend)
        with choose_blend."""
        self.angle_blend, self.blend_choice = 0.0, {}
        opt = scene.options.get("angle_blend")
        if not blend_is_auto(scene.options):
            try:
                self.angle_blend = float(opt)
            except (TypeError, ValueError):
                raise InputError(f"angle_blend must be auto or a number from 0 to 1, not '{opt}'.") from None
            if not 0.0 <= self.angle_blend <= 1.0:
                raise InputError(f"angle_blend must be auto or a number from 0 to 1, not {opt}.")
            self.blend_choice = {"angle_blend": self.angle_blend, "reason": "option angle_blend"}
            return
        blocks, independent = check
        blocks = [b for b in blocks if b.scored.any()]
        if not blocks:
            self.blend_choice = {"angle_blend": 0.0, "reason": "the scene is too small for a reduced-resolution check"}
            return
        fused = [self.fuse_tile(b.tile) for b in blocks]
        self.angle_blend, rows = choose_blend(fused, blocks, scene.ratio)
        self.blend_choice = {"angle_blend": self.angle_blend, "check_pixels": int(sum(b.scored.sum() for b in blocks)),
                             "independent": independent, "rule": BLEND_RULE,
                             "check": [{"angle_blend": a, "ergas": round(e, 5), "sam": round(s_, 5)}
                                       for a, e, s_ in rows]}
        self._info("PanAdapter v2 spectral-direction blend towards the interpolated MS, on the reduced-resolution "
                   "check (blend: ERGAS / SAM): " + ", ".join(f"{a:g}: {e:.4f} / {s_:.3f}" for a, e, s_ in rows)
                   + f"; kept {self.angle_blend:g}.")

    def _adapt(self, members: list, samples, scene: SceneInfo, base: str) -> bool:
        """Scene adaptation (ADAPT) of every (network, manifest) of ``members``, the time budget shared equally;
        False when the scene is too small to check it on held-out pixels."""
        model, man = members[0]
        objective = str(scene.options.get("adapt_objective") or "both").lower()
        if objective not in OBJECTIVES:
            raise InputError(f"Unknown adaptation objective '{objective}': use {', '.join(OBJECTIVES)}.")
        pairs = PA.scene_pairs(samples, scene, self.scale, self.gain, "ms_up", self.is_cancelled)
        if not can_adapt(model.cfg, pairs, scene.ratio):
            why = (f"The scene is too small to adapt on crops of {MIN_CROP} reduced pixels and check the adaptation "
                   f"on pixels it does not train on (about {2 * MIN_CROP * scene.ratio} x {MIN_CROP * scene.ratio} "
                   f"PAN pixels are needed); ADAPT is skipped and the weights '{man['name']}' are used unchanged.")
            self._warn(why)
            self.adaptation = {"skipped": why, "started_from": man["name"], "steps": 0}
            return False
        pairs = with_base(pairs, scene.ratio, scene.gnyq_lr, scene.gnyq_hr, functools.partial(classical_fusion, base))
        seconds, steps = adapt_seconds(scene.options, float(DEFAULT_ADAPT_SECONDS)), adapt_steps(scene.options)
        full = None
        if objective != "wald":
            full = FS.blocks(samples, scene.ratio, scene.gnyq_hr, self.gain / self.scale, self.base_method.apply,
                             self.is_cancelled)
        n = len(members)
        if steps:
            length = f"{steps} steps per network" + (" and objective" if objective == "both" else "")
        else:
            length = f"{seconds:.0f} s" + (f"; {n} networks, {seconds / n:.0f} s each" if n > 1 else "")
        self._info(f"Adapting PanAdapter v2 to the scene ({length}; {OBJECTIVES[objective]}; "
                   f"{len(pairs)} sample block(s), ratio {scene.ratio}, base {base}) ...")
        reps = []
        for i, (net, nman) in enumerate(members):
            rep, name = self._adapt_objectives(net, pairs, full, scene, seconds / n, objective,
                                               (i / n, (i + 1) / n), steps)
            rep.update(started_from=nman["name"], base=base)
            reps.append(rep)
            self._info(f"Adaptation of '{nman['name']}' kept ({OBJECTIVES[name]}): {rep['steps']} steps in "
                       f"{rep['seconds']} s; loss on check crops {rep['check_loss_before']:.5f} -> "
                       f"{rep['check_loss_after']:.5f} (base alone {rep['check_loss_base']:.5f})"
                       + ("." if rep["kept"] else "; no gain: the starting weights are kept."))
        self.adaptation = dict(reps[0], partners=reps[1:]) if n > 1 else reps[0]
        out = scene.options.get("adapted_weights")
        if out:
            self._save_adapted(str(out), members, reps, scene, base)
        return True

    def _save_adapted(self, out: str, members: list, reps: list, scene: SceneInfo, base: str) -> None:
        """The adapted networks: the first at ``out``, each other beside it as <name>_member<k>.safetensors,
        named in the first one's manifest so that WEIGHTS=out averages them again."""
        path = W.weights_file(out)
        stem = os.path.splitext(path)[0]
        paths = [path] + [f"{stem}_member{k}{W.WEIGHTS_SUFFIX}" for k in range(2, len(members) + 1)]
        for k, ((net, man), rep, p) in enumerate(zip(members, reps, paths)):
            new = dict(man, name=os.path.splitext(os.path.basename(p))[0], ratios=[scene.ratio],
                       training=dict(man.get("training", {}), adapted_from=man["name"], adaptation=rep,
                                     data=f"scene adaptation ({OBJECTIVES[rep['objective']]}; the user's scene, "
                                          f"sensor preset '{scene.sensor}')", bases=[base]))
            for key in ("weights", "path", ENSEMBLE_KEY):
                new.pop(key, None)
            if k == 0 and len(paths) > 1:
                new[ENSEMBLE_KEY] = [os.path.basename(q) for q in paths[1:]]
            if self.save_adapted_weights(p, net.state_dict(), new) is None:
                return

    def _adapt_objectives(self, model: PanScet, pairs, full, scene: SceneInfo, seconds: float, objective: str,
                          span: tuple[float, float] = (0.0, 1.0), steps: int | None = None) -> tuple[dict, str]:
        """Run the adaptation objective(s) (``both``: each on half the budget from the same start) and leave
        ``model`` with the one whose held-out check loss is lowest; (its report, its name).  ``full``: the
        full-resolution blocks (FS.blocks); ``span``: the part of the progress bar this adaptation fills;
        ``steps``: each objective runs exactly that many steps instead (option adapt_steps)."""
        runs = ["wald", "full"] if objective == "both" else [objective]
        report = getattr(self, "report_progress", None)
        lo, hi = span
        start = {k: v.detach().clone() for k, v in model.state_dict().items()}
        tried = {}
        for i, name in enumerate(runs):
            if i:
                model.load_state_dict(start)
            weights = {"wald_weight": 1.0, "full_weight": 0.0} if name == "wald" else \
                {"wald_weight": 0.0, "full_weight": 1.0, "spatial_weight": FULL_SPATIAL_WEIGHT}
            part = (lambda f, i=i, report=report: report(lo + (hi - lo) * (i + f) / len(runs))) if report else None
            with cancellable(model, self.is_cancelled):
                rep = adapt_pan_scet(model, pairs, scene.ratio, seconds / len(runs), self.device, part,
                                     self.is_cancelled, full=full, gains=scene.gnyq_lr, max_steps=steps, **weights)
            tried[name] = (rep, {k: v.detach().clone() for k, v in model.state_dict().items()})
            self._info(f"Adaptation ({OBJECTIVES[name]}): {rep['steps']} steps in {rep['seconds']} s; loss on check "
                       f"crops {rep['check_loss_before']:.5f} -> {rep['check_loss_after']:.5f}.")
        name = min(tried, key=lambda n: tried[n][0]["check_loss_after"])
        rep = dict(tried[name][0], objective=name)
        model.load_state_dict(tried[name][1])
        if len(tried) > 1:
            rep["objectives"] = {n: {k: r[k] for k in ("steps", "seconds", "check_loss_after", "kept_step")}
                                 for n, (r, _s) in tried.items()}
        return rep, name

    def extra_provenance(self) -> dict:
        out = {"panadapter_v2_device": self.device.type if self.device is not None else "?",
               "panadapter_v2_base": dict(self.base_choice)}
        if self.blend_choice:
            out["panadapter_v2_angle_blend"] = dict(self.blend_choice)
        if self.partners:
            out["panadapter_v2_averaged_with"] = [
                f"{m.get('name', '?')} (sha256 {m.get('weights', {}).get('sha256', 'not saved')})"
                for _n, m in self.partners]
        return out

    def fuse_tile(self, tile: Tile) -> np.ndarray:
        k = np.float32(self.gain / self.scale)
        ms_up, pan = tile.lr_up.astype(np.float32) * k, tile.hr[0].astype(np.float32) * k
        base = np.asarray(self.base_method.apply(tile), np.float32) * k
        out = predict_tile(self.model, ms_up, pan, base, tile.ratio, tile.phase, self.device)
        for net, _man in self.partners:
            out += predict_tile(net, ms_up, pan, base, tile.ratio, tile.phase, self.device)
        out /= np.float32(1 + len(self.partners))
        if self.angle_blend > 0:
            out = AB.blend(torch.from_numpy(out), torch.from_numpy(ms_up), self.angle_blend).numpy()
        return (out / k).astype(np.float32, copy=False)
