"""Scene adaptation of INFN: move a model to the user's sensor pair and fine-tune it on the scene itself.

Training data = the scene at reduced resolution (Wald's protocol, as core.wald does it for PAN/MS): the
LR-HSI is MTF-filtered and decimated by the ratio (phase ratio // 2) and the HR-MSI is MTF-filtered and
decimated onto the LR-HSI grid; the network learns (degraded HSI, MSI at HSI resolution) -> the original
HSI, and is then applied at full resolution (scale invariance, the usual assumption of Wald-style training).

Warm start from a model of another band layout (the bundled CAVE model: 31 bands 400-700 nm + RGB):
only the band-specific layers (:class:`core.models.infn.InfnBandLayers`) differ; they are initialised
from the base model by wavelength instead of at random:
  * HSI inputs (spectral and spatial encoders): each new band takes the base weights interpolated at its
    wavelength (clamped to the base range), scaled by base bands / new bands so that a layer's response to
    a spectrum keeps its size;
  * MSI inputs of the spatial encoder: the base model expects RGB = D x HSI (D: the D700 response); the
    new MSI relates to the HSI by the estimated response S (core.srf.estimate_srf), so RGB ~ A x MSI with
    A = argmin ||A S - D'|| (D' = D resampled on the new bands) and the new weights are W_rgb A;
  * output layer: zero (the network starts as exactly what it refines: the classical base on each region,
    :attr:`Region.base`, which the method chooses as hs_auto would).
Then the band layers are trained alone for a quarter of the steps, and everything together (the trunk with a 20x
smaller learning rate) for the rest: L1 + 0.05 x (1 - cosine) per pixel (the spectral angle: dark pixels count as
much as bright ones),
AdamW, cosine decay, gradient clipping, random flips (odd ratios) and transposes that keep the decimation
phase, at most 60 passes over the scene's reduced-resolution pixels or 300 steps, whichever is more (small
scenes overfit beyond that).  If the trained network does not lower the error on the pairs by at least 1 %
(``min_gain``), the start is kept.

Reproducible: batch k comes from numpy.random.default_rng([seed, k]); the number of steps is fixed after
timing the first steps (or given), so the same steps on the same data give the same weights.
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..errors import Cancelled
from ..filters import mtf_filter_decimate, upsample
from ..models.infn import INFN

# Nikon D700 response on the 31 CAVE bands (400-700 nm, 10 nm; Akhtar et al. 2014), rows R, G, B each
# normalised to sum 1 (the table behind the bundled CAVE model, ../shared/data/srf/*_rownorm.csv).
CAVE_WAVELENGTHS = np.arange(400.0, 701.0, 10.0)
D700_RGB = np.array([
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0.004785, 0.014354, 0.047847, 0.057416, 0.062201, 0.105263,
     0.095694, 0.095694, 0.086124, 0.08134, 0.076555, 0.076555, 0.066986, 0.066986, 0.062201],
    [0, 0, 0, 0, 0, 0.006098, 0.012195, 0.018293, 0.030488, 0.042683, 0.073171, 0.079268, 0.091463, 0.097561,
     0.103659, 0.121951, 0.079268, 0.067073, 0.054878, 0.030488, 0.006098, 0.006098, 0.006098, 0.006098,
     0.006098, 0.006098, 0.006098, 0.006098, 0.012195, 0.012195, 0.018293],
    [0.025, 0.035, 0.06, 0.075, 0.115, 0.125, 0.15, 0.13, 0.12, 0.095, 0.05, 0.02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
     0, 0, 0, 0, 0, 0, 0, 0, 0],
])


# ------------------------------------------------------------------------------------------------
# Reduced-resolution training pairs
# ------------------------------------------------------------------------------------------------

@dataclass
class Region:
    """One reduced-resolution training image (all scaled to about [0, 1])."""
    lr: np.ndarray        # (B, h, w)   the HSI degraded by the ratio
    msi: np.ndarray       # (M, H, W)   the MSI on the HSI grid
    up: np.ndarray        # (B, H, W)   ``lr`` interpolated back (the engine's interpolator)
    target: np.ndarray    # (B, H, W)   the HSI itself
    valid: np.ndarray     # (H, W) bool
    base: np.ndarray | None = None   # (B, H, W) the classical fusion a base-refining network refines

    @property
    def anchor(self) -> np.ndarray:
        """What the network refines (its ``lr_up`` input): the base, else the interpolated HSI."""
        return self.up if self.base is None else self.base


@dataclass
class PairSet:
    regions: list = field(default_factory=list)
    ratio: int = 4

    @property
    def pixels(self) -> int:
        return int(sum(r.valid.sum() for r in self.regions))


def tile_at_hsi_grid(tile, used: Sequence[int], gnyq_hr: float):
    """(hsi (B, H, W), msi (M, H, W), valid (H, W)) of a sample tile on its LR-HSI grid: the MSI MTF-filtered
    and decimated at the tile's LR pixel centres (nearest HR pixel where the grids are offset by a fraction)."""
    r = int(tile.ratio)
    p0, p1 = (int(v) for v in tile.phase)
    msi = mtf_filter_decimate(tile.hr, gnyq_hr, r, (p0, p1))
    ok = tile.valid[p0::r, p1::r]
    d0 = int(round((p0 - tile.lr_origin[0]) / r))          # MSI sample k sits on LR row k + d0
    d1 = int(round((p1 - tile.lr_origin[1]) / r))
    hl, wl = tile.lr.shape[-2:]
    k0, k1 = max(0, -d0), min(msi.shape[-2], hl - d0)
    l0, l1 = max(0, -d1), min(msi.shape[-1], wl - d1)
    if k1 <= k0 or l1 <= l0:
        return None
    hsi = tile.lr[list(used)][:, d0 + k0:d0 + k1, d1 + l0:d1 + l1]
    return hsi, msi[:, k0:k1, l0:l1], ok[k0:k1, l0:l1]


