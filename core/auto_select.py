"""Choosing a classical fusion method for one scene from a reduced-resolution check built on the scene itself.

Check (Wald's protocol on the scene's own data, on the sample blocks the engine reads for statistics):
the LR input is blurred with its sensor MTF and decimated by the ratio, the HR input is blurred with its
MTF and sampled on the LR pixel centres; every candidate method is prepared and applied on this reduced
pair and scored against the LR input itself (ERGAS, SAM, Q2n).

Full-resolution guard (pansharpening): the ``GUARD_TOP`` best fusing candidates of the check are also
prepared and applied at the scene's own scale on a few sample blocks and scored without reference by
HQNR; one whose HQNR is below ``HQNR_GATE`` times the best of them is left out (EXP, which fuses nothing,
is never left out and does not set the best).  The check alone misses methods whose detail does not fit
the scene (e.g. Brovey with a PAN that does not see the MS bands: good on the check, poor at the true
scale and by HQNR).

Rule (:func:`choose`): methods that fit their injection model by simulating exactly the check's
degradation (BDSD-PC: ``FITS_AT_CHECK_SCALE``) meet, in the check, data made by the very model they
fitted, so their check score is optimistic: their check ERGAS is multiplied by ``FIT_PENALTY``.  Among the
candidates the guard keeps, the lowest ERGAS wins; candidates within ``ERGAS_TIE`` of it are tied, and
among them the lowest SAM (within ``SAM_TIE``), then the highest Q2n (computed for the tied ones
only), decides.  The constants are set from bench/bench_auto.py (bench/results/auto_selection.md).
"""
from __future__ import annotations

import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Callable

import numpy as np

from . import filters, metrics
from .methods.base import SceneInfo, Tile
from .methods.registry import HSMS_AUTO_CANDIDATES, find_spec

PAN_CANDIDATES = ("exp", "brovey", "bt_h", "gsa", "bdsd_pc", "mtf_glp_hpm", "mtf_glp_fs", "awlp")
HSMS_CANDIDATES = HSMS_AUTO_CANDIDATES
# Used when the scene is too small for a check (its reduced LR image under MIN_CHECK_LR pixels a side).
PAN_FALLBACK = "mtf_glp_fs"
HSMS_FALLBACK = "mtf_glp_hs"
FITS_AT_CHECK_SCALE = ("bdsd_pc",)
NO_FUSION = ("exp", "hs_exp")      # interpolation only: exempt from the HQNR guard
FIT_PENALTY = 1.05
HQNR_GATE = 0.90              # relative to the best guarded candidate's HQNR
GUARD_TOP = 4                 # fusing candidates guarded: the best ones of the check
HQNR_BLOCKS = 2               # sample blocks scored at full resolution (the most central ones)
HQNR_SIDE = 256               # at most this many output pixels a side per block
ERGAS_TIE = 0.01              # relative
SAM_TIE = 0.02                # relative
MIN_CHECK_LR = 4              # reduced LR pixels a side, at least
CHECK_CONTEXT = 24            # LR pixels of context around each sample block (Auto's sample halo / ratio)
THREADS = 2                   # candidates checked side by side, as the engine fuses tiles
EDGE_CUT = 4                  # check pixels not scored next to a block edge (mirror-padded filters)


@dataclass
class CheckBlock:
    tile: Tile                 # the reduced pair, as a method sees it (its grid = the LR input's grid)
    reference: np.ndarray      # (bands, h, w) the LR input on that grid
    scored: np.ndarray         # (h, w) bool: pixels that count in the score


@dataclass
class CandidateScore:
    method: str
    ergas: float = math.nan
    sam: float = math.nan
    q2n: float = math.nan
    hqnr: float = math.nan         # at the scene's own scale, on HQNR_BLOCKS sample blocks
    rank_ergas: float = math.nan   # ERGAS after the fit penalty: what the rule ranks
    kept: bool = True              # passed the HQNR guard
    seconds: float = 0.0
    error: str = ""

    def as_dict(self) -> dict:
        return {k: (None if isinstance(v, float) and math.isnan(v) else
                    (round(v, 5) if isinstance(v, float) else v)) for k, v in asdict(self).items()}


