"""Blend: the classical HS-MS methods combined band by band, with weights fitted on the scene's own check.

Each candidate (``CANDIDATES``) is prepared on the scene as it would be alone, then applied to the scene's
reduced-resolution check (Auto's check blocks, core.auto_select: both images degraded by the ratio, the LR
input itself as the reference).  For every HSI band b the output is

    out_b = sum_k w_bk F_k,b,   sum_k w_bk = 1,

with the weights of band b fitted by least squares on the check pixels of the bands b - BAND_WINDOW ..
b + BAND_WINDOW (neighbouring bands share the fit: fewer free weights per pixel, smoother spectra).  The
weights may be negative (MAX_WEIGHT bounds them, RIDGE pulls them faintly toward the anchor): a negative weight
on one candidate turns the blend into an extrapolation of the detail another injects, which the real pairs of
bench/results/hsms_classical_quality.md needed.

Why: no single classical method is best on every band of a real sensor pair (LS detail and MTF-GLP-HS on
ERGAS, CNMF on SAM); the check tells, per band, how much of each to keep.  It assumes, as Auto and the
deep guard do, that what works at the reduced scale works at the scene's own; where the check's degradation
does not match the data (e.g. the CAVE lab protocol) the fit is poor: choose a single method there.

How it tiles: the weights are scene-wide (prepare); apply is a weighted sum of the candidates' own tiles, so
it tiles exactly where every candidate does.  A check too small to fit on falls back to LS detail alone
(logged), a candidate that cannot run on the scene is left out (logged).
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy import ndimage
from scipy.optimize import lsq_linear

from .. import auto_select, filters
from ..errors import Cancelled, InputError
from .base import FusionMethod, SceneInfo, Tile
from .hsms_lowres import good_bands

CANDIDATES = ("mtf_glp_hs", "ls_detail", "gsa_hs", "cnmf")
ANCHOR = "ls_detail"           # its weight is 1 minus the others': the blend of one candidate is that candidate
BAND_WINDOW = 2                # bands on each side whose check pixels enter a band's fit
# a candidate's weight in the fit: the blend may extrapolate one's detail (a weight above 1) but not amplify
# the tiny difference of two near-identical ones (unbounded: +2800 / -2800 on a synthetic scene)
MAX_WEIGHT = 3.0
RIDGE = 1e-4                   # times the mean square of the candidates' differences (see fit_weights)
MAX_FIT_PIXELS = 20_000
MIN_FIT_PIXELS = 8             # check pixels per fitted weight, at least (else: the anchor alone)


def _get(name: str) -> FusionMethod:
    from . import get_method  # the registry imports this module lazily
    return get_method(name)


def fit_weights(fused: dict[str, np.ndarray], reference: np.ndarray, bands: np.ndarray,
                window: int = BAND_WINDOW, anchor: str = ANCHOR, ridge: float = RIDGE) -> np.ndarray:
    """(bands of the scene, candidates) weights: for each band in ``bands`` the sum-to-one least-squares fit of
    ``reference`` (bands, N check pixels) by the candidates' ``fused`` pixels (same shape; the columns in the
    dict's order), over the band and its ``window`` neighbours on each side in ``bands``, each weight bounded
    by MAX_WEIGHT, with ``ridge`` times the mean square of the candidates' differences from the anchor
    pulling each weight toward 0 (the anchor).  Bands not in ``bands`` keep the anchor alone."""
    names = list(fused)
    a = names.index(anchor)
    others = [k for k in range(len(names)) if k != a]
    weights = np.zeros((reference.shape[0], len(names)))
    weights[:, a] = 1.0
    good = [int(b) for b in bands]
    if reference.shape[1] < MIN_FIT_PIXELS * len(others):
        return weights
    for i, b in enumerate(good):
        near = good[max(0, i - window): i + window + 1]
        x = np.stack([fused[n][near].ravel() for n in names], axis=1).astype(np.float64)
        y = reference[near].ravel().astype(np.float64)
        # sum-to-one: out = anchor + sum_k z_k (F_k - anchor)
        d = x[:, others] - x[:, [a]]
        if not (np.all(np.isfinite(d)) and np.all(np.isfinite(y))) or not np.any(d):
            continue
        # a faint ridge pins the directions the check cannot tell apart (near-identical candidates) at the anchor
        pin = np.sqrt(ridge * len(y) * float((d * d).mean())) * np.eye(len(others))
        z = lsq_linear(np.vstack([d, pin]), np.concatenate([y - x[:, a], np.zeros(len(others))]),
                       bounds=(-MAX_WEIGHT, MAX_WEIGHT)).x
        weights[b, others] = z
        weights[b, a] = 1.0 - z.sum()
    return weights


def _neutral(t: Tile) -> Tile:
    """The tile with its invalid pixels (HR, and the LR pixels that sit on them) set to each band's median over
    the valid ones: whatever fills nodata would otherwise reach the fit through every filter of the check."""
    if t.valid.all() or not t.valid.any():
        return t
    hr = np.array(t.hr, dtype=np.float32)
    hr[:, ~t.valid] = np.median(hr[:, t.valid], axis=1)[:, None]
    r = t.ratio
    rows = np.clip(np.rint(t.lr_origin[0] + r * np.arange(t.lr.shape[1])).astype(int), 0, t.valid.shape[0] - 1)
    cols = np.clip(np.rint(t.lr_origin[1] + r * np.arange(t.lr.shape[2])).astype(int), 0, t.valid.shape[1] - 1)
    on_valid = t.valid[np.ix_(rows, cols)]
    lr = np.array(t.lr, dtype=np.float32)
    if on_valid.any() and not on_valid.all():
        lr[:, ~on_valid] = np.median(lr[:, on_valid], axis=1)[:, None]
    return replace(t, hr=hr, lr=lr)


class HSBlend(FusionMethod):
    name = "hs_blend"
    candidates = CANDIDATES

    def __init__(self) -> None:
        super().__init__()
        self.methods: dict[str, FusionMethod] = {}
        self.weights: np.ndarray | None = None
        self.record: dict = {}

    def halo(self, ratio: int) -> int:
        if self.methods:
            return max(m.halo(ratio) for m in self.methods.values())
        # before prepare: the samples also carry the check's context (as Auto's do)
        return max(max(_get(n).halo(ratio) for n in self.candidates), auto_select.CHECK_CONTEXT * ratio)

    def prepare(self, samples, scene: SceneInfo) -> None:
        super().prepare(samples, scene)
        from . import method_label
        self.methods, left_out = {}, []
        for name in self.candidates:
            if self.is_cancelled():
                raise Cancelled("Cancelled by the user; no output was written.")
            m = _get(name)
            m.bind(is_cancelled=self.is_cancelled, log=lambda _m: None)
            try:
                m.prepare([auto_select.with_halo(t, m.halo(scene.ratio)) for t in samples], scene)
            except InputError as exc:
                if name == ANCHOR:
                    raise
                left_out.append(f"{method_label(name)} ({exc})")
                continue
            self.methods[name] = m
            self.warnings.extend(w for w in m.warnings if w not in self.warnings)
        if left_out:
            self._warn("Blend: left out of the blend: " + "; ".join(left_out))
        self.exact_tiles = all(m.exact_tiles for m in self.methods.values())
        self.tile_tolerance = max(m.tile_tolerance for m in self.methods.values())
        self.weights = self._fit(samples, scene)

    def _fit(self, samples, scene: SceneInfo) -> np.ndarray:
        from . import method_label
        names = list(self.methods)
        anchor_only = np.zeros((scene.lr_bands, len(names)))
        anchor_only[:, names.index(ANCHOR)] = 1.0
        blocks = [b for b in (auto_select.check_block(_neutral(t), scene) for t in samples)
                  if b is not None and b.scored.any()]
        masks = [self._fit_mask(b, scene.ratio) for b in blocks]
        pixels = int(sum(int(m.sum()) for m in masks))
        if len(names) < 2 or pixels < MIN_FIT_PIXELS * (len(names) - 1):
            why = "the scene is too small for the reduced-resolution check" if len(names) >= 2 else \
                "only one candidate could run"
            self._warn(f"Blend: {why}; the result is {method_label(ANCHOR)} alone.")
            self.record = {"reason": why, "candidates": names, "check_pixels": pixels}
            return anchor_only
        # at most MAX_FIT_PIXELS check pixels (every k-th, deterministic): 4 candidates x 200+ bands stay small
        pick = [np.flatnonzero(m.ravel()) for m in masks]
        step = max(1, pixels // MAX_FIT_PIXELS + (pixels % MAX_FIT_PIXELS > 0))
        pick = [p[::step] for p in pick]
        fused = {}
        for n in names:
            if self.is_cancelled():
                raise Cancelled("Cancelled by the user; no output was written.")
            fused[n] = np.concatenate([np.asarray(self.methods[n].apply(b.tile), dtype=np.float32).reshape(
                scene.lr_bands, -1)[:, p] for b, p in zip(blocks, pick)], axis=1)
        reference = np.concatenate([b.reference.reshape(scene.lr_bands, -1)[:, p] for b, p in zip(blocks, pick)],
                                   axis=1)
        w = fit_weights(fused, reference, good_bands(scene))
        mean = w[good_bands(scene)].mean(axis=0)
        self.record = {"candidates": names, "check_pixels": pixels, "band_window": BAND_WINDOW,
                       "mean_weights": {n: round(float(v), 4) for n, v in zip(names, mean)}}
        self._info("Blend: weights fitted on the reduced-resolution check (" + str(pixels) + " pixels), mean over "
                   "the bands: " + ", ".join(f"{method_label(n)} {v:+.2f}" for n, v in zip(names, mean)))
        return w

    @staticmethod
    def _fit_mask(block: auto_select.CheckBlock, ratio: int) -> np.ndarray:
        """The block's scored pixels away from invalid ones by an MTF filter's radius: whatever fills nodata
        reaches that far through the check's degradation and the candidates' detail filters."""
        radius = filters.mtf_radius(ratio)
        far = ndimage.minimum_filter(block.tile.valid, size=2 * radius + 1, mode="nearest")
        return block.scored & far

    def provenance(self) -> dict:
        return {"blend": dict(self.record)} if self.record else {}

    def apply(self, tile: Tile) -> np.ndarray:
        out = None
        w = self.weights.astype(np.float32)
        for k, m in enumerate(self.methods.values()):
            part = np.asarray(m.apply(tile), dtype=np.float32)
            if any(np.may_share_memory(part, a) for a in (tile.hr, tile.lr_up, tile.lr)):
                part = part.copy()
            part *= w[:, k, None, None]             # in place: a 200-band tile is a GB per copy
            if out is None:
                out = part
            else:
                out += part
        return out
