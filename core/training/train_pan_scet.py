"""Train PanScet (PanAdapter v2) on Wald-protocol pairs of real imagery (reproducible, resumable, logged).

    .venv/bin/python -m core.training.train_pan_scet --layout 4band_vhr --out build/pan_scet/4band_vhr \
        --steps 6000 --minutes 170

The frozen body is SCET's blocks and RFDN's body from resources/weights (their manifests say where they come
from); ``--random-body`` is the ablation with the same frozen parts randomly initialised (seeded).  Every
crop gets a classical base drawn at random among core.training.pan_bases.BASES, computed once per pair on
the whole reduced image.  The ratios alternate by step; within a ratio a pair is drawn in proportion to its
pixel count.  Crops start on multiples of 4 (the work grid) and of the ratio, so the decimation phase stays
r // 2; the augmentation is a transpose, which keeps it.  L1 loss, AdamW on the trainable parts only,
warm-up + cosine, gradient clipping; the batch of step k comes from numpy.random.default_rng([seed, k]),
so a resumed run draws what an uninterrupted one would.  The right-most 15 % of every pair is validation:
its score is the mean over pairs and bases of ERGAS(network) / ERGAS(base); the best is kept as
<name>.safetensors (fp16) + manifest.  Logs: train.csv, val.csv, log.txt in --out.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from .. import metrics
from ..models.pan_scet import PanScet, PanScetConfig
from ..models.pan_scet.predict import predict_tile
from ..models.pretrained.load import load_pretrained
from ..models.weights import PLUGIN_WEIGHTS_LICENCE, save_weights
from . import pan_data
from .pan_bases import BASES, pair_bases
from .runs import append_csv, checkpoint_dir, environment, load_checkpoint, lr_at, save_checkpoint, start_session
from .train_panadapter import LAYOUTS

ENGINE = "pan_scet"
LOG_EVERY = 25


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.training.train_pan_scet", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="run folder (logs, checkpoint, best weights)")
    p.add_argument("--layout", choices=sorted(LAYOUTS), default="4band_vhr")
    p.add_argument("--data", default=pan_data.DATA)
    p.add_argument("--random-body", action="store_true", help="ablation: randomly initialised frozen parts")
    p.add_argument("--minutes", type=float, default=None, help="wall-clock budget of this session")
    p.add_argument("--steps", type=int, default=6000, help="schedule length")
    p.add_argument("--max-steps", type=int, default=None, help="stop this session after N steps (tests)")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=64, help="HR crop side (a multiple of 4 and of the ratios; the "
                   "SpaceNet-6 training parts are 64 rows high)")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--min-lr", type=float, default=1e-5)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--clip", type=float, default=1.0)
    p.add_argument("--epoch-steps", type=int, default=250, help="steps between validations / checkpoints")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--config", default="{}", help="JSON overrides of PanScetConfig")
    p.add_argument("--name", default=None)
    p.add_argument("--ensemble-with", nargs="*", default=[], metavar="NAME",
                   help="bundled networks whose corrections the method averages with this one's (manifest "
                        "key ensemble_with)")
    p.add_argument("--resume", action="store_true")
    return p


# ------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------

class PairWithBases:
    """A Wald pair and its classical bases (whole-image, then split with the pair)."""

    def __init__(self, pair: pan_data.WaldPair, bases: dict[str, np.ndarray]):
        self.pair, self.bases = pair, bases

    @property
    def ratio(self) -> int:
        return self.pair.ratio


def prepare_pairs(layout: str, data: str, log=print) -> tuple[list[PairWithBases], list[PairWithBases]]:
    """(training parts, validation parts) of every pair of the layout, each with its bases."""
    train, val = [], []
    for p in pan_data.layout_pairs(layout, data):
        bases = pair_bases(p.ms_up, p.pan, p.ratio, p.gnyq_ms, p.gnyq_pan)
        tr, va = p.split()
        cut = tr.pan.shape[1]                      # the training part ends where the split cut the pair
        train.append(PairWithBases(tr, {k: np.ascontiguousarray(b[..., :cut]) for k, b in bases.items()}))
        val.append(PairWithBases(va, {k: np.ascontiguousarray(b[..., cut:]) for k, b in bases.items()}))
        log(f"  {p.name}: ratio {p.ratio}, {p.pan.shape[0]} x {p.pan.shape[1]} (validation {va.pan.shape[1]} columns)")
    return train, val


def sample_batch(pairs: list[PairWithBases], ratio: int, n: int, size: int, rng: np.random.Generator):
    """(ms_up, pan, base, ref) float32 arrays of n crops at ``ratio``, each with a base drawn from BASES."""
    step = int(np.lcm(4, ratio))
    cand = [p for p in pairs if p.ratio == ratio and min(p.pair.pan.shape) >= size]
    if not cand:
        raise SystemExit(f"no training pair of ratio {ratio} is {size} pixels a side")
    wts = np.array([p.pair.pan.size for p in cand], float)
    out = ([], [], [], [])
    for _ in range(n):
        pb = cand[rng.choice(len(cand), p=wts / wts.sum())]
        p = pb.pair
        y = rng.integers(0, (p.pan.shape[0] - size) // step + 1) * step
        x = rng.integers(0, (p.pan.shape[1] - size) // step + 1) * step
        s = (slice(y, y + size), slice(x, x + size))
        base = pb.bases[BASES[rng.integers(len(BASES))]]
        for lst, a in zip(out, (p.ms_up, p.pan[None], base, p.ref)):
            lst.append(a[(slice(None),) + s])
    arrays = [np.stack(a) for a in out]
    if rng.random() < 0.5:
        arrays = [np.swapaxes(a, -1, -2) for a in arrays]
    return [torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)) for a in arrays]


# ------------------------------------------------------------------------------------------------
# Model and evaluation
# ------------------------------------------------------------------------------------------------

def build_model(s: dict, bands: int) -> PanScet:
    """The network of the run before any checkpoint: heads seeded, frozen parts pre-trained (or random)."""
    torch.manual_seed(s["seed"])
    model = PanScet(PanScetConfig.from_dict(dict(s["config"], bands=bands, ratios=s["ratios"])))
    scet, _ = load_pretrained("scet_x4")
    rfdn, _ = load_pretrained("rfdn_x4")
    model.load_body(scet, rfdn.state_dict())
    if s["random_body"]:
        model.randomize_frozen(s["seed"] + 7919)
    model.freeze()
    return model


def evaluate(model: PanScet, pairs: list[PairWithBases]) -> dict:
    """{pair: {base: {ERGAS, SAM, base ERGAS, base SAM}}} and the mean ERGAS ratio network / base."""
    was = model.training
    model.eval()
    res, ratios = {}, []
    for pb in pairs:
        p = pb.pair
        row = res[p.name] = {}
        for name, base in pb.bases.items():
            out = predict_tile(model, p.ms_up, p.pan, base, p.ratio, (p.ratio // 2, p.ratio // 2))
            e, eb = metrics.ergas(out, p.ref, p.ratio), metrics.ergas(base, p.ref, p.ratio)
            row[name] = {"ERGAS": e, "SAM": metrics.sam(out, p.ref), "base_ERGAS": eb,
                         "base_SAM": metrics.sam(base, p.ref)}
            ratios.append(e / eb)
    model.train(was)
    return {"pairs": res, "ergas_ratio": float(np.mean(ratios))}


def train_step(model: PanScet, opt: torch.optim.Optimizer, batch, ratio: int, clip: float) -> float:
    """One optimisation step on (ms_up, pan, base, ref); returns the L1 loss."""
    ms_up, pan, base, ref = batch
    loss = F.l1_loss(model(ms_up, pan, base, ratio, (ratio // 2, ratio // 2)), ref)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    if clip:
        torch.nn.utils.clip_grad_norm_(model.trainable_parameters(), clip)
    opt.step()
    return float(loss.detach())


# ------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------

def weights_manifest(s: dict, model: PanScet, state: dict) -> dict:
    lay = LAYOUTS[s["layout"]]
    return {
        "name": s["name"], "engine": ENGINE, "config": model.cfg.to_dict(),
        "variant": "pan_scet" + ("-random-body" if s["random_body"] else "")
                   + ("-no-body" if not model.cfg.scpa_blocks and not model.cfg.attn_blocks else ""),
        "bands": {"lr_bands": model.cfg.bands, "hr_bands": 1, "lr_order": lay["order"]},
        "ratios": list(s["ratios"]), "any_ratio": False,
        "value_range": "values / (2**bit_depth - 1), then x gain bringing the MS 99th percentile to 0.4 "
                       "(core.training.pan_data.scene_gain); output divided back",
        "parameters": model.parameter_counts(),
        "frozen_body": {"scet": "resources/weights/scet_x4.json", "rfdn": "resources/weights/rfdn_x4.json",
                        "random": bool(s["random_body"])},
        "training": {
            "data": lay["data"], "licence": lay.get("licence") or PLUGIN_WEIGHTS_LICENCE,
            "attribution": "SpaceNet 6, Maxar, CC BY-SA 4.0" if lay.get("licence") == "CC BY-SA 4.0" else None,
            "bases": list(BASES), "protocol": "Wald (pair MTF gains, phase r//2), 15 % right-most columns held out",
            "settings": {k: s[k] for k in ("batch", "size", "lr", "min_lr", "warmup", "clip", "total_steps", "seed")},
            "commands": s["commands"], "step": state["best"].get("step"),
            "train_seconds": round(state["train_seconds"], 1), "validation": state["best"].get("validation"),
        },
    } | ({"ensemble_with": list(s["ensemble_with"])} if s.get("ensemble_with") else {})


def run(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    out = args.out
    stored = start_session(out, args.threads, args.resume)
    ckpt = checkpoint_dir(out)
    logf = open(os.path.join(out, "log.txt"), "a")

    def log(msg: str) -> None:
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    command = " ".join(shlex.quote(a) for a in [sys.executable, "-m", "core.training.train_pan_scet"] +
                       list(sys.argv[1:] if argv is None else argv))
    if stored is not None:
        s = stored
        s["commands"].append(command)
    else:
        lay = LAYOUTS[args.layout]
        s = {"name": args.name or f"pan_scet_{args.layout}" + ("_random_body" if args.random_body else ""),
             "layout": args.layout, "data": args.data, "random_body": args.random_body, "batch": args.batch,
             "size": args.size, "lr": args.lr, "min_lr": args.min_lr, "warmup": args.warmup, "clip": args.clip,
             "total_steps": args.steps, "epoch_steps": args.epoch_steps, "seed": args.seed,
             "config": json.loads(args.config), "ratios": lay["ratios"], "commands": [command],
             "ensemble_with": list(args.ensemble_with),
             "environment": environment()}
    log(f"PanScet {s['name']}: loading {s['layout']} pairs and their bases ...")
    t0 = time.time()
    train, val = prepare_pairs(s["layout"], s["data"], log)
    log(f"  {len(train)} pairs in {time.time() - t0:.1f} s")
    model = build_model(s, train[0].pair.bands)
    log(f"  parameters: {model.parameter_counts()}")
    opt = torch.optim.AdamW(model.trainable_parameters(), lr=s["lr"], weight_decay=0.0)
    if args.resume:
        state = load_checkpoint(ckpt, model, opt, "cpu")
        model.freeze()
    else:
        state = {"step": 0, "train_seconds": 0.0, "best": {}, "settings": s}
        base_eval = evaluate(model, val)
        state["initial_validation"] = base_eval
        log(f"  step 0 validation: ERGAS / base {base_eval['ergas_ratio']:.4f} (1 = the base itself)")
    state["settings"] = s

    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    deadline = time.time() + 60 * args.minutes if args.minutes else None
    session_steps = 0

    def checkpoint_and_best() -> None:
        res = evaluate(model, val)
        append_csv(os.path.join(out, "val.csv"), {"step": state["step"], "ergas_ratio": res["ergas_ratio"]})
        log(f"step {state['step']}: validation ERGAS / base {res['ergas_ratio']:.4f}")
        if not state["best"] or res["ergas_ratio"] < state["best"]["ergas_ratio"]:
            state["best"] = {"step": state["step"], "ergas_ratio": res["ergas_ratio"], "validation": res}
            state["best"]["validation"]["ergas_ratio"] = res["ergas_ratio"]
            save_weights(os.path.join(out, s["name"] + ".safetensors"), model.state_dict(),
                         weights_manifest(s, model, state))
        save_checkpoint(out, model, opt, state)

    model.train()
    ratios = s["ratios"]
    while state["step"] < s["total_steps"] and not stop["flag"]:
        if deadline and time.time() > deadline or args.max_steps and session_steps >= args.max_steps:
            break
        k = state["step"]
        t = time.time()
        rng = np.random.default_rng([s["seed"], k])
        r = ratios[k % len(ratios)]
        batch = sample_batch(train, r, s["batch"], s["size"], rng)
        for g in opt.param_groups:
            g["lr"] = lr_at(k, s)
        loss = train_step(model, opt, batch, r, s["clip"])
        state["step"] += 1
        session_steps += 1
        state["train_seconds"] += time.time() - t
        if state["step"] % LOG_EVERY == 0:
            append_csv(os.path.join(out, "train.csv"), {"step": state["step"], "ratio": r, "loss": loss,
                                                        "lr": lr_at(k, s), "seconds": state["train_seconds"]})
            log(f"step {state['step']}/{s['total_steps']} x{r} loss {loss:.5f} "
                f"({state['train_seconds']:.0f} s)")
        if state["step"] % s["epoch_steps"] == 0:
            checkpoint_and_best()
    if state["step"] % s["epoch_steps"]:
        checkpoint_and_best()
    log(f"stopped at step {state['step']} ({state['train_seconds']:.0f} s of training); best "
        f"{state['best'].get('ergas_ratio')} at step {state['best'].get('step')}")
    return state


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
