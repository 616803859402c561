"""INFN HS-MS fusion (deep implicit neural feature fusion, core.models.infn) as an engine method.

Options (``FusionRequest.method_options``; Processing: WEIGHTS, ADAPT, ADAPT_SECONDS, ADAPTED_WEIGHTS):
  weights          a .safetensors file with its .json manifest (checked against its SHA-256 before it is
                   parsed).  Default: the bundled model in resources/weights whose band layout (HSI bands,
                   MSI bands) matches the scene, trained for its ratio if possible (31-band HSI + 3-band RGB:
                   the CAVE model).
  adapt            fine-tune on the scene itself before fusing (core.adapt.infn_adapt): at reduced
                   resolution (both images degraded by the ratio, Wald), starting from ``weights`` / the
                   bundled model; a model of another band layout gets new band layers initialised by
                   wavelength and from the spectral response estimated from the data (NNLS).
                   When no model matches the band layout, adaptation starts automatically (logged).
  adapt_seconds    time budget of the adaptation (default 120 s; on a GPU the same budget does far more)
  adapt_steps      a fixed number of adaptation steps (reproducible across machines; default: fitted to
                   the budget and logged)
  adapted_weights  where to save the adapted model (.safetensors + .json manifest), reusable as ``weights``
                   on other scenes of the same sensor pair
  seed             adaptation seed (default 0)
  base             the classical HS-MS method the network refines: one of the bases a model was trained with
                   (its manifest's ``training.bases``), or, when the model moves to another band layout, the
                   blend (hs_blend, the default there) or any of hs_auto's candidates; default for a model
                   trained with several bases: chosen on the scene's reduced-resolution check (_setup_base)
  threads          CPU threads (default: the cores free when the first tile starts, deep_base.cpu_threads); on
                   the CPU a tile is fused as that many row parts side by side, one thread each (row_parts)
  guard            return the best classical result where the network loses to it (default on; deep_guard);
                   with ``adapt`` a quarter of each large enough region is held out of the adaptation for it

Bad bands: the scene's bad bands (flagged ``bbl`` = 0 or mostly nodata, core.scene) and bands that are
constant over the scene are left out of the model and written as nodata; an adapted model records the bands
it uses.

Base refinement: a model whose manifest lists ``training.bases`` returns one of those classical fusions plus its
own correction (the base takes the network's ``lr_up`` input), the one its network refines best on the scene's
check.  A model moved to another band layout (or trained from scratch on the scene) refines the blend of the
classical methods (hs_blend, fitted on the scene's check): its new output layer starts at zero, i.e. exactly at
that base, and the adaptation learns the correction; the guard returns the base where that correction makes it
worse on the check (drop_correction).

Values: the CAVE model works in [0, 1]: the inputs are divided by ``value_max`` (the option of that name, or
the scene's: 2**bit_depth - 1 for integer data, 1 for float data).  An adapted model stores its own scales
(the 99th percentile of each image's valid values) in its manifest.

Halo: one output pixel depends on (2 + 2 x spatial blocks) HR pixels of the HR-MSI / upsampled LR-HSI
around it (6 for the bundled configuration) and on (4 + 2 x spectral blocks) LR pixels of the LR-HSI
(10); the engine reads 12 LR pixels beyond every tile (core.scene.LR_MARGIN) and ``halo`` gives HALO = 16
HR pixels, so tiles reproduce the whole-image result exactly (a deeper model runs with a warning).
"""
from __future__ import annotations

import os
from dataclasses import replace

import numpy as np
import torch  # at import time: the registry turns a missing torch into MissingDependency

from .. import auto_select
from ..errors import Cancelled, InputError
from ..models import weights as W
from ..models.cancel_hooks import cancellable
from ..models.infn import INFN as Net, InfnConfig, receptive_radius
from ..scene import LR_MARGIN
from . import deep_guard
from .base import DEFAULT_ADAPT_SECONDS as BASE_ADAPT_SECONDS, FusionMethod, SceneInfo, Tile, adapt_seconds, adapt_steps
from .deep_base import DeepMethod, flag
from .registry import INFN_MOVED_BASES

ENGINE = "infn"
HALO = 16
BLEND = INFN_MOVED_BASES[0]        # the default base of a model moved to another band layout
DEFAULT_ADAPT_SECONDS = float(BASE_ADAPT_SECONDS)


