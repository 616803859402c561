"""Scene adaptation of PanAdapter: fine-tune a network on the user's scene itself before fusing it.

Wald's protocol on the input scene: on the engine's sample tiles the MS (taken at the LR pixel centres of the
interpolated MS) becomes the reference, the PAN is filtered with the PAN MTF and decimated onto the MS grid, the
MS is filtered with the band MTFs and decimated, and the trainable parts of both stages (input heads, LPE,
fusion, Tail1, Q embedding, tokenisers, adapters, Tail2) are fine-tuned on random crops (flipped and transposed
at random: small scenes are seen many times) for the time budget with an L1 loss weighted per band by the
inverse band mean (relative errors, as ERGAS counts them); the pre-trained CNN and transformer bodies stay
frozen.  A network for another band count starts from a bundled one with new band-dependent layers
(``transplant``).  A quarter of each sample block, at least one crop, is held out (the crops shrink from 64
down to 32 pixels when that lets a small block be split) and a fixed set of check crops is drawn from it: when
the starting network is worse there than its own residual base (MTF-GLP-HPM), its two output layers are
zeroed first (the adaptation then starts from the base); the check loss is measured 12 times during the run
and the weights with the lowest one, the starting weights included, are kept.  Last, the spectral-direction
blend towards the interpolated MS (angle_blend) is picked on the same check crops.

The engine method (core.methods.panadapter_method) decides when to adapt and hands in the classical fusion
that gives the residual base (``fuse``), so this module imports no method.
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from .. import filters
from ..errors import Cancelled, InputError
from ..models.panadapter import PanAdapter, PanAdapterConfig, angle_blend
from ..models.panadapter.residual_base import classical_base

if TYPE_CHECKING:
    from ..methods.base import SceneInfo

BAND_DEPENDENT = ("spe.head.", "spa.head.", "q_embed.proj.", "tail1.out.", "tail2.out.",
                  "tail1.local.", "tail2.local.")


def scene_pairs(samples, scene: SceneInfo, scale: float, gain: float, base_name: str = "ms_up",
                is_cancelled=None, fuse=None) -> list[tuple]:
    """Reduced-resolution (ms_up, pan, ref, residual base) arrays, normalised, from the engine's sample tiles
    (``is_cancelled`` is checked between tiles); ``fuse`` computes the residual base ``base_name``
    (core.models.panadapter.residual_base)."""
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
        base = classical_base(base_name, ms_red_up, pan_red, r, scene.gnyq_lr, scene.gnyq_hr, fuse=fuse)
        out.append((ms_red_up, pan_red, ref.astype(np.float32), base.astype(np.float32)))
    return out


def crop_batch(pairs, n, size, r, rng):
    """Four tensors of ``n`` random size x size crops at multiples of r (the decimation phase kept) from tuples
    (a (C, H, W), pan (H, W), b (C, H, W), c (C, H, W)), each tuple drawn by its pixel count.  A tuple smaller than
    ``size`` (full-resolution blocks; Wald pairs never are) is cropped whole and mirrored up to it."""
    out = [[], [], [], []]
    wts = np.array([p[1].size for p in pairs], float)
    for _ in range(n):
        a0, pan, a2, a3 = pairs[rng.choice(len(pairs), p=wts / wts.sum())]
        s = min(size, pan.shape[0] // r * r, pan.shape[1] // r * r)
        y = rng.integers(0, (pan.shape[0] - s) // r + 1) * r
        x = rng.integers(0, (pan.shape[1] - s) // r + 1) * r
        for lst, a in zip(out, (a0, pan[None], a2, a3)):
            c = a[:, y:y + s, x:x + s]
            if s < size:
                c = np.pad(c, ((0, 0), (0, size - s), (0, size - s)), mode="symmetric")
            lst.append(c)
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
    unit = cfg.crop_unit(r)
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


def budget_used(steps: int, max_steps: int | None, elapsed: float, seconds: float) -> float:
    """Share of an adaptation's budget used, 0 to 1: ``steps`` of ``max_steps`` when a step count is given
    (whatever the time), else ``elapsed`` of ``seconds``; the run goes on while it is below 1."""
    if max_steps is not None:
        return steps / max_steps if max_steps > 0 else 1.0
    return min(1.0, elapsed / seconds)


class BestWeights:
    """The weights with the lowest check loss so far (the starting ones first) and every check's loss."""

    def __init__(self, model, loss: float) -> None:
        self.loss, self.step, self.history = loss, 0, []
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def offer(self, model, step: int, loss: float) -> None:
        self.history.append((step, round(loss, 6)))
        if loss < self.loss:
            self.loss, self.step = loss, step
            self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def restore(self, model) -> None:
        model.load_state_dict(self.state)


def adapt_model(model: PanAdapter, pairs, ratio: int, seconds: float, device, progress=None, is_cancelled=None,
                seed: int = 0, lr: float = 5e-4, batch: int = 8, max_steps: int | None = None,
                checks: int = 12) -> dict:
    """Fine-tune the trainable parts of both stages on the scene's reduced pairs for ``seconds``, or for exactly
    ``max_steps`` steps whatever the time (a run that does not depend on the machine's speed or load).

    Crops (flipped / transposed at random) are drawn from the training part of each sample block
    (_split_pairs); the loss on fixed crops of the held-out part is checked ``checks`` times during the run
    (evenly in time, or in steps with ``max_steps``) and the weights with the lowest check loss (the starting
    ones included) are kept: on small scenes longer training overfits the reduced scale.  The
    spectral-direction blend (angle_blend.choose) is then picked on the same check crops."""
    r = int(ratio)
    big, size, train, check = crop_plan(model.cfg, pairs, r)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    held = [t.to(device) for t in crop_batch(check, 8, size, r, np.random.default_rng(seed + 1))]
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
    best = BestWeights(model, before)
    t0 = time.perf_counter()
    steps = 0
    model.train()
    step_time = 0.0
    next_check = seconds / checks
    while budget_used(steps, max_steps, time.perf_counter() - t0 + step_time, seconds) < 1.0:
        check_cancel()
        ts = time.perf_counter()
        frac = budget_used(steps, max_steps, ts - t0, seconds)
        cur = lr * min(1.0, (steps + 1) / 10) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = cur * g["mult"]
        (ms_up, pan, ref, base), ph = flip_batch([t.to(device) for t in crop_batch(train, batch, size, r, rng)],
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
            progress(budget_used(steps, max_steps, time.perf_counter() - t0, seconds))
        by_steps = max_steps is not None and steps % max(1, max_steps // checks) == 0
        if by_steps or (max_steps is None and time.perf_counter() - t0 >= next_check):
            next_check += seconds / checks
            check_cancel()
            best.offer(model, steps, held_loss())
    check_cancel()
    best.offer(model, steps, held_loss())
    check_cancel()
    best.restore(model)
    model.set_stage(2)
    model.eval()
    with torch.inference_mode():
        alpha, blends = angle_blend.choose(model(held[0], held[1], r, phase, stage=2, base=held[3]), held[0], held[2],
                                           lambda a, b: adapt_loss(a, b, bw))
    return {"steps": steps, "seconds": round(time.perf_counter() - t0, 1), "crop": size, "pairs": len(big),
            "held_out": sum(c is not t for c, t in zip(check, train)),
            "restarted_from_base": restarted, "loss": "band-weighted L1",
            "check_loss_base": round(base_only, 6), "check_loss_before": round(before, 6),
            "check_loss_after": round(best.loss, 6), "kept_step": best.step, "kept": best.step > 0,
            "check_history": best.history, "angle_blend": alpha, "angle_blend_check": blends}


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