def make_region(hsi: np.ndarray, msi: np.ndarray, valid: np.ndarray, ratio: int, gnyq_lr) -> Region | None:
    """Wald reduction of one (HSI, MSI at HSI resolution) pair; None when too small (< 2 degraded pixels)."""
    r = int(ratio)
    h, w = hsi.shape[-2:]
    if h < 2 * r or w < 2 * r:
        return None
    lr = mtf_filter_decimate(hsi, gnyq_lr, r)
    up = upsample(lr, r, (h, w)).astype(np.float32)
    return Region(np.ascontiguousarray(lr, np.float32), np.ascontiguousarray(msi, np.float32), up,
                  np.ascontiguousarray(hsi, np.float32), valid.astype(bool))


def sample_batch(pairs: PairSet, rng: np.random.Generator, batch: int, lr_patch: int, augment: bool = True):
    """``batch`` crops of ``lr_patch`` degraded pixels (aligned on the ratio) from random regions; a region
    smaller than the patch is used whole (batch 1).  Returns torch tensors (lr, msi, anchor, target, valid)."""
    r = pairs.ratio
    big = [g for g in pairs.regions if min(g.lr.shape[-2:]) >= lr_patch]
    if not big:
        g = pairs.regions[int(rng.integers(len(pairs.regions)))]
        parts = [(g.lr, g.msi, g.anchor, g.target, g.valid)]
    else:
        positions = sum((g.lr.shape[-2] - lr_patch + 1) * (g.lr.shape[-1] - lr_patch + 1) for g in big)
        parts = []
        for _ in range(max(1, min(batch, positions))):
            g = big[int(rng.integers(len(big)))]
            best = None
            for _try in range(4):             # prefer crops without nodata
                i = int(rng.integers(0, g.lr.shape[-2] - lr_patch + 1))
                j = int(rng.integers(0, g.lr.shape[-1] - lr_patch + 1))
                hs = (slice(i * r, (i + lr_patch) * r), slice(j * r, (j + lr_patch) * r))
                v = g.valid[hs]
                if v.shape != (lr_patch * r, lr_patch * r):
                    continue
                if best is None or v.mean() > best[1]:
                    best = ((i, j, hs), v.mean())
                if v.all():
                    break
            if best is None:
                continue
            i, j, hs = best[0]
            parts.append((g.lr[:, i:i + lr_patch, j:j + lr_patch], g.msi[(slice(None),) + hs],
                          g.anchor[(slice(None),) + hs], g.target[(slice(None),) + hs], g.valid[hs]))
        if not parts:
            return None
    if augment:
        parts = [_dihedral(p, r, rng) for p in parts]
    return tuple(torch.from_numpy(np.ascontiguousarray(np.stack([p[k] for p in parts]))) for k in range(5))