def _layout(man: dict) -> tuple[int, int]:
    b = man.get("bands", {})
    return int(b.get("lr_bands", -1)), int(b.get("hr_bands", -1))


def _describe(man: dict) -> str:
    lr, hr = _layout(man)
    return (f"{man['name']} ({lr}-band HSI + {hr}-band MSI, ratio "
            f"{', '.join(str(r) for r in man.get('ratios', []))})")


def _around_core(tile: Tile, margin: int) -> tuple[slice, slice]:
    """The tile's core (its output window) widened by ``margin`` pixels, inside the tile."""
    out = []
    for sl, n in zip(tile.core, tile.hr.shape[-2:]):
        start, stop, _step = sl.indices(n)
        out.append(slice(max(0, start - margin), min(n, stop + margin)))
    return out[0], out[1]


class _Refined(FusionMethod):
    """The network refining one classical base, as a candidate of Auto's check (how INFN chooses its base)."""

    def __init__(self, owner: INFN, model, base: str) -> None:
        super().__init__()
        self.owner, self.model, self.base = owner, model, base
        self.name = base                       # the check's table names the base

    def halo(self, ratio: int) -> int:
        from . import get_method
        return max(HALO, get_method(self.base).halo(ratio))

    def prepare(self, samples, scene: SceneInfo) -> None:
        from . import get_method
        super().prepare(samples, scene)
        self.method = get_method(self.base)
        self.method.prepare(samples, scene)

    def apply(self, tile: Tile) -> np.ndarray:
        return self.owner._refine(tile, self.model, self.method)


