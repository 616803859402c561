"""Pre-train PanAdapter's frozen bodies on generic single-band restoration (as IPT / EDSR were).

    .venv/bin/python -m core.training.pretrain_panadapter --out build/panadapter/pretrain --minutes 20 --threads 1

Two restorers train on the same batches: an EDSR-style CNN (1-band head, ``cnn.CNNBody``, 1-band tail,
global residual) and a transformer (``vit.RestorationViT``: patch embedding, task embedding, timm Blocks,
linear patch decoder, residual).  Tasks rotate per step: x2 and x4 super-resolution (area down-sampling,
bicubic up-sampling back to the input size) and denoising (Gaussian noise, sigma 0.01-0.05 of the
normalised range).  Data: single bands of Landsat-8, Sentinel-2 and CAVE (``pan_data.single_bands``),
random 64 x 64 crops with flips.  Only the bodies (``cnn_body.*``, ``vit_body.*``) are used later; the
file ``pretrained.safetensors`` (+ .json manifest) holds them and the restorers' heads.

Reproducible and resumable as core.training.train_infn (same checkpoint format, --seed, --steps /
--minutes, --resume); every setting in settings.json, the loss in train_log.csv, validation PSNR per task
in val_log.csv.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .. import metrics
from ..models.panadapter.cnn import CNNBody
from ..models.panadapter.config import PanAdapterConfig
from ..models.panadapter.vit import RestorationViT
from ..models.weights import save_weights
from . import pan_data
from .runs import append_csv, checkpoint_dir, environment, load_checkpoint, lr_at, save_checkpoint, start_session

TASKS = RestorationViT.TASKS
# Defaults of the pre-training's body config (--config overrides): the transformer learns on detail tokens
# (vit.detail); on raw values it learned nothing (validation PSNR at or below its input on every task).
PRETRAIN_CONFIG = {"vit_input": "detail"}
LOG_EVERY = 25


class CNNRestorer(nn.Module):
    def __init__(self, feats: int, blocks: int) -> None:
        super().__init__()
        self.head = nn.Conv2d(1, feats, 3, padding=1)
        self.body = CNNBody(feats, blocks)
        self.tail = nn.Conv2d(feats, 1, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.tail(self.body(self.head(x)))


def build_restorers(cfg: PanAdapterConfig) -> nn.ModuleDict:
    return nn.ModuleDict({
        "cnn": CNNRestorer(cfg.feats, cfg.resblocks),
        "vit": RestorationViT(cfg.vit_dim, cfg.vit_depth, cfg.vit_heads, cfg.vit_mlp_ratio, cfg.patch, cfg.vit_input)})


def degrade(x: torch.Tensor, task: int, gen: torch.Generator) -> torch.Tensor:
    name = TASKS[task]
    if name.startswith("sr"):
        s = int(name[2:])
        low = F.avg_pool2d(x, s)
        return F.interpolate(low, scale_factor=s, mode="bicubic", align_corners=False)
    sigma = 0.01 + 0.04 * torch.rand((x.shape[0], 1, 1, 1), generator=gen)
    return x + sigma * torch.randn(x.shape, generator=gen)


def crops(bands: list[np.ndarray], n: int, size: int, rng: np.random.Generator) -> np.ndarray:
    out = []
    for _ in range(n):
        a = bands[rng.integers(len(bands))]
        y, x = rng.integers(0, a.shape[0] - size + 1), rng.integers(0, a.shape[1] - size + 1)
        c = a[y:y + size, x:x + size]
        if rng.random() < 0.5:
            c = c[::-1]
        if rng.random() < 0.5:
            c = c.T
        out.append(np.ascontiguousarray(c))
    return np.stack(out)[:, None].astype(np.float32)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.training.pretrain_panadapter",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--data", default=pan_data.DATA)
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--min-lr", type=float, default=2e-5)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--epoch-steps", type=int, default=500)
    p.add_argument("--cave-scenes", type=int, default=6)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--config", default="{}", help="JSON overrides of PanAdapterConfig (body sizes)")
    p.add_argument("--resume", action="store_true")
    return p


def validate(models: nn.ModuleDict, val: np.ndarray, seed: int) -> dict:
    models.eval()
    res = {}
    with torch.inference_mode():
        x = torch.from_numpy(val)
        for t in range(len(TASKS)):
            gen = torch.Generator().manual_seed(seed + 1000 + t)
            y = degrade(x, t, gen)
            res[TASKS[t]] = {"input": metrics.psnr(y.numpy()[:, 0], val[:, 0], 1.0),
                             "cnn": metrics.psnr(models["cnn"](y).numpy()[:, 0], val[:, 0], 1.0),
                             "vit": metrics.psnr(models["vit"](y, t).numpy()[:, 0], val[:, 0], 1.0)}
    models.train()
    return res


def run(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    out = args.out
    stored = start_session(out, args.threads, args.resume)
    ckpt = checkpoint_dir(out)
    if stored is not None:
        s = stored
    else:
        if args.steps is None and args.minutes is None:
            raise SystemExit("give --steps or --minutes")
        s = {"data": os.path.abspath(args.data), "batch": args.batch, "size": args.size, "lr": args.lr,
             "min_lr": args.min_lr, "warmup": args.warmup, "epoch_steps": args.epoch_steps,
             "cave_scenes": args.cave_scenes, "seed": args.seed, "total_steps": args.steps,
             "config": PanAdapterConfig(**dict(PRETRAIN_CONFIG, **json.loads(args.config))).to_dict(),
             "tasks": list(TASKS),
             "loss": "L1 (CNN) + L1 (transformer)", "optimizer": "AdamW(betas=(0.9, 0.999))",
             "schedule": "linear warm-up + cosine", "minutes_first_session": args.minutes,
             "environment": environment()}
    torch.manual_seed(s["seed"])
    cfg = PanAdapterConfig.from_dict(s["config"])
    models = build_restorers(cfg)
    opt = torch.optim.AdamW(models.parameters(), lr=s["lr"])
    state = {"step": 0, "train_seconds": 0.0, "sessions": [], "validation": {}}
    if args.resume:
        state = load_checkpoint(ckpt, models, opt, "cpu")
        s = state["settings"]
    t0 = time.perf_counter()
    bands = pan_data.single_bands(s["data"], s["cave_scenes"])
    val = crops(bands, 48, s["size"], np.random.default_rng([s["seed"], 999999]))
    s["bands_images"] = len(bands)
    s["parameters"] = {k: sum(p.numel() for p in m.parameters()) for k, m in models.items()}
    print(f"pretrain: {len(bands)} single-band images loaded in {time.perf_counter() - t0:.1f} s; "
          f"parameters {s['parameters']}", flush=True)
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    session_start = time.perf_counter()
    deadline = session_start + args.minutes * 60 if args.minutes else None
    step, session_steps, losses, calib = state["step"], 0, [], []
    models.train()
    while True:
        if s["total_steps"] is not None and step >= s["total_steps"]:
            break
        if args.max_steps is not None and session_steps >= args.max_steps:
            break
        if stop["flag"] or (deadline and time.perf_counter() > deadline - 10):
            break
        ts = time.perf_counter()
        rng = np.random.default_rng([s["seed"], step])
        gen = torch.Generator().manual_seed(int(rng.integers(2 ** 31)))
        x = torch.from_numpy(crops(bands, s["batch"], s["size"], rng))
        task = step % len(TASKS)
        y = degrade(x, task, gen)
        cur = lr_at(step, s if s["total_steps"] else dict(s, total_steps=10 ** 9))
        for g in opt.param_groups:
            g["lr"] = cur
        loss = F.l1_loss(models["cnn"](y), x) + F.l1_loss(models["vit"](y, task), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(models.parameters(), 1.0)
        opt.step()
        losses.append(float(loss.detach()))
        step += 1
        session_steps += 1
        dt = time.perf_counter() - ts
        state["train_seconds"] += dt
        if s["total_steps"] is None:
            calib.append(dt)
            if len(calib) >= 20:
                per = float(np.median(calib[3:]))
                left = deadline - time.perf_counter() if deadline else 0
                s["total_steps"] = int(step + max(1, 0.92 * left / per))
                s["measured_seconds_per_step"] = per
                print(f"  schedule: {s['total_steps']} steps ({per:.3f} s/step)", flush=True)
        if step % LOG_EVERY == 0 or step == 1:
            append_csv(os.path.join(out, "train_log.csv"), {"step": step, "task": TASKS[task], "lr": f"{cur:.3e}",
                                                              "loss": f"{np.mean(losses):.6f}",
                                                              "train_seconds": round(state["train_seconds"], 1)})
            print(f"step {step}/{s['total_steps']} lr {cur:.2e} loss {np.mean(losses):.5f}", flush=True)
            losses = []
        if step % s["epoch_steps"] == 0 or (s["total_steps"] and step >= s["total_steps"]):
            v = validate(models, val, s["seed"])
            for t, d in v.items():
                append_csv(os.path.join(out, "val_log.csv"),
                            {"step": step, "task": t, **{k: round(x_, 3) for k, x_ in d.items()}})
            print("  val " + "; ".join(f"{t}: in {d['input']:.2f} cnn {d['cnn']:.2f} vit {d['vit']:.2f}"
                                       for t, d in v.items()), flush=True)
            state["validation"] = v
            state["step"], state["settings"] = step, s
            save_checkpoint(out, models, opt, state)
    state["step"], state["settings"] = step, s
    seconds = time.perf_counter() - session_start
    state["sessions"].append({"steps": session_steps, "seconds": round(seconds, 1)})
    save_checkpoint(out, models, opt, state)
    done = s["total_steps"] is not None and step >= s["total_steps"]
    tensors = {f"cnn_body.{k}": v for k, v in models["cnn"].body.state_dict().items()}
    tensors.update({f"vit_body.{k}": v for k, v in models["vit"].body.state_dict().items()})
    tensors.update({f"restorer.{k}": v.clone() for k, v in models.state_dict().items() if ".body." not in k})
    save_weights(os.path.join(out, "pretrained.safetensors"), tensors, {
        "name": "panadapter_pretrained_bodies", "engine": "panadapter-pretrain", "config": cfg.to_dict(),
        "bands": {"lr_bands": 1, "hr_bands": 1}, "ratios": [2, 4],
        "training": {"data": "single bands: Landsat-8 B2-B8, Sentinel-2 10/20 m bands (CC0), CAVE bands 5/15/25 "
                             f"of {s['cave_scenes']} scenes (research use, allowed for pre-training)",
                     "tasks": list(TASKS), "steps": step, "complete": done,
                     "train_seconds": round(state["train_seconds"], 1), "validation_psnr": state["validation"],
                     "settings": {k: s[k] for k in ("batch", "size", "lr", "min_lr", "warmup", "seed", "total_steps")}},
    }, dtype="float32")
    with open(os.path.join(out, "settings.json"), "w") as f:
        json.dump({**s, "state": {k: state[k] for k in ("step", "train_seconds", "sessions", "validation")}}, f,
                  indent=2)
    print(f"stopped at step {step}/{s['total_steps']} ({'complete' if done else 'resumable with --resume'}); "
          f"{state['train_seconds']:.0f} s of training", flush=True)
    return state


def load_pretrained(path: str) -> tuple[dict, dict, dict]:
    """(cnn_body state, vit_body state, manifest) from a verified pretrained.safetensors."""
    from ..models.weights import load_weights
    tensors, man = load_weights(path, engine="panadapter-pretrain")
    cnn = {k[len("cnn_body."):]: v for k, v in tensors.items() if k.startswith("cnn_body.")}
    vit = {k[len("vit_body."):]: v for k, v in tensors.items() if k.startswith("vit_body.")}
    return cnn, vit, man


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