def _dihedral(part, ratio: int, rng: np.random.Generator):
    """A random flip / transpose of one (lr, msi, up, target, valid) crop that keeps the decimation phase:
    flips only for odd ratios (LR pixel k stays on HR pixel r*k + r//2), transposes for any ratio, and only
    when the HR size is exactly ratio x the LR size."""
    lr = part[0]
    hh, ww = part[3].shape[-2:]
    if (hh, ww) != (lr.shape[-2] * ratio, lr.shape[-1] * ratio):
        return part
    tr, fy, fx = (bool(v) for v in rng.integers(0, 2, size=3))
    if ratio % 2 == 0:
        fy = fx = False
    out = []
    for a in part:
        if fy:
            a = a[..., ::-1, :]
        if fx:
            a = a[..., :, ::-1]
        if tr:
            a = np.swapaxes(a, -1, -2)
        out.append(a)
    return tuple(out)


def patch_size(pairs: PairSet, wanted: int = 12) -> int:
    """Degraded-pixel side of the training crops: ``wanted``, or the size of the largest region."""
    largest = max(min(g.lr.shape[-2:]) for g in pairs.regions)
    return max(1, min(wanted, largest))


# ------------------------------------------------------------------------------------------------
# Warm start of the band layers
# ------------------------------------------------------------------------------------------------

def interp_matrix(new_wl: Sequence[float], base_wl: Sequence[float]) -> np.ndarray:
    """(len(new), len(base)): row j = linear interpolation weights of wavelength j on the base bands (clamped)."""
    base = np.asarray(base_wl, float)
    out = np.zeros((len(new_wl), len(base)))
    for j, w in enumerate(new_wl):
        w = min(max(float(w), base[0]), base[-1])
        k = int(np.clip(np.searchsorted(base, w) - 1, 0, len(base) - 2))
        t = (w - base[k]) / (base[k + 1] - base[k])
        out[j, k], out[j, k + 1] = 1.0 - t, t
    return out


def rgb_from_msi(srf: np.ndarray, wavelengths: Sequence[float]) -> np.ndarray | None:
    """A (3, M) with RGB(D700) ~ A x MSI, from the estimated response ``srf`` (M, B) on the HSI bands; None
    when no HSI band lies in the D700 range."""
    wl = np.asarray(wavelengths, float)
    inside = (wl >= CAVE_WAVELENGTHS[0] - 5) & (wl <= CAVE_WAVELENGTHS[-1] + 5)
    if inside.sum() < 3:
        return None
    d = np.stack([np.interp(wl, CAVE_WAVELENGTHS, row, left=0.0, right=0.0) for row in D700_RGB])
    d[:, ~inside] = 0.0
    d /= np.maximum(d.sum(axis=1, keepdims=True), 1e-12)             # each row sums to one again
    a, *_ = np.linalg.lstsq(srf.T, d.T, rcond=None)                   # srf.T (B, M) @ a (M, 3) ~ d.T
    return a.T


@torch.no_grad()
def warm_start_band_layers(model: INFN, base_state: dict, base_wavelengths: Sequence[float],
                           new_wavelengths: Sequence[float] | None, rgb_map: np.ndarray | None) -> list[str]:
    """Initialise ``model.bands`` (already the new layout) from a base model's band layers; returns notes."""
    notes = []
    nb = model.bands.hsi_bands
    base_b = len(base_wavelengths)
    wl = list(new_wavelengths) if new_wavelengths is not None and all(w is not None for w in new_wavelengths) \
        else list(np.linspace(base_wavelengths[0], base_wavelengths[-1], nb))
    if new_wavelengths is None:
        notes.append("HSI wavelengths unknown: bands spread evenly over the base model's range")
    p = torch.from_numpy(interp_matrix(wl, base_wavelengths)).float()          # (nb, base_b)
    gain = base_b / nb
    spe_w = base_state["bands.spe_in.weight"].float()                           # (o, base_b, 3, 3)
    model.bands.spe_in.weight.copy_(torch.einsum("oikl,ji->ojkl", spe_w, p) * gain)
    model.bands.spe_in.bias.copy_(base_state["bands.spe_in.bias"].float())
    spa_w = base_state["bands.spa_in.weight"].float()                           # (o, base_msi + base_b, 3, 3)
    base_m = spa_w.shape[1] - base_b
    new_m = model.bands.msi_bands
    w_hsi = torch.einsum("oikl,ji->ojkl", spa_w[:, base_m:], p) * gain
    if rgb_map is not None and base_m == 3:
        a = torch.from_numpy(rgb_map).float()                                   # (3, new_m)
        w_msi = torch.einsum("ockl,cm->omkl", spa_w[:, :base_m], a)
        notes.append("MSI input weights mapped from RGB through the estimated spectral response")
    else:
        w_msi = spa_w[:, :base_m].mean(dim=1, keepdim=True).expand(-1, new_m, -1, -1) * (base_m / new_m)
        notes.append("MSI input weights: the base MSI weights averaged (no usable response mapping)")
    model.bands.spa_in.weight.copy_(torch.cat([w_msi, w_hsi], dim=1))
    model.bands.spa_in.bias.copy_(base_state["bands.spa_in.bias"].float())
    # The output layer starts at zero: the network first returns what it refines (its classical base) and learns
    # its correction on the scene.  (Rows interpolated from the base model made the start far worse than
    # interpolation on EnMAP: the base's residual is specific to CAVE.)
    model.bands.out.weight.zero_()
    model.bands.out.bias.zero_()
    return notes