class INFN(DeepMethod):
    name = "infn"
    engine = ENGINE
    who = "INFN"
    provenance_prefix = "infn"
    exact_tiles = True                 # HALO covers the receptive field (checked again in prepare)

    def __init__(self) -> None:
        super().__init__()
        self.scale = 1.0
        self.msi_scale = 1.0
        self.used: list[int] = []          # LR band positions the model fuses
        self.skip: list[int] = []          # LR band positions written as nodata
        self.guard_check = None            # what deep_guard.hold_out kept out of the adaptation, until the guard
        self.base_method = None            # the prepared classical method a base-refining model refines
        self.base_choice: dict = {}
        self.correction = True             # False: the guard found the network's correction worse than its base

    def halo(self, ratio: int) -> int:
        if self.guard is not None and self.guard.delegate is not None:
            return self.guard.delegate.halo(ratio)
        # Before prepare() the samples get the network's halo only: with the bases' (Auto's) context, the samples of
        # a 218-band scene took 3 GB more (the base check and the guard cut their block edges instead).
        return max(HALO, self.base_method.halo(ratio)) if self.base_method is not None else HALO

    # --- weights --------------------------------------------------------------------------------
    def _plan(self, scene: SceneInfo, adapt: bool) -> tuple[str | None, bool]:
        """(weights path or None = a fresh network, adapt?) for this scene; InputError when nothing fits."""
        path = self.weights_option(scene)
        layout = (scene.lr_bands, scene.hr_bands)
        if path:
            if not os.path.isfile(path):
                raise InputError(f"The INFN weights file '{path}' does not exist.")
            _data, man = W.verify_weights(path, ENGINE)     # a corrupted file is reported as such, first
            if _layout(man) != layout and not adapt:
                raise InputError(
                    f"The INFN weights '{os.path.basename(path)}' are for a {_layout(man)[0]}-band HSI with a "
                    f"{_layout(man)[1]}-band MSI; the inputs have {scene.lr_bands} and {scene.hr_bands} bands. "
                    "Turn on scene adaptation (ADAPT) to move them to this sensor pair, or give weights made "
                    "for it.")
            return path, adapt
        found = W.find_models(ENGINE, scene.lr_bands, scene.hr_bands, scene.ratio)
        if found:
            man = found[0]
            if adapt:
                self._warn(f"The INFN model '{man['name']}' fits this band layout: ADAPT retrains it at the scene's "
                           "reduced scale, which made it 3-11 dB worse on the CAVE scenes it was not trained on "
                           "(bench/results/guard_check.md). Compare with a run without ADAPT.")
            if float(scene.ratio) not in [float(r) for r in man.get("ratios", [])]:
                self._warn(f"INFN model '{man['name']}' was trained for ratio(s) {man['ratios']}, not "
                           f"{scene.ratio}: it runs as an implicit function at this ratio"
                           + ("." if adapt else ", expect lower quality (ADAPT fine-tunes it on the scene)."))
            return man["path"], adapt
        models = self.installed_models()
        if models:
            models.sort(key=lambda m: (float(scene.ratio) not in [float(r) for r in m.get("ratios", [])], m["name"]))
            if not adapt:
                self._warn(f"No INFN model matches a {scene.lr_bands}-band HSI with a {scene.hr_bands}-band MSI "
                           f"(bundled: {'; '.join(_describe(m) for m in models)}): adapting "
                           f"'{models[0]['name']}' to this scene automatically (ADAPT).")
            return models[0]["path"], True
        if adapt:
            self._warn("No INFN weights are installed: the network is trained on this scene from scratch "
                       "(expect lower quality than with the bundled model).")
            return None, True
        raise InputError(
            f"INFN has no weights for a {scene.lr_bands}-band HSI with a {scene.hr_bands}-band MSI at ratio "
            f"{scene.ratio}. Bundled INFN models: none installed. Turn on scene adaptation (ADAPT) to train "
            "the network on this scene, or give a weights file trained for this band layout (WEIGHTS).")

    def will_adapt(self, scene: SceneInfo) -> bool:
        adapt = flag(scene.options.get("adapt"))
        if not adapt and not scene.options.get("weights"):
            adapt = not W.find_models(ENGINE, scene.lr_bands, scene.hr_bands, scene.ratio)
        return adapt

    # --- engine interface -------------------------------------------------------------------------
    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        opts = scene.options
        self.correction = True
        self.choose_device(opts)
        torch.set_flush_denormal(True)
        adapt = flag(opts.get("adapt"))
        path, adapt = self._plan(scene, adapt)
        layout = (scene.lr_bands, scene.hr_bands)
        base_state, base_man = None, {}
        if path is not None:
            model, base_state, base_man = self._load(path)
        else:
            model = None
        fits = path is not None and _layout(base_man) == layout
        vmax = float(opts.get("value_max") or scene.value_max or 1.0)
        if fits:
            self.used = [int(i) for i in base_man["bands"].get("lr_used", range(scene.lr_bands))]
            scales = base_man.get("value_scale") or {}
            self.scale = float(scales.get("hsi", vmax))
            self.msi_scale = float(scales.get("msi", vmax))
            if model.cfg.hsi_bands != len(self.used) or model.cfg.msi_bands != scene.hr_bands:
                raise InputError(f"The INFN weights '{os.path.basename(path)}' are for a {model.cfg.hsi_bands}-band "
                                 f"HSI with a {model.cfg.msi_bands}-band MSI; the inputs have {scene.lr_bands} and "
                                 f"{scene.hr_bands} bands.")
        self.base_method, self.base_choice = None, {}
        bases = tuple((base_man.get("training") or {}).get("bases") or ())
        if adapt:
            model = self._adapt(samples, scene, model, base_man if path else None, fits, bases)
        elif bases:
            self._setup_base(samples, scene, bases, model)
        self.skip = sorted(set(range(scene.lr_bands)) - set(self.used))
        bad_used = sorted(set(self.used) & set(scene.lr_bad_bands))
        if bad_used:
            self._warn(f"{len(bad_used)} band(s) the model uses are bad in this scene: they are written as nodata.")
            self.skip = sorted(set(self.skip) | set(bad_used))
        hr_rad, lr_rad = receptive_radius(model.cfg)
        self.exact_tiles = hr_rad <= HALO and lr_rad <= LR_MARGIN      # else the engine blends tile overlaps
        if not self.exact_tiles:
            self._warn(f"The INFN network sees {hr_rad} HR / {lr_rad} LR pixels of context, more than the tiles "
                       f"carry ({HALO} / {LR_MARGIN}): tile borders may differ slightly (they are blended); use a "
                       "larger tile size to reduce them.")
        if self.base_method is not None:                 # the base's tiles are blended where its own are
            self.exact_tiles = self.exact_tiles and self.base_method.exact_tiles
        self.model = model.to(self.device).eval()
        self._base_state = None                  # only needed for the warm start (keeps a pickled method small)
        if not adapt:
            self.manifest = base_man
        self.guard = deep_guard.guard_infn(self, samples, scene, adapted=adapt)

    # --- the classical base ------------------------------------------------------------------------
    def _setup_base(self, samples, scene: SceneInfo, bases: tuple, model=None, default: str = "") -> None:
        """Choose and prepare the classical method the model refines, on the bands the model fuses (self.used):
        the option ``base``, else ``default`` or a model's only base, else the one with which ``model`` (a
        network trained to refine these bases) scores best on the scene's reduced-resolution check, as Auto
        ranks candidates; without ``model`` (a correction that starts at zero) the best base itself."""
        from . import get_method, method_label
        used = list(self.used)
        sub = deep_guard.band_subset(scene, used)
        tiles = [self._used_bands(t) for t in samples]
        forced = scene.options.get("base")
        if forced:
            if forced not in bases:
                raise InputError(f"INFN base '{forced}': this model refines {', '.join(bases)}.")
            name, self.base_choice = str(forced), {"base": str(forced), "reason": "option base"}
        elif default or len(bases) == 1:
            name = default or bases[0]
            why = ("a model moved to this band layout starts at its base (a zero correction): the blend of the "
                   "classical methods fitted on the scene's check") if default else "the model's base"
            self.base_choice = {"base": name, "reason": why}
        else:
            score_as = get_method
            if model is not None:
                model = model.to(self.device).eval()
                score_as = lambda name: _Refined(self, model, name)  # noqa: E731
            name, scores = auto_select.select(bases, tiles, sub, score_as, self.is_cancelled)
            if self.is_cancelled():
                raise Cancelled("Cancelled by the user; no output was written.")
            if name is None:
                name = auto_select.HSMS_FALLBACK if auto_select.HSMS_FALLBACK in bases else bases[-1]
                reason = "the scene is too small for the reduced-resolution check; default base"
                self._warn(f"INFN: {reason} {method_label(name)}.")
                self.base_choice = {"base": name, "reason": reason}
            else:
                what = "the network refining each base" if model is not None else "the bases"
                self._info(f"INFN base ({what} on the reduced-resolution check): "
                           + auto_select.format_table(scores, name, method_label))
                self.base_choice = {"base": name, "candidates": [x.as_dict() for x in scores], "scored": what,
                                    "reason": f"best on the reduced-resolution check ({what}), as Auto ranks "
                                              "candidates"}
        method = get_method(name)
        method.bind(is_cancelled=self.is_cancelled, log=self.log)
        method.prepare([auto_select.with_halo(t, method.halo(scene.ratio)) for t in tiles], sub)
        self.base_method = method
        self._info(f"INFN refines {method_label(name)} ({self.base_choice['reason']}).")

    def _used_bands(self, tile: Tile) -> Tile:
        """The tile as seen through the LR bands the model fuses."""
        if len(self.used) == tile.lr.shape[0]:
            return tile
        return replace(tile, lr=tile.lr[self.used], lr_up=tile.lr_up[self.used])

    def _adapt(self, samples, scene: SceneInfo, base, base_man, fits: bool, bases: tuple = ()):
        default_base = ""
        if not fits:
            # New band layers start with a zero correction, i.e. at their base: the blend of the classical methods
            # (it beats each of them on the real pairs of bench/results/infn_quality.md); the option ``base``
            # may name one of them instead.
            bases, default_base = INFN_MOVED_BASES, BLEND
        from ..adapt import infn_adapt as A
        from ..srf import estimate_srf

        opts = scene.options
        r = int(scene.ratio)
        seed = int(opts.get("seed") or 0)
        torch.manual_seed(seed)
        # Bands: the scene's usable bands, minus bands constant over the samples.
        usable = [i for i in range(scene.lr_bands) if i not in scene.lr_bad_bands]
        if fits:
            usable = [i for i in self.used if i in usable]
        lo = np.full(scene.lr_bands, np.inf)
        hi = np.full(scene.lr_bands, -np.inf)
        for t in samples:
            A.check_cancel(self.is_cancelled)
            flat = t.lr.reshape(t.lr.shape[0], -1)
            lo, hi = np.minimum(lo, flat.min(axis=1)), np.maximum(hi, flat.max(axis=1))
        constant = [i for i in usable if hi[i] <= lo[i]]
        if constant:
            self._info(f"INFN: {len(constant)} constant band(s) left out of the model (written as nodata).")
        used = [i for i in usable if i not in constant]
        if not used:
            raise InputError("INFN: the hyperspectral image has no usable band (all bad, nodata or constant).")
        # Reduced-resolution pairs on the LR-HSI grid, from the engine's sample tiles.
        at_lr = []
        for t in samples:
            A.check_cancel(self.is_cancelled)
            x = A.tile_at_hsi_grid(t, used, scene.gnyq_hr)
            if x is not None:
                at_lr.append(x)
        if not at_lr:
            raise InputError("INFN adaptation: the images overlap too little.")
        hsi_px = np.concatenate([h[:, v] for h, _m, v in at_lr], axis=1)
        msi_px = np.concatenate([m[:, v] for _h, m, v in at_lr], axis=1)
        if hsi_px.shape[1] < 16:
            raise InputError("INFN adaptation: too few valid pixels in the hyperspectral image.")
        if fits and base_man.get("value_scale"):
            s_h, s_m = float(base_man["value_scale"]["hsi"]), float(base_man["value_scale"]["msi"])
        else:
            s_h = float(np.percentile(np.abs(hsi_px), 99)) or 1.0
            s_m = float(np.percentile(np.abs(msi_px), 99)) or 1.0
        gn_lr = [scene.gnyq_lr[i] if i < len(scene.gnyq_lr) else scene.gnyq_lr[-1] for i in used] \
            if len(scene.gnyq_lr) > 1 else scene.gnyq_lr[0]
        pairs = A.PairSet([], r)
        for h, m, v in at_lr:
            A.check_cancel(self.is_cancelled)
            reg = A.make_region(h / np.float32(s_h), m / np.float32(s_m), v, r, gn_lr)
            if reg is not None:
                pairs.regions.append(reg)
        if not pairs.regions:
            raise InputError(f"INFN adaptation needs a hyperspectral image of at least {2 * r * r} x {2 * r * r} "
                             "pixels (it trains on the image degraded by the ratio).")
        if bases:
            # the base on each reduced pair, as apply() computes it on a tile (input units, then scaled)
            self.used, self.scale, self.msi_scale = used, s_h, s_m
            self._setup_base(samples, scene, bases, base if fits else None, default_base)
            for g in pairs.regions:
                A.check_cancel(self.is_cancelled)
                tile = deep_guard.reduced_tile(g.msi * np.float32(s_m), g.up * np.float32(s_h),
                                                g.lr * np.float32(s_h), g.valid, r)
                g.base = np.asarray(self.base_method.apply(tile), np.float32) / np.float32(s_h)
        if deep_guard.guard_on(opts):            # the guard's check: pixels the adaptation does not train on
            pairs, self.guard_check = deep_guard.hold_out(pairs)
        wl_all = scene.lr_wavelengths_nm or [None] * scene.lr_bands
        wl = []
        for i in used:
            try:
                wl.append(float(wl_all[i]))
            except (TypeError, ValueError, IndexError):
                wl = None
                break
        # The spectral response linking the two images (reported; used for the warm start of the MSI inputs).
        est = estimate_srf(hsi_px / s_h, msi_px / s_m, wl, between_bands=lambda: A.check_cancel(self.is_cancelled))
        A.check_cancel(self.is_cancelled)
        srf_report = {"msi_band_centroid_nm": [round(float(c), 1) for c in est.get("centroid_nm", [])],
                      "msi_band_width_nm": [round(float(c), 1) for c in est.get("fwhm_nm", [])],
                      "fit_r2": [round(float(x), 4) for x in est["r2"]],
                      "weight_sum": [round(float(x), 4) for x in est["sum"]],
                      "weights": [[round(float(x), 5) for x in row] for row in est["weights"]],
                      "method": "NNLS (scipy.optimize.nnls) of the MSI on the HSI at HSI resolution, smoothed"}
        if wl:
            self._info("INFN: spectral response estimated from the data (NNLS): " + "; ".join(
                f"MSI band {k + 1} ~ {c:.0f} nm (width {w:.0f} nm, R2 {q:.3f})" for k, (c, w, q) in enumerate(
                    zip(est["centroid_nm"], est["fwhm_nm"], est["r2"]))))
        # The network: a fitting model is fine-tuned; another layout gets new band layers (warm-started).
        notes = []
        if fits:
            model = base
        elif base is not None:
            model = base
            model.cfg.srf_detail = False                 # the base carries the MSI's detail
            model.replace_band_layers(len(used), scene.hr_bands)
            base_wl = base_man.get("bands", {}).get("lr_wavelengths_nm")
            if not base_wl or len(base_wl) != len(self._base_state["bands.out.bias"]):
                base_wl = list(np.linspace(400.0, 700.0, len(self._base_state["bands.out.bias"])))
            notes = A.warm_start_band_layers(model, self._base_state, base_wl,
                                             wl, A.rgb_from_msi(est["weights"], wl) if wl else None)
        else:
            model = Net(InfnConfig(hsi_bands=len(used), msi_bands=scene.hr_bands))
            notes = ["trained from scratch (no INFN weights installed)"]
        model = model.to(self.device)
        A.check_cancel(self.is_cancelled)
        error_interp = A.interpolation_error(pairs)
        settings = A.AdaptSettings(seconds=adapt_seconds(opts, DEFAULT_ADAPT_SECONDS),
                                   steps=adapt_steps(opts), seed=seed)
        with cancellable(model, self.is_cancelled):         # one forward over a large region takes seconds
            self._info(f"INFN: adapting {'the' if fits else 'new band layers of the'} model to this scene "
                       f"({len(used)} HSI bands, {scene.hr_bands} MSI bands, ratio {r}; "
                       f"{pairs.pixels} reduced-resolution pixels; budget {settings.seconds:.0f} s) ...")
            report = A.adapt(model, pairs, settings, self.device, self.report_progress, self.is_cancelled,
                             self._info)
        report["error_interpolated"] = error_interp
        b, a = report["error_before"]["rmse"], report["error_after"]["rmse"]
        self._info(f"INFN adaptation: {report['steps']} steps in {report['seconds']:.0f} s; reduced-resolution "
                   f"RMSE: interpolation {error_interp['rmse']:.4f}, start {b:.4f}, adapted {a:.4f} (scaled units)"
                   + (f"; ADAPT_STEPS={report['steps']} repeats it exactly"
                      if report["steps"] == report["planned_steps"] else ""))
        if not fits and str(report.get("kept", "")).startswith("start"):
            # a moved model's start is a zero correction: the base itself, without the network's pass per tile
            self.correction = False
            self._info("INFN: the adaptation did not improve on its base; the result is the base itself (the "
                       "network is not run).")
        self.used = used
        self.scale, self.msi_scale = s_h, s_m
        base_desc = (f"{base_man['name']} (sha256 {base_man['weights']['sha256'][:16]})" if base_man else "none")
        self.adaptation = {"base": base_desc, "notes": notes, "used_bands": len(used),
                           "value_scale": {"hsi": s_h, "msi": s_m}, **report}
        self.manifest = self._adapted_manifest(model, scene, base_man, srf_report, wl)
        if bases:
            self.manifest["training"]["bases"] = [self.base_choice["base"]]
        self.srf_estimate = srf_report
        out = opts.get("adapted_weights")
        if out:
            out = os.path.expanduser(str(out))
            if not out.endswith(W.WEIGHTS_SUFFIX):
                out += W.WEIGHTS_SUFFIX
            man = self.save_adapted_weights(out, model.state_dict(), self.manifest, dtype="float32")
            if man is not None:
                self.manifest = dict(man, path=os.path.abspath(out))
        return model

    def _adapted_manifest(self, model, scene: SceneInfo, base_man: dict, srf_report: dict, wl) -> dict:
        name = f"infn_adapted_{scene.lr_bands}x{scene.hr_bands}_r{scene.ratio}"
        return {
            "name": name, "engine": ENGINE, "config": model.cfg.to_dict(),
            "bands": {"lr_bands": scene.lr_bands, "hr_bands": scene.hr_bands, "lr_used": list(self.used),
                      "lr_wavelengths_nm": wl, "lr_band_names": [scene.lr_band_names[i] for i in self.used]
                      if len(scene.lr_band_names) == scene.lr_bands else None},
            "ratios": [int(scene.ratio)], "any_ratio": True,
            "value_scale": {"hsi": self.scale, "msi": self.msi_scale},
            "value_range": "input / value_scale (99th percentile of the adaptation scene's valid values)",
            "training": {"adaptation": {k: v for k, v in self.adaptation.items() if k != "value_scale"},
                         "base": self.adaptation.get("base")},
            "srf_estimate": srf_report,
        }

    def _load(self, path: str):
        """(model, tensors, manifest) of a verified weights file; the tensors are kept for a warm start."""
        tensors, man = W.load_weights(path, engine=ENGINE)
        try:
            cfg = InfnConfig.from_dict(man["config"])
        except (TypeError, ValueError) as exc:
            raise InputError(f"The INFN weights '{os.path.basename(path)}' have an unusable config: {exc}") from None
        model = Net(cfg)
        try:
            model.load_state_dict({k: v.float() for k, v in tensors.items()})
        except RuntimeError as exc:
            raise InputError(f"The INFN weights '{os.path.basename(path)}' do not fit their config: {exc}") from None
        self._base_state = tensors
        return model, tensors, man

    def row_part_context(self) -> tuple[int, int] | None:
        # HALO and LR_MARGIN cover the network's field; a part carries the base's own halo like a smaller tile
        hr_rad, lr_rad = receptive_radius(self.model.cfg)
        if hr_rad > HALO or lr_rad > LR_MARGIN:
            return None
        if self.base_method is not None:
            return max(HALO, self.base_method.halo(self.scene.ratio)), LR_MARGIN
        return HALO, LR_MARGIN

    def nodata_bands(self) -> list[int]:
        if self.guard is not None and self.guard.delegate is not None:
            return self.guard.delegate.nodata_bands()
        return list(self.skip)

    def extra_provenance(self) -> dict:
        out = {"infn_srf_estimate": getattr(self, "srf_estimate", {})} if self.adaptation else {}
        if self.base_choice:
            # a base with its own record (the blend's weights) keeps it
            own = self.base_method.provenance() if self.base_method is not None else {}
            out["infn_base"] = dict(self.base_choice, **own)
        return out

    def fuse_tile(self, tile: Tile) -> np.ndarray:
        if not self.correction:
            return self._base_only(tile)
        return self._refine(tile, self.model, self.base_method)

    def drop_correction(self) -> None:
        """Return the base alone (the guard: the network's correction made it worse on the check)."""
        self.correction = False

    def _base_only(self, tile: Tile) -> np.ndarray:
        return self._all_bands(np.asarray(self.base_method.apply(self._used_bands(tile)), np.float32), tile)

    def _all_bands(self, res: np.ndarray, tile: Tile) -> np.ndarray:
        """The fused bands ``res`` (the ones the model uses) in the tile's band order, the others nodata."""
        if len(self.used) == tile.lr.shape[0]:
            return res.astype(np.float32, copy=False)
        full = np.full((tile.lr.shape[0],) + res.shape[1:], np.nan, np.float32)
        full[self.used] = res
        return full

    def _refine(self, tile: Tile, model, base_method) -> np.ndarray:
        """``model`` on the tile, refining ``base_method``'s result (or the interpolated HSI when None)."""
        dev = self.device
        used = self.used
        all_bands = len(used) == tile.lr.shape[0]

        def t(a, scale, pick=False):
            src = a[used] if pick and not all_bands else a
            a = np.ascontiguousarray(src, dtype=np.float32)
            if scale != 1.0:        # x * 1 is x: data already in the model's units (float inputs) is not copied
                # scaled in place where ``a`` is already a copy (a row part, picked bands), else into a new array
                a = a * np.float32(1.0 / scale) if np.may_share_memory(a, src) else \
                    np.multiply(a, np.float32(1.0 / scale), out=a)
            return torch.from_numpy(a)[None].to(dev)

        base = crop = None
        hr, origin = tile.hr, tile.lr_origin
        if base_method is not None:
            base = np.asarray(base_method.apply(self._used_bands(tile)), np.float32)
            # The tile carries the base's (larger) halo; the network only needs HALO pixels around the output.
            crop = _around_core(tile, HALO)
            hr, origin = hr[(slice(None),) + crop], (origin[0] - crop[0].start, origin[1] - crop[1].start)
            anchor = t(base[(slice(None),) + crop], self.scale)
        else:
            anchor = t(tile.lr_up, self.scale, True)
        with torch.inference_mode():         # CPU threads: DeepMethod.apply, which also cuts the tile in row parts
            out = model(t(tile.lr, self.scale, True), t(hr, self.msi_scale), anchor, float(tile.ratio), origin=origin)
            res = out[0].float().mul_(self.scale).cpu().numpy()
        if crop is not None:
            base[(slice(None),) + crop] = res          # beyond the crop: the base, in the halo the engine drops
            res = base
        return self._all_bands(res, tile)
