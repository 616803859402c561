"""Scene adaptation of PanScet (PanAdapter v2): fine-tune its trainable parts on the user's scene before fusing.

The same Wald pairs, split and check as PanAdapter's adaptation (core.adapt.panadapter_adapt: the engine's
sample blocks reduced once more, a quarter of each held out, the band-weighted L1 loss, the best check kept),
with the base the method chose for the scene (``fuse``, handed in by the method so this module imports no
method).  Augmentation is a random transposition only: a flip would move the LR pixel centres inside the
work grid's blocks, which training never did.  The adaptation starts from the network even where it is worse
than its base on the check crops (PanAdapter zeroes its output layer there): on the twice-reduced check the
bundled network often loses to its base although it wins at the scale the user fuses, and such a restart threw
that away (docs/models/pan_scet.md); the deep guard still returns the classical result where the network
loses.  Crops smaller than the network's MIN_SIDE (small scenes: down to
MIN_CROP) are mirrored to that size for the forward pass and the loss is taken on the crop itself.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from ..errors import Cancelled, InputError
from ..models.pan_scet import PanScet
from ..models.pan_scet.predict import MIN_SIDE
from . import full_scale as FS, panadapter_adapt as P

MIN_CROP = 32            # reduced-resolution pixels a side: below this a held-out crop says too little


def with_base(pairs, ratio: int, gnyq_ms, gnyq_pan: float, fuse) -> list[tuple]:
    """The (ms_up, pan, ref, base) pairs of scene_pairs with the base replaced by ``fuse`` of the reduced inputs
    (``fuse(ms_up, pan, ratio, band gains, PAN gain, phase)``)."""
    r = int(ratio)
    gains = list(gnyq_ms) if np.ndim(gnyq_ms) else [float(gnyq_ms)]
    out = []
    for ms_up, pan, ref, _ in pairs:
        g = gains if len(gains) == ms_up.shape[0] else [gains[0]] * ms_up.shape[0]
        out.append((ms_up, pan, ref, np.asarray(fuse(ms_up, pan, r, g, float(gnyq_pan), (r // 2, r // 2)),
                                                np.float32)))
    return out


def can_adapt(cfg, pairs, ratio: int) -> bool:
    """Whether the pairs hold training crops of MIN_SIDE and a held-out part to check the adaptation on."""
    if not pairs:
        return False
    try:
        _big, size, train, check = P.crop_plan(cfg, pairs, int(ratio))
    except InputError:
        return False
    return size >= MIN_CROP and any(c is not t for c, t in zip(check, train))


def forward(model: PanScet, ms_up, pan, base, r: int) -> torch.Tensor:
    """The network on a batch of crops, mirrored at the bottom / right up to MIN_SIDE (which keeps the phase)."""
    h, w = pan.shape[-2:]
    x = [ms_up, pan, base]
    while x[1].shape[-2] < MIN_SIDE:
        x = [torch.cat([t, t.flip(-2)], dim=-2) for t in x]
    while x[1].shape[-1] < MIN_SIDE:
        x = [torch.cat([t, t.flip(-1)], dim=-1) for t in x]
    return model(x[0], x[1], x[2], r, (r // 2, r // 2))[..., :h, :w]


def adapt_pan_scet(model: PanScet, pairs, ratio: int, seconds: float, device, progress=None, is_cancelled=None,
                   seed: int = 0, lr: float = 3e-4, batch: int = 8, max_steps: int | None = None,
                   checks: int = 12, full=None, full_weight: float = 0.0, spatial_weight: float = 1.0,
                   gains=None, wald_weight: float = 1.0) -> dict:
    """Fine-tune ``model`` (in place) on the reduced pairs for ``seconds`` (or exactly ``max_steps`` steps, whatever
    the time: a run that does not depend on the machine's speed or load); the weights with
    the lowest loss on the held-out check crops, the starting ones included, are kept.  ``full``: the scene's
    blocks at its own scale (core.adapt.full_scale), whose spectral and spatial terms (weights ``full_weight``
    and ``full_weight`` x ``spatial_weight``; ``gains``: the bands' MTF gains, one or one per band) join the
    Wald loss."""
    r = int(ratio)
    big, size, train, check = P.crop_plan(model.cfg, pairs, r)
    if size < MIN_CROP:
        raise InputError(f"The scene is too small to adapt PanAdapter v2 at ratio {r}: the reduced-resolution "
                         f"pair needs blocks of at least {2 * MIN_CROP * r} PAN pixels along one side.")
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    held = [t.to(device) for t in P.crop_batch(check, 8, size, r, np.random.default_rng(seed + 1))]
    bw = P.band_weights(big).to(device)
    use_full = bool(full) and full_weight > 0
    if use_full:
        kernels = FS.mtf_weights(gains, r, big[0][0].shape[0]).to(device)
    params = model.trainable_parameters()
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)

    def check_cancel() -> None:
        if is_cancelled and is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")

    def held_loss() -> float:
        model.eval()
        with torch.inference_mode():
            return float(P.adapt_loss(forward(model, held[0], held[1], held[3], r), held[2], bw))

    check_cancel()
    before = held_loss()
    base_only = float(P.adapt_loss(held[3], held[2], bw))
    best = P.BestWeights(model, before)
    t0 = time.perf_counter()
    steps, step_time, next_check = 0, 0.0, seconds / checks
    model.train()
    while P.budget_used(steps, max_steps, time.perf_counter() - t0 + step_time, seconds) < 1.0:
        check_cancel()
        ts = time.perf_counter()
        frac = P.budget_used(steps, max_steps, ts - t0, seconds)
        cur = lr * min(1.0, (steps + 1) / 10) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = cur
        ms_up, pan, ref, base = [t.to(device) for t in P.crop_batch(train, batch, size, r, rng)]
        if rng.random() < 0.5:
            ms_up, pan, ref, base = (t.transpose(-2, -1) for t in (ms_up, pan, ref, base))
        loss = wald_weight * P.adapt_loss(forward(model, ms_up, pan, base, r), ref, bw)
        if use_full:
            f_ms, f_pan, f_base, f_rho = [t.to(device) for t in FS.crop_batch(full, max(1, batch // 2), MIN_SIDE,
                                                                              r, rng)]
            pred = forward(model, f_ms, f_pan, f_base, r)
            loss = loss + full_weight * (FS.spectral_loss(pred, f_ms, kernels, r, bw)
                                         + spatial_weight * FS.spatial_loss(pred, f_pan, f_rho, r))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        steps += 1
        took = time.perf_counter() - ts
        step_time = took if steps == 1 else 0.8 * step_time + 0.2 * took
        if progress:
            progress(P.budget_used(steps, max_steps, time.perf_counter() - t0, seconds))
        due = (steps % max(1, max_steps // checks) == 0) if max_steps is not None else \
            time.perf_counter() - t0 >= next_check
        if due:
            next_check += seconds / checks
            check_cancel()
            best.offer(model, steps, held_loss())
            model.train()
    check_cancel()
    best.offer(model, steps, held_loss())
    best.restore(model)
    model.eval()
    return {"steps": steps, "seconds": round(time.perf_counter() - t0, 1), "crop": size, "pairs": len(big),
            "held_out": sum(c is not t for c, t in zip(check, train)),
            "loss": "band-weighted L1" + (f" + {full_weight:g} x full-resolution spectral + "
                                          f"{full_weight * spatial_weight:g} x spatial" if use_full else ""),
            "check_loss_base": round(base_only, 6),
            "check_loss_before": round(before, 6), "check_loss_after": round(best.loss, 6),
            "kept_step": best.step, "kept": best.step > 0, "check_history": best.history}