def check_cancel(is_cancelled: Callable[[], bool] | None) -> None:
    """Raise Cancelled when the user asked to stop: called between regions and steps, so that a cancel takes
    effect within about one region's or one step's time, not after a whole pass."""
    if is_cancelled is not None and is_cancelled():
        raise Cancelled("Cancelled by the user; no output was written.")


def interpolation_error(pairs: PairSet) -> dict:
    """Reduced-resolution error of the interpolated HSI alone (the no-fusion reference)."""
    se = ae = n = 0.0
    for g in pairs.regions:
        d = (g.up - g.target)[:, g.valid].astype(np.float64)
        se += float((d ** 2).sum())
        ae += float(np.abs(d).sum())
        n += d.size
    n = max(n, 1.0)
    return {"rmse": math.sqrt(se / n), "mae": ae / n}


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------

@dataclass
class AdaptSettings:
    seconds: float = 120.0
    steps: int | None = None         # fixed number of steps, no time limit (else fitted to ``seconds``)
    seed: int = 0
    batch: int = 8
    lr_patch: int = 12
    lr_bands: float = 1e-3
    lr_trunk: float = 5e-5
    max_epochs: float = 60.0            # cap on passes over the reduced-resolution pixels (small scenes overfit)
    min_cap_steps: int = 300            # ... but at least this many steps
    lr_detail: float = 1e-4
    sam_weight: float = 0.05            # weight of the spectral-angle term (1 - cos) in the loss
    bands_only_share: float = 0.25      # first share of the steps: band layers only
    clip: float = 1.0
    # the adapted network is kept only if it lowers the pairs' RMSE by at least this share: on a small scene
    # those pairs are all it trained on, and a smaller gain there was a loss on the truth (infn_quality.md)
    min_gain: float = 0.01


