"""The deep guard: a deep method returns a classical method's result for a scene on which it loses to it.

Project rule: a deep result that loses to a classical method the plugin already has is a defect.  After a
deep method (PanAdapter, INFN) is prepared, the guard scores on the scene's own reduced-resolution check
(Wald's protocol) Auto's classical candidates (core.auto_select: the same scoring, the same rule and, for
pansharpening, the same full-resolution HQNR guard) and the deep method itself, through its own apply().
When the network loses to Auto's pick, the pick is prepared on the scene's samples and the deep method
delegates every tile to it; the log says so, and the output's metadata records which method produced the
pixels (``produced_by``) with the check's numbers (``deep_guard``).

The check must be data the network did not train on:
  * PanAdapter: the reduced-resolution pairs of the engine's sample blocks (core.adapt.panadapter_adapt
    .scene_pairs); after a scene adaptation, only the parts the adaptation held out (crop_plan: a quarter of
    each block), which it never took a training step on (it picks its kept step and its spectral blend on
    crops of them, so the network's score there is slightly optimistic);
  * INFN: the reduced-resolution regions of the sample blocks (core.adapt.infn_adapt); before a scene
    adaptation the guard holds out the last quarter of each region large enough (:func:`hold_out`), and the
    adaptation trains on the rest.
On a scene too small to hold anything out the check is the adaptation's own training data: there a loss is
conclusive (the network lost even where it trained) and the classical result is returned, while a win is
recorded as unchecked (``independent: false``).

Rule: the network and Auto's pick are compared by ERGAS (the pick's ERGAS as Auto ranks it: BDSD-PC's x
FIT_PENALTY); within ERGAS_TIE of each other they are tied and the lower SAM wins.  An INFN network that did
not adapt to the scene loses only beyond UNADAPTED_INFN_MARGIN: its check is a scale it was never trained at.
An INFN network refining a base that is not one of Auto's candidates (the blend, hs_blend) is first compared
with that base by the same rule: where it loses, its correction is dropped and the base meets Auto's pick.

Option ``guard`` (default on; false / 0 / no / off turns it off).
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .. import auto_select
from ..errors import Cancelled
from .base import FusionMethod, SceneInfo, Tile

OPTION = "guard"
MIN_HELD_LR = 4          # INFN: degraded LR pixels across the held-out part of a region, at least
# INFN without adaptation: the check's ERGAS must exceed the pick's by this share before the pick replaces it.
# On the held-out CAVE scenes the bundled network trails the pick there by 2-6 % (x4 and x8) while it beats it
# by 5-18 dB PSNR on the scene itself; PanAdapter v2's check agreed with the truth on 4 of 5 pairs, its miss
# (+12 % on the check) next to a right verdict (+18 %), so its rule keeps no margin (bench/results/guard_check.md).
UNADAPTED_INFN_MARGIN = 0.10
NETWORK_NAMES = {"panadapter": "PanAdapter", "panadapter_v2": "PanAdapter v2", "infn": "INFN"}


def guard_on(options: dict) -> bool:
    value = options.get(OPTION, True)
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


@dataclass
class GuardResult:
    """What the guard decided for one scene; ``delegate`` is the prepared classical method when it won."""
    network: str
    status: str                 # "network kept", "base returned", "classical returned", "off", "not run"
    reason: str = ""
    delegate: FusionMethod | None = None
    record: dict = field(default_factory=dict)    # the metadata item ``deep_guard``
    base: str = ""              # the network's own base, when its correction lost to it and was dropped

    @property
    def produced_by(self) -> str:
        return self.delegate.name if self.delegate is not None else (self.base or self.network)

    def provenance(self) -> dict:
        record = dict(self.record, result=self.status, **({"reason": self.reason} if self.reason else {}))
        return {"produced_by": self.produced_by, "deep_guard": record}


def off(method: FusionMethod) -> GuardResult:
    return GuardResult(method.name, "off", f"option {OPTION}=false")


# ------------------------------------------------------------------------------------------------
# The checks
# ------------------------------------------------------------------------------------------------

def _block(tile: Tile, reference: np.ndarray) -> auto_select.CheckBlock:
    """A check block scored on its valid pixels away from its edges (as Auto's check blocks)."""
    h, w = tile.valid.shape
    cut = min(auto_select.EDGE_CUT, max(0, (min(h, w) - 2) // 4))
    scored = tile.valid.copy()
    if cut:
        scored[:cut] = scored[-cut:] = False
        scored[:, :cut] = scored[:, -cut:] = False
    return auto_select.CheckBlock(tile, reference.astype(np.float32, copy=False), scored)


def reduced_tile(hr: np.ndarray, lr_up: np.ndarray, lr: np.ndarray, valid: np.ndarray, r: int) -> Tile:
    ph = r // 2
    return Tile(hr=np.ascontiguousarray(hr, np.float32), lr_up=np.ascontiguousarray(lr_up, np.float32),
                lr=np.ascontiguousarray(lr, np.float32), valid=np.ascontiguousarray(valid, bool), ratio=r,
                phase=(ph, ph), lr_origin=(float(ph), float(ph)))


def pan_check(samples: Sequence[Tile], scene: SceneInfo, cfg, adapted: bool) -> tuple[list, bool]:
    """(check blocks, independent?) for PanAdapter: the reduced pairs of the samples in input units, the
    parts the adaptation held out when it ran (the adaptation's own split, on the same pairs)."""
    from ..adapt import panadapter_adapt as P
    r = scene.ratio
    pairs = []
    for t in samples:
        # one sample at a time: scene_pairs skips blocks too small for a pair, the valid mask must follow
        got = P.scene_pairs([t], scene, 1.0, 1.0, "ms_up")
        if got:
            ms_up, pan, ref, _ = got[0]
            py, px = t.phase
            pairs.append((ms_up, pan, ref, t.valid[py::r, px::r][:pan.shape[0], :pan.shape[1]]))
    independent = True
    if adapted and pairs:
        _big, _size, train, check = P.crop_plan(cfg, pairs, r)
        held = [c for c, t in zip(check, train) if c is not t]
        independent = bool(held)
        pairs = held or train
    ph = r // 2
    return [_block(reduced_tile(pan[None], ms_up, ms_up[:, ph::r, ph::r], valid, r), ref)
            for ms_up, pan, ref, valid in pairs], independent


def hold_out(pairs):
    """(training PairSet, (check regions, independent?)) of INFN's reduced-resolution pairs: the last quarter
    (on the ratio grid, along the longer side) of every region where it spans MIN_HELD_LR degraded pixels and
    the rest keeps three times that is held out for the check; other regions are all for training.  With
    nothing held out the check is the training regions (not independent)."""
    from ..adapt import infn_adapt as A
    r = pairs.ratio
    train, held = [], []
    for g in pairs.regions:
        h, w = g.target.shape[-2:]
        axis, n = (-1, w) if w >= h else (-2, h)
        cut = (n * 3 // 4) // r * r
        if n - cut < MIN_HELD_LR * r or cut < 3 * MIN_HELD_LR * r:
            train.append(g)
            continue
        parts = []
        for a, k in ((g.lr, cut // r), (g.msi, cut), (g.up, cut), (g.target, cut), (g.valid, cut), (g.base, cut)):
            parts.append([np.ascontiguousarray(x) for x in np.split(a, [k], axis=axis)] if a is not None
                         else [None, None])
        train.append(A.Region(*(p[0] for p in parts)))
        held.append(A.Region(*(p[1] for p in parts)))
    return A.PairSet(train, r), (held or list(train), bool(held))


def hsms_regions(samples: Sequence[Tile], scene: SceneInfo, used: Sequence[int]) -> list:
    """INFN's reduced-resolution regions of the samples, in input units (the check of a network that did not
    adapt to the scene: it trained on none of it)."""
    from ..adapt import infn_adapt as A
    g = scene.gnyq_lr
    gn_lr = [g[i] if i < len(g) else g[-1] for i in used] if len(g) > 1 else g[0]
    out = []
    for t in samples:
        x = A.tile_at_hsi_grid(t, used, scene.gnyq_hr)
        reg = A.make_region(x[0], x[1], x[2], scene.ratio, gn_lr) if x is not None else None
        if reg is not None:
            out.append(reg)
    return out


def hsms_check(regions, r: int, hsi_scale: float = 1.0, msi_scale: float = 1.0) -> list:
    """Check blocks of INFN regions (scaled by ``hsi_scale`` / ``msi_scale`` back to input units)."""
    s, m = np.float32(hsi_scale), np.float32(msi_scale)
    return [_block(reduced_tile(g.msi * m, g.up * s, g.lr * s, g.valid, r), g.target * s) for g in regions]


def band_subset(scene: SceneInfo, used: Sequence[int]) -> SceneInfo:
    """The scene as seen through the LR bands ``used`` (the check of a network that fuses only those)."""
    if list(used) == list(range(scene.lr_bands)):
        return scene
    pick = lambda seq: [seq[i] for i in used] if len(seq) == scene.lr_bands else list(seq)  # noqa: E731
    return replace(scene, lr_bands=len(used), gnyq_lr=pick(scene.gnyq_lr), lr_band_names=pick(scene.lr_band_names),
                   lr_wavelengths_nm=pick(scene.lr_wavelengths_nm), lr_bad_bands=[])


# ------------------------------------------------------------------------------------------------
# The decision
# ------------------------------------------------------------------------------------------------

def network_loses(net: auto_select.CandidateScore, rival: auto_select.CandidateScore, margin: float = 0.0) -> bool:
    """The rule (module docstring); ``rival.rank_ergas`` as Auto's choose() set it; ``margin``: the share of
    the rival's ERGAS the network may trail by and still be kept."""
    a, b = net.ergas, rival.rank_ergas if math.isfinite(rival.rank_ergas) else rival.ergas
    if not math.isfinite(a):
        return True
    if margin > 0:
        return a > b * (1.0 + margin)
    if abs(a - b) <= auto_select.ERGAS_TIE * min(a, b):
        return math.isfinite(rival.sam) and (not math.isfinite(net.sam) or net.sam > rival.sam)
    return a > b


def _check_score(name: str, method: FusionMethod, blocks: list, ratio: int, bands: list[int]
                 ) -> auto_select.CandidateScore:
    """ERGAS and SAM of a prepared ``method`` on the check ``blocks`` (its ``rank_ergas`` = its ERGAS)."""
    t0 = time.perf_counter()
    score = auto_select.CandidateScore(name)
    fused = [np.asarray(method.apply(b.tile), dtype=np.float64) for b in blocks]
    score.ergas, score.sam = auto_select._ergas_sam(fused, blocks, ratio, bands)
    score.rank_ergas, score.seconds = score.ergas, time.perf_counter() - t0
    return score


def run(method: FusionMethod, samples: Sequence[Tile], scene: SceneInfo, blocks: list, independent: bool,
        candidates: Sequence[str], check_scene: SceneInfo | None = None, where: str = "",
        margin: float = 0.0, base: FusionMethod | None = None) -> GuardResult:
    """Score ``candidates`` and the prepared ``method`` on ``blocks``; when the network loses (network_loses
    with ``margin``), prepare Auto's pick on ``samples`` (the full-scale scene) and return it as the delegate.
    ``check_scene``: the scene the check blocks have (a band subset for INFN).  ``base``: the prepared
    classical method the network refines (not one of the candidates); where the network loses to it on the
    check, ``method.drop_correction()`` makes the method return the base, which then meets Auto's pick."""
    from . import get_method, method_label
    t0 = time.perf_counter()
    net_name = NETWORK_NAMES.get(method.name, method.label)
    res = GuardResult(method.name, "not run")
    blocks = [b for b in blocks if b.scored.any()]
    if not blocks:
        res.reason = "the scene is too small for a reduced-resolution check"
        method._warn(f"{net_name}: {res.reason}; the guard against the classical methods did not run.")
        return res
    r = scene.ratio
    check = auto_select.Check(samples, check_scene or scene, get_method, candidates, blocks=blocks)
    scores = auto_select._parallel(check.score, candidates, method.is_cancelled)
    if method.is_cancelled():
        raise Cancelled("Cancelled by the user; no output was written.")
    rival_name = auto_select.choose(scores, hqnr_of=check.hqnr_many, q2n_of=check.q2n)
    own = _check_score(base.name, base, blocks, r, check.bands) if base is not None else None
    # an adaptation that kept its zero correction returns the base itself: no second pass of it on the check
    zero = own is not None and not getattr(method, "correction", True)
    net = replace(own, method=method.name) if zero else _check_score(method.name, method, blocks, r, check.bands)
    pixels = int(sum(int(b.scored.sum()) for b in blocks))
    base_row = {}
    if own is not None:
        base_row = {"base": {"method": base.name, "ergas": round(own.ergas, 5), "sam": round(own.sam, 5)}}
        if zero:
            res.base = base.name
        elif network_loses(net, own):
            base_row["network_alone"] = {"ergas": round(net.ergas, 5), "sam": round(net.sam, 5)}
            method.drop_correction()
            res.base = base.name
            method._warn(f"{net_name}'s correction made its base, {method_label(base.name)}, worse on {where} "
                         f"(ERGAS {net.ergas:.4f} vs {own.ergas:.4f}, SAM {net.sam:.3f} vs {own.sam:.3f}): the "
                         "base's result is returned.")
            net = replace(own, method=method.name)
    res.record = {"check": where, "independent": independent, "check_pixels": pixels,
                  "network": {"ergas": round(net.ergas, 5), "sam": round(net.sam, 5)}, **base_row,
                  "rule": (f"lower ERGAS on the check (the classical pick as Auto ranks it: BDSD-PC x "
                           f"{auto_select.FIT_PENALTY:g}); within {auto_select.ERGAS_TIE:.0%}: lower SAM"
                           if not margin else f"ERGAS on the check at most {margin:.0%} above the classical "
                           "pick's (a network that did not adapt to the scene)"),
                  "candidates": [s.as_dict() for s in scores]}
    if rival_name is None:
        res.reason = "no classical candidate could be scored on the check"
        method._warn(f"{net_name}: {res.reason}; the network's result is kept unchecked.")
        res.status = "base returned" if res.base else res.status
        return res
    rival = next(s for s in scores if s.method == rival_name)
    res.record["best_classical"] = rival_name
    rows = auto_select.format_table(scores, rival_name, method_label).split("\n")[1:]   # Auto's rows, own header
    method._info("\n".join([f"{net_name} guard: the classical candidates, scored as Auto scores them, and the "
                             f"network on {where} ({pixels} pixels; lower ERGAS / SAM are better):"] + rows +
                            [f"  {net_name + ' (this run)':<40} {net.ergas:8.4f} {net.sam:8.4f}"]))
    penalty = (f" x {auto_select.FIT_PENALTY:g} as Auto ranks it" if rival_name in auto_select.FITS_AT_CHECK_SCALE
               else "")
    numbers = f"ERGAS {net.ergas:.4f} vs {rival.ergas:.4f}{penalty}, SAM {net.sam:.3f} vs {rival.sam:.3f}"
    kept = "base returned" if res.base else "network kept"
    unchecked = "" if independent else (" (the scene is too small to hold pixels out of the adaptation: the check "
                                         "is data the network trained on)")
    if network_loses(net, rival, margin):
        label = method_label(rival_name)
        delegate = get_method(rival_name)
        delegate.bind(is_cancelled=method.is_cancelled, log=method.log)
        delegate.prepare([auto_select.with_halo(t, delegate.halo(r)) for t in samples], scene)
        method.warnings.extend(w for w in delegate.warnings if w not in method.warnings)
        res.delegate, res.status = delegate, "classical returned"
        # the engine asks the prepared method how to tile: as the delegate needs it
        method.exact_tiles, method.tile_threads = delegate.exact_tiles, delegate.tile_threads
        method.model = None              # not used any more (nor sent to tile workers)
        method._warn(f"{net_name} lost to {label} on this scene's reduced-resolution check ({numbers}){unchecked}; "
                     f"the {label} result is returned (GUARD=false, the option {OPTION}, writes the network's).")
    elif network_loses(net, rival):
        res.status = kept
        method._info(f"{net_name} trails {method_label(rival_name)} on this scene's reduced-resolution check "
                     f"({numbers}) by less than the {margin:.0%} allowed to a network that did not adapt to the "
                     "scene: that check is at a scale it was not trained at, where it scores worse than on the "
                     "scene itself. Its result is kept.")
    else:
        res.status = kept
        method._info(f"{net_name} beat the best classical method, {method_label(rival_name)}, on this scene's "
                     f"reduced-resolution check ({numbers})" + (unchecked[:-1] + "; a win there is not proof)"
                                                               if unchecked else "") + ".")
    res.record["seconds"] = round(time.perf_counter() - t0, 2)
    return res


# ------------------------------------------------------------------------------------------------
# The two deep methods
# ------------------------------------------------------------------------------------------------

def guard_panadapter(method, samples: Sequence[Tile], scene: SceneInfo, adapted: bool,
                     check: tuple[list, bool] | None = None) -> GuardResult:
    """The guard of a prepared PanAdapterMethod (``adapted``: a scene adaptation ran); ``check``: pan_check's
    (blocks, independent?) when the method already built them."""
    method.guard = None                      # a method prepared again: its network is what is checked
    if not guard_on(scene.options):
        return off(method)
    blocks, independent = check or pan_check(samples, scene, getattr(method.model, "cfg", None), adapted)
    where = ("the parts of the reduced-resolution sample pairs the adaptation held out" if adapted and independent
             else "the reduced-resolution sample pairs" + (" (the adaptation trained on them)" if adapted else ""))
    return run(method, samples, scene, blocks, independent, auto_select.PAN_CANDIDATES, where=where)


def guard_infn(method, samples: Sequence[Tile], scene: SceneInfo, adapted: bool) -> GuardResult:
    """The guard of a prepared INFN method; after an adaptation, ``method.guard_check`` holds what
    :func:`hold_out` kept for the check (it is dropped here: a prepared method travels to the tile workers)."""
    held = getattr(method, "guard_check", None)
    method.guard, method.guard_check = None, None
    if not guard_on(scene.options):
        return off(method)
    used = list(method.used)
    if adapted and held is not None:
        regions, independent = held
        blocks = hsms_check(regions, scene.ratio, method.scale, method.msi_scale)
        where = ("the parts of the reduced-resolution regions held out of the adaptation" if independent
                 else "the reduced-resolution regions (the adaptation trained on them)")
    else:
        if set(used) & set(scene.lr_bad_bands):
            res = GuardResult(method.name, "not run", "bands the model fuses are bad in this scene")
            method._warn(f"INFN: {res.reason}; the guard against the classical methods did not run.")
            return res
        blocks, independent = hsms_check(hsms_regions(samples, scene, used), scene.ratio), True
        where = "the reduced-resolution sample regions"
    # a base the candidates do not include (the blend) is checked against the network itself
    base = getattr(method, "base_method", None)
    base = base if base is not None and base.name not in auto_select.HSMS_CANDIDATES else None
    return run(method, samples, scene, blocks, independent, auto_select.HSMS_CANDIDATES,
               check_scene=band_subset(scene, used), where=where, margin=0.0 if adapted else UNADAPTED_INFN_MARGIN,
               base=base)