def check_block(t: Tile, scene: SceneInfo) -> CheckBlock | None:
    """The reduced pair of one sample tile, or None when it is too small to fuse."""
    r = t.ratio
    lr = np.asarray(t.lr, dtype=np.float32)
    h, w = t.hr.shape[-2:]
    # LR pixel (i, j) sits on HR pixel (a_row + r i, a_col + r j) (rounded: sub-pixel grids as in core.wald).
    a_row, a_col = (int(round(c)) for c in t.lr_origin)
    i0, j0 = max(0, -(a_row // r)), max(0, -(a_col // r))
    p0, q0 = a_row + r * i0, a_col + r * j0
    n = min(lr.shape[1] - i0, len(range(p0, h, r)))
    m = min(lr.shape[2] - j0, len(range(q0, w, r)))
    if n < MIN_CHECK_LR * r or m < MIN_CHECK_LR * r:
        return None
    hr_red = filters.mtf_filter_decimate(np.asarray(t.hr, dtype=np.float32), scene.gnyq_hr, r, (p0, q0))
    hr_red = hr_red[:, :n, :m].astype(np.float32, copy=False)
    reference = lr[:, i0:i0 + n, j0:j0 + m]
    valid = t.valid[p0::r, q0::r][:n, :m]
    gains = list(scene.gnyq_lr) if len(scene.gnyq_lr) == lr.shape[0] else [scene.gnyq_lr[0]] * lr.shape[0]
    ph = r // 2
    lr_red = filters.mtf_filter_decimate(reference, gains, r, (ph, ph)).astype(np.float32, copy=False)
    lr_up = filters.upsample(lr_red, r, (n, m), offset=(ph, ph)).astype(np.float32, copy=False)
    # The sample's core, on the LR grid: the statistics of the candidates and the score use it.
    rows = np.arange(n) * r + p0
    cols = np.arange(m) * r + q0
    in_core = ((rows >= (t.core[0].start or 0)) & (rows < (t.core[0].stop or h)))[:, None] & \
              ((cols >= (t.core[1].start or 0)) & (cols < (t.core[1].stop or w)))[None, :]
    ys, xs = np.flatnonzero(in_core.any(axis=1)), np.flatnonzero(in_core.any(axis=0))
    if ys.size == 0 or xs.size == 0:
        return None
    core = (slice(int(ys[0]), int(ys[-1]) + 1), slice(int(xs[0]), int(xs[-1]) + 1))
    cut = min(EDGE_CUT, max(0, (min(n, m) - 2 * MIN_CHECK_LR * r) // 2))
    scored = in_core & valid
    if cut:
        scored[:cut] = scored[-cut:] = False
        scored[:, :cut] = scored[:, -cut:] = False
    tile = Tile(hr=hr_red, lr_up=lr_up, lr=lr_red, valid=valid, ratio=r, phase=(ph, ph),
                lr_origin=(float(ph), float(ph)), core=core)
    return CheckBlock(tile, reference, scored)


def check_scene(scene: SceneInfo) -> SceneInfo:
    """The scene as the check sees it: same sensor and bands (a method is prepared on the reduced pair)."""
    return SceneInfo(**{**vars(scene), "options": dict(scene.options), "lr_bad_bands": list(scene.lr_bad_bands)})


def _ergas_sam(fused: list[np.ndarray], blocks: list[CheckBlock], ratio: int, bands: list[int]) -> tuple[float, float]:
    """ERGAS and SAM of ``bands`` over every scored pixel of every block."""
    f = np.concatenate([x[bands][:, b.scored] for x, b in zip(fused, blocks)], axis=1)[:, None, :]
    ref = np.concatenate([b.reference[bands][:, b.scored] for b in blocks], axis=1)[:, None, :]
    return metrics.ergas(f, ref, ratio), metrics.sam(f, ref)


def _q2n(fused: list[np.ndarray], blocks: list[CheckBlock], bands: list[int]) -> float:
    """Q2n (32 x 32 windows) of ``bands`` in each block, averaged with the blocks' scored areas as weights."""
    q_sum = q_w = 0.0
    for x, b in zip(fused, blocks):
        ys, xs = np.flatnonzero(b.scored.any(axis=1)), np.flatnonzero(b.scored.any(axis=0))
        box = (bands, slice(ys[0], ys[-1] + 1), slice(xs[0], xs[-1] + 1))
        rb = b.reference[box]
        # Q2n casts to uint16 (toolbox): data in [0, 1] or similar are scaled up first (both alike).
        scale = 1.0 if float(np.max(rb)) > 255 else 10000.0 / max(float(np.max(np.abs(rb))), 1e-12)
        q = metrics.q2n(x[box] * scale, rb * scale, mask=b.scored[box[1:]])
        if np.isfinite(q):
            q_sum += q * b.scored.sum()
            q_w += b.scored.sum()
    return q_sum / q_w if q_w else math.nan


def _crop(t: Tile, y0: int, y1: int, x0: int, x1: int) -> Tile:
    """The part [y0:y1, x0:x1] of a tile (its LR pixels kept, their origin moved)."""
    r = t.ratio
    c0, c1 = t.core
    core = (slice(max(0, (c0.start or 0) - y0), max(0, min(y1, c0.stop or y1) - y0)),
            slice(max(0, (c1.start or 0) - x0), max(0, min(x1, c1.stop or x1) - x0)))
    return Tile(hr=t.hr[:, y0:y1, x0:x1], lr_up=t.lr_up[:, y0:y1, x0:x1], lr=t.lr, valid=t.valid[y0:y1, x0:x1],
                ratio=r, phase=((t.phase[0] - y0) % r, (t.phase[1] - x0) % r),
                lr_origin=(t.lr_origin[0] - y0, t.lr_origin[1] - x0), core=core)


def with_halo(t: Tile, halo: int) -> Tile:
    """The tile cut to its core plus ``halo`` pixels (what the engine reads for a method with that halo)."""
    h, w = t.hr.shape[-2:]
    (ya, yb), (xa, xb) = ((s.start or 0, s.stop or n) for s, n in zip(t.core, (h, w)))
    y0, y1, x0, x1 = max(0, ya - halo), min(h, yb + halo), max(0, xa - halo), min(w, xb + halo)
    return t if (y0, y1, x0, x1) == (0, h, 0, w) else _crop(t, y0, y1, x0, x1)


def full_scale_blocks(samples: Sequence[Tile], halo: int) -> list[Tile]:
    """Up to HQNR_BLOCKS of the samples (the most central), each cut to at most HQNR_SIDE core pixels a side
    plus ``halo``: where the candidates are scored at the scene's own scale."""
    if not samples:
        return []
    centre = np.mean([[t.core[0].start or 0, t.core[1].start or 0] for t in samples], axis=0)
    order = sorted(range(len(samples)), key=lambda i: float(np.hypot(*(np.array(
        [samples[i].core[0].start or 0, samples[i].core[1].start or 0]) - centre))))
    out = []
    for i in sorted(order[:HQNR_BLOCKS]):
        t = samples[i]
        h, w = t.hr.shape[-2:]
        (ya, yb), (xa, xb) = ((s.start or 0, s.stop or n) for s, n in zip(t.core, (h, w)))
        ny, nx = min(yb - ya, HQNR_SIDE), min(xb - xa, HQNR_SIDE)
        cy, cx = ya + (yb - ya - ny) // 2, xa + (xb - xa - nx) // 2
        out.append(_crop(t, max(0, cy - halo), min(h, cy + ny + halo), max(0, cx - halo), min(w, cx + nx + halo)))
    return out


class _GuardBlock:
    """What HQNR needs of one full-scale block besides the fused image, computed once for all candidates."""

    def __init__(self, t: Tile, ratio: int):
        self.tile = t
        core = (slice(None),) + t.core
        self.ms = t.lr_up[core].astype(np.float64)
        self.pan = t.hr[core].astype(np.float64)
        self.valid = t.valid[t.core]
        self.pan_low, self.valid_low = metrics._degraded_pan(self.pan, ratio, self.valid)
        # The LR pixels of the core (the interpolators keep the samples): Khan's index compares there.
        r = ratio
        self.phase = ((t.phase[0] - (t.core[0].start or 0)) % r, (t.phase[1] - (t.core[1].start or 0)) % r)
        self.ms_lr = self.ms[:, self.phase[0]::r, self.phase[1]::r]
        self.valid_lr = self.valid[self.phase[0]::r, self.phase[1]::r]


def guard_blocks(samples: Sequence[Tile], halo: int, ratio: int) -> list[_GuardBlock]:
    return [_GuardBlock(t, ratio) for t in full_scale_blocks(samples, halo)
            if min(t.valid[t.core].shape) >= 32 and t.valid[t.core].any()]


def _hqnr(method, blocks: Sequence[_GuardBlock], scene: SceneInfo, bands: list[int]) -> float:
    """Area-weighted HQNR of ``method`` (prepared on the blocks) over the blocks' cores: (1 - D_lambda_K)
    (1 - D_S), D_S as the toolbox (32 x 32 blocks), Khan's D_lambda on the LR grid (the fused image
    MTF-filtered and decimated against the MS itself, as HSTB's evaluation does: r^2 cheaper)."""
    r = scene.ratio
    s_lr = max(8, 32 // r)
    total = weight = 0.0
    for b in blocks:
        f = np.asarray(method.apply(b.tile), dtype=np.float64)[(bands,) + b.tile.core]
        ds = metrics._d_s_from(f, b.ms[bands], b.pan, b.pan_low, b.valid, b.valid_low, 32, 1)
        gains = [scene.gnyq_lr[i] for i in bands] if len(scene.gnyq_lr) == scene.lr_bands else list(scene.gnyq_lr)
        f_lr = filters.mtf_filter_decimate(f, gains, r, b.phase)
        dk = 1.0 - metrics.q2n(f_lr, b.ms_lr[bands], s_lr, s_lr, mask=b.valid_lr)
        v = (1.0 - dk) * (1.0 - ds)
        if np.isfinite(v):
            n = float(b.valid.sum())
            total += v * n
            weight += n
    return total / weight if weight else math.nan


class Check:
    """The check of one scene: candidates are scored on demand and keep what later questions need."""

    def __init__(self, samples: Sequence[Tile], scene: SceneInfo, get_method: Callable, candidates: Sequence[str],
                 blocks: Sequence[CheckBlock] | None = None):
        """``blocks``: the check's blocks when they are not the samples' (the deep guard's held-out parts)."""
        self.samples, self.scene, self.get_method = samples, scene, get_method
        self.blocks = list(blocks) if blocks is not None else \
            [b for b in (check_block(t, scene) for t in samples) if b is not None and b.scored.any()]
        self.info = check_scene(scene)
        # The scene's bad bands hold 0 and are written as nodata: they would make every score infinite.
        n = scene.lr_bands
        self.bands = [i for i in range(n) if i not in scene.lr_bad_bands] or list(range(n))
        self.halo = max(get_method(n).halo(scene.ratio) for n in candidates)
        self.prepared: dict = {}
        self.scores: dict[str, CandidateScore] = {}
        self._guard = None
        # The full-resolution guard is for pansharpening (HQNR compares each band with one PAN).
        self.guarded = scene.task == "pansharpen" and scene.hr_bands == 1

    def score(self, name: str) -> CandidateScore:
        """ERGAS and SAM of ``name`` on the check (a candidate that cannot run is marked, not fatal)."""
        t0 = time.perf_counter()
        cs = self.scores[name] = CandidateScore(name)
        try:
            m = self.get_method(name)
            m.prepare([b.tile for b in self.blocks], self.info)
            self.prepared[name] = m
            fused = [np.asarray(m.apply(b.tile), dtype=np.float64) for b in self.blocks]
            cs.ergas, cs.sam = _ergas_sam(fused, self.blocks, self.scene.ratio, self.bands)
            if not np.isfinite(cs.ergas):
                cs.error = "no finite score"
        except Exception as exc:          # e.g. a fit that needs more pixels than the check has
            cs.error = str(exc) or type(exc).__name__
        cs.seconds += time.perf_counter() - t0
        return cs

    def q2n(self, name: str) -> float:
        t0 = time.perf_counter()
        m = self.prepared[name]
        q = _q2n([np.asarray(m.apply(b.tile), dtype=np.float64) for b in self.blocks], self.blocks, self.bands)
        self.scores[name].seconds += time.perf_counter() - t0
        return q

    def hqnr_many(self, names: Sequence[str]) -> list[float]:
        """:meth:`hqnr` of several candidates, side by side on ``THREADS`` threads."""
        if self.guarded and self._guard is None:
            self._guard = guard_blocks(self.samples, self.halo, self.scene.ratio)
        return _parallel(self.hqnr, names)

    def hqnr(self, name: str) -> float:
        """HQNR of ``name`` at the scene's own scale on the guard blocks (NaN where there are none)."""
        if not self.guarded:
            return math.nan
        t0 = time.perf_counter()
        if self._guard is None:
            self._guard = guard_blocks(self.samples, self.halo, self.scene.ratio)
        v = math.nan
        if self._guard:
            try:
                m = self.get_method(name)
                m.prepare([b.tile for b in self._guard], self.scene)
                v = _hqnr(m, self._guard, self.scene, self.bands)
            except Exception:             # no guard value: the check alone decides for this candidate
                v = math.nan
        self.scores[name].seconds += time.perf_counter() - t0
        return v


def score_candidates(candidates: Sequence[str], samples: Sequence[Tile], scene: SceneInfo,
                     get_method: Callable, is_cancelled: Callable[[], bool] = lambda: False
                     ) -> tuple[list[CandidateScore], Check]:
    """Every candidate's ERGAS and SAM on the check built from ``samples``; ([], check) when no block is usable."""
    check = Check(samples, scene, get_method, candidates)
    if not check.blocks:
        return [], check
    return _parallel(check.score, candidates, is_cancelled), check


def _parallel(fn: Callable, names: Sequence[str], is_cancelled: Callable[[], bool] = lambda: False) -> list:
    """[fn(n) for n in names] on up to THREADS threads (numpy and scipy release the GIL); stops submitting
    once ``is_cancelled()``."""
    workers = max(1, min(THREADS, os.cpu_count() or 1, len(names)))
    if workers == 1:
        out = []
        for n in names:
            if is_cancelled():
                break
            out.append(fn(n))
        return out
    order = slowest_first(names)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {}
        for i in order:
            if is_cancelled():
                break
            futures[i] = pool.submit(fn, names[i])
        return [futures[i].result() for i in sorted(futures)]


def slowest_first(names: Sequence[str]) -> list[int]:
    """Indices of ``names`` by the registry's CPU seconds per megapixel and band, slowest first (unknown: 0, in
    their order): a slow candidate started last (CNMF among the HS-MS ones) would keep one thread busy alone."""
    def cost(i: int) -> float:
        spec = find_spec(names[i])
        return float(spec.seconds_per_mp_band or 0.0) if spec is not None else 0.0
    return sorted(range(len(names)), key=lambda i: -cost(i))


def select(candidates: Sequence[str], samples: Sequence[Tile], scene: SceneInfo, get_method: Callable,
           is_cancelled: Callable[[], bool] = lambda: False) -> tuple[str | None, list[CandidateScore]]:
    """The check, then the rule, with the HQNR guard and the Q2n tie-break computed only where the rule needs them."""
    scores, check = score_candidates(candidates, samples, scene, get_method, is_cancelled)
    return choose(scores, hqnr_of=check.hqnr_many, q2n_of=check.q2n), scores


def choose(scores: Sequence[CandidateScore], hqnr_of: Callable[[list[str]], list[float]] | None = None,
           q2n_of: Callable[[str], float] | None = None) -> str | None:
    """The rule (module docstring); fills ``rank_ergas``, ``kept`` and, where missing and a function is given,
    ``hqnr`` (of the GUARD_TOP best fusing candidates; ``hqnr_of`` takes and returns lists) and ``q2n`` (of
    the tied ones).  None when no
    candidate has a score."""
    ok = [s for s in scores if not s.error and np.isfinite(s.ergas)]
    if not ok:
        return None
    for s in ok:
        s.rank_ergas = s.ergas * (FIT_PENALTY if s.method in FITS_AT_CHECK_SCALE else 1.0)
    ok.sort(key=lambda s: s.rank_ergas)
    # The guard: the best fusing candidates of the check, by HQNR at full resolution.  Any candidate ranked
    # lower is never chosen (the best of these always passes), so they need no HQNR.
    top = [s for s in ok if s.method not in NO_FUSION][:GUARD_TOP]
    todo = [s for s in top if not np.isfinite(s.hqnr)]
    if hqnr_of is not None and todo:
        for s, v in zip(todo, hqnr_of([s.method for s in todo])):
            s.hqnr = v
    hq = [s.hqnr for s in top if np.isfinite(s.hqnr)]
    for s in ok:
        s.kept = bool(not hq or s.method in NO_FUSION or not np.isfinite(s.hqnr) or s.hqnr >= HQNR_GATE * max(hq))
    kept = [s for s in ok if s.kept]
    best = kept[0].rank_ergas
    tied = [s for s in kept if s.rank_ergas <= best * (1 + ERGAS_TIE)]
    sams = [s.sam for s in tied if np.isfinite(s.sam)]
    if sams:
        tied = [s for s in tied if np.isfinite(s.sam) and s.sam <= min(sams) * (1 + SAM_TIE)]
    if len(tied) > 1 and q2n_of is not None:
        for s in tied:
            if not np.isfinite(s.q2n):
                s.q2n = q2n_of(s.method)
    # Highest Q2n among the remaining ties (NaN last), then the lowest ranked ERGAS.
    tied.sort(key=lambda s: (-(s.q2n if np.isfinite(s.q2n) else -math.inf), s.rank_ergas))
    return tied[0].method


def _cell(v: float) -> str:
    return f"{v:7.4f}" if np.isfinite(v) else f"{'-':>7}"


def format_table(scores: Sequence[CandidateScore], chosen: str | None, label: Callable[[str], str] = str) -> str:
    lines = ["Auto: candidates on the reduced-resolution check (lower ERGAS / SAM and higher Q2n are better; "
             f"BDSD-PC ranked on ERGAS x {FIT_PENALTY:g}) and their HQNR at full resolution (left out below "
             f"{HQNR_GATE:g} x the best):",
             f"  {'method':<40} {'ERGAS':>8} {'SAM':>8} {'Q2n':>7} {'HQNR':>7} {'s':>6}"]
    for s in sorted(scores, key=lambda s: (bool(s.error), not s.kept,
                                           s.rank_ergas if np.isfinite(s.rank_ergas) else s.ergas)):
        mark = "  <- chosen" if s.method == chosen else ("  (left out: HQNR)" if not s.kept else "")
        if s.error:
            lines.append(f"  {label(s.method):<40} failed: {s.error}")
        else:
            lines.append(f"  {label(s.method):<40} {s.ergas:8.4f} {s.sam:8.4f} {_cell(s.q2n)} {_cell(s.hqnr)} "
                         f"{s.seconds:6.2f}{mark}")
    return "\n".join(lines)