@torch.no_grad()
def evaluate(model: INFN, pairs: PairSet, device, is_cancelled: Callable[[], bool] | None = None) -> dict:
    """Reduced-resolution error of the model on all regions: RMSE and mean absolute error (scaled units)."""
    model.eval()
    se = ae = n = 0.0
    for g in pairs.regions:
        check_cancel(is_cancelled)
        h, w = g.target.shape[-2:]
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a))[None].to(device)
        out = model(t(g.lr), t(g.msi), t(g.anchor), pairs.ratio,
                    origin=(pairs.ratio // 2, pairs.ratio // 2))[0].cpu().numpy()
        d = (out - g.target)[:, g.valid]
        se += float((d.astype(np.float64) ** 2).sum())
        ae += float(np.abs(d).sum())
        n += d.size
    n = max(n, 1.0)
    return {"rmse": math.sqrt(se / n), "mae": ae / n}


def adapt(model: INFN, pairs: PairSet, settings: AdaptSettings, device,
          progress: Callable[[float], None] | None = None, is_cancelled: Callable[[], bool] | None = None,
          log: Callable[[str], None] | None = None) -> dict:
    """Fine-tune ``model`` on ``pairs`` in place; returns a report (steps, seconds, error before / after)."""
    progress = progress or (lambda _f: None)
    is_cancelled = is_cancelled or (lambda: False)
    log = log or (lambda _m: None)
    t0 = time.perf_counter()
    r = pairs.ratio
    origin = (r // 2, r // 2)
    n = patch_size(pairs, settings.lr_patch)
    before = evaluate(model, pairs, device, is_cancelled)
    # Groups: band layers; the trunk (frozen at first); the linear detail path's injection of models adapted by
    # version 0.4 and earlier (slow: it starts at its closed-form optimum).  The estimated spectral response
    # itself stays fixed.
    detail = [p for n_, p in model.bands.named_parameters() if n_.startswith("inject")]
    for n_, p in model.bands.named_parameters():
        if n_.startswith("srf"):
            p.requires_grad_(False)
    fixed = {id(p) for n_, p in model.bands.named_parameters() if n_.startswith(("srf", "inject"))}
    band_params = [p for p in model.bands.parameters() if id(p) not in fixed]
    band_ids = {id(p) for p in model.bands.parameters()}
    trunk_params = [p for p in model.parameters() if id(p) not in band_ids]
    groups = [{"params": band_params, "lr": settings.lr_bands}, {"params": trunk_params, "lr": 0.0}]
    if detail:
        groups.append({"params": detail, "lr": settings.lr_detail})
    opt = torch.optim.AdamW(groups, weight_decay=0.0)
    start_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    total = settings.steps
    budget = max(1.0, float(settings.seconds) - (time.perf_counter() - t0))
    start = time.perf_counter()
    step = 0
    losses = []
    timing = []
    model.train()
    while True:
        if total is not None and step >= total:
            break
        elapsed = time.perf_counter() - start
        if elapsed > budget and settings.steps is None:          # a given number of steps always runs to the end
            if total is not None:
                log(f"INFN adaptation: time budget reached after {step} of {total} steps.")
            break
        if is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        ts = time.perf_counter()
        frac = step / total if total else 0.0
        cos = 0.5 * (1.0 + math.cos(math.pi * min(frac, 1.0)))
        opt.param_groups[0]["lr"] = settings.lr_bands * cos
        opt.param_groups[1]["lr"] = settings.lr_trunk * cos if frac >= settings.bands_only_share else 0.0
        if detail:
            opt.param_groups[2]["lr"] = settings.lr_detail * cos
        batch = sample_batch(pairs, np.random.default_rng([settings.seed, step]), settings.batch, n)
        if batch is None:
            break
        lr_t, msi_t, up_t, tgt_t, val_t = (b.to(device) for b in batch)
        pred = model(lr_t, msi_t, up_t, r, origin=origin)
        w = val_t[:, None].to(pred.dtype)
        loss = (torch.abs(pred - tgt_t) * w).sum() / (w.sum() * pred.shape[1]).clamp_min(1.0)
        if settings.sam_weight:
            # spectral-angle term: dark pixels (water, shadow) weigh as much as bright ones
            cos = F.cosine_similarity(pred, tgt_t, dim=1, eps=1e-6)
            loss = loss + settings.sam_weight * ((1.0 - cos) * w[:, 0]).sum() / w.sum().clamp_min(1.0)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if settings.clip:
            torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip)
        opt.step()
        losses.append(float(loss.detach()))
        step += 1
        if total is None:
            timing.append(time.perf_counter() - ts)
            if len(timing) == 5:
                per = float(np.median(timing[1:]))
                total = max(step + 1, int((budget - (time.perf_counter() - start)) / per * 0.9) + step)
                per_step = float(val_t.sum())                       # reduced-resolution pixels per step
                cap = max(settings.min_cap_steps,
                          int(math.ceil(settings.max_epochs * pairs.pixels / max(per_step, 1.0))))
                capped = cap < total
                total = max(step + 1, min(total, cap))
                log(f"INFN adaptation: {total} steps of {per:.2f} s planned (batch {lr_t.shape[0]}, "
                    f"{tuple(tgt_t.shape[-2:])} pixels" + (f"; capped at {settings.max_epochs:g} passes over the "
                                                            "scene's pixels" if capped else "") + ").")
        progress(min(1.0, step / total if total else (time.perf_counter() - start) / budget))
    model.eval()
    after = evaluate(model, pairs, device, is_cancelled)
    kept = "adapted"
    if after["rmse"] > before["rmse"] * (1.0 - settings.min_gain):
        # Training did not lower the reduced-resolution error clearly (too few steps on too little data): keep
        # the start, which for a new band layout is exactly the classical base.
        model.load_state_dict(start_state)
        kept = f"start (adaptation did not lower the error by {settings.min_gain:.0%})"
        log(f"INFN adaptation: the adapted network did not lower the error on the reduced-resolution pairs by "
            f"{settings.min_gain:.0%} ({before['rmse']:.5f} -> {after['rmse']:.5f}); the start is kept.")
        after = before
    for p in model.parameters():
        p.requires_grad_(True)
    return {"kept": kept, "steps": step, "planned_steps": total, "seconds": round(time.perf_counter() - t0, 1),
            "patch": n * r, "seed": settings.seed,
            "error_before": before, "error_after": after, "loss_first": losses[0] if losses else None,
            "loss_last": float(np.mean(losses[-10:])) if losses else None}
