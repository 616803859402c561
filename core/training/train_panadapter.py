"""Train PanAdapter on Wald-protocol pairs of real imagery: stage 1, then stage 2 (reproducible, resumable).

    .venv/bin/python -m core.training.train_panadapter --stage 1 --layout 4band \
        --pretrained build/panadapter/pretrain/pretrained.safetensors --out build/panadapter/4band_s1 --minutes 10
    .venv/bin/python -m core.training.train_panadapter --stage 2 --layout 4band \
        --init build/panadapter/4band_s1/panadapter_4band_s1.safetensors --out build/panadapter/4band_s2 --minutes 15

Data (core.training.pan_data): "4band" = Landsat-8 B2-B5 + PAN B8 (ratio 2) and Sentinel-2 B02/B03/B04/B08
with a synthetic PAN (ratios 2, 4); "8band" = Sentinel-2 B02-B08 + B8A (ratios 2, 4).  Steps alternate
the ratios; within a ratio a pair is drawn in proportion to its pixel count (``--pair-weight-power`` 0:
every pair alike, which gives the small Landsat-8 strips as many steps as the Sentinel-2 scene).  The
right-most 15 % of every pair is held out for validation (SAM, ERGAS, PSNR in normalised units, whole
held-out strip through the same patch-wise inference as the plugin).

Stage 1 trains the input heads, LPE, fusion and Tail1 on top of the pre-trained CNN bodies
(``--pretrained``, core.training.pretrain_panadapter); stage 2 starts from the stage-1 weights (``--init``)
and trains the Q embedding, tokenisers, adapters, decoder and Tail2 only.  Ablations: ``--random-vit``
(stage 2 with a randomly initialised frozen transformer), ``--variant pnn`` (a plain PNN-like CNN, all
parameters trained).  Loss L1, AdamW, warm-up + cosine, gradient clipping; batch of step k drawn from
numpy.random.default_rng([seed, k]); checkpoints and --resume / --minutes / --steps as
core.training.train_infn.  Output: <name>.safetensors (fp16) + <name>.json manifest, best validation
ERGAS (core.models.weights format, engine "panadapter").
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
from ..models.panadapter import PanAdapter, PanAdapterConfig
from ..models.panadapter.pnn import PNNLike
from ..models.panadapter.predict import predict_image
from ..models.panadapter.store import config_dict, load_model
from ..models.weights import PLUGIN_WEIGHTS_LICENCE, save_weights
from . import pan_data
from .pretrain_panadapter import load_pretrained
from .runs import append_csv, checkpoint_dir, environment, load_checkpoint, lr_at, save_checkpoint, start_session

LOG_EVERY = 25
# The bundled networks' settings over PanAdapterConfig's paper-like defaults (--config overrides them):
# corrections to MTF-GLP-HPM and decoders that read a neighbourhood of Q through a small CNN, the variants
# that validated best (docs/models/panadapter.md).
BUNDLED_CONFIG = {"base": "mtf_glp_hpm", "tail_local_kernel": 5, "tail_local_width": 32, "vit_input": "detail"}
LAYOUTS = {
    "4band": {"ratios": [2, 4], "order": ["blue", "green", "red", "NIR"],
              "data": "Landsat-8 OLI B2-B5 + PAN B8 (ratio 2, clear strips) and Sentinel-2 L1C B02, B03, B04, B08 "
                      "with a synthetic PAN (mean of the four 10 m bands), ratios 2 and 4; CC0"},
    "4band_vhr": {"ratios": [2, 4], "order": ["blue", "green", "red", "NIR"],
                  "data": "the 4band data plus SpaceNet-6 WorldView-2 Rotterdam tiles 2 and 3 (PAN 0.5 m + MS 2 m, "
                          "ratio 4; tile 1 held out); CC0 and CC BY-SA 4.0 (SpaceNet 6, Maxar): weights trained "
                          "on it are shipped under CC BY-SA 4.0",
                  "licence": "CC BY-SA 4.0"},
    "8band": {"ratios": [2, 4], "order": ["blue", "green", "red", "red edge 1", "red edge 2", "red edge 3",
                                          "NIR", "NIR narrow"],
              "data": "Sentinel-2 L1C B02, B03, B04, B05, B06, B07, B08, B8A on the 20 m grid with a synthetic "
                      "10 m PAN (mean of B02, B03, B04, B08), ratios 2 and 4; CC0"},
}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.training.train_panadapter", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--layout", choices=sorted(LAYOUTS), default="4band")
    p.add_argument("--stage", type=int, choices=[1, 2], default=1)
    p.add_argument("--variant", choices=["panadapter", "pnn"], default="panadapter")
    p.add_argument("--pretrained", default="build/panadapter/pretrain/pretrained.safetensors",
                   help="pre-trained bodies (stage 1)")
    p.add_argument("--init", default=None, help="stage-1 weights to start stage 2 from")
    p.add_argument("--random-vit", action="store_true", help="ablation: randomly initialised frozen transformer")
    p.add_argument("--data", default=pan_data.DATA)
    p.add_argument("--minutes", type=float, default=None)
    p.add_argument("--steps", type=int, default=None)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--size", type=int, default=64, help="HR crop side")
    p.add_argument("--pair-weight-power", type=float, default=1.0,
                   help="a pair is drawn with probability proportional to its pixel count to this power: "
                        "1 = by size (the bundled weights), 0 = every pair of the ratio alike")
    p.add_argument("--lr", type=float, default=None, help="default 1e-3 (stage 1), 5e-4 (stage 2 / pnn)")
    p.add_argument("--min-lr", type=float, default=1e-5)
    p.add_argument("--warmup", type=int, default=50)
    p.add_argument("--epoch-steps", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--config", default="{}", help="JSON overrides of PanAdapterConfig")
    p.add_argument("--name", default=None)
    p.add_argument("--resume", action="store_true")
    return p


def evaluate(model, pairs, stage=None, device="cpu") -> dict:
    """{pair: {SAM, ERGAS, PSNR}} on whole held-out pairs (normalised units; PSNR peak = 1 / gain units)."""
    was = model.training
    model.eval()
    res = {}
    for p in pairs:
        # every pair's classical base is passed, as in training: a network whose cfg.base is "ms_up" ignores it
        out = predict_image(model, p.ms_up, p.pan, p.ratio, (p.ratio // 2, p.ratio // 2), device, stage=stage,
                            base=p.base)
        res[p.name] = {"SAM": metrics.sam(out, p.ref), "ERGAS": metrics.ergas(out, p.ref, p.ratio),
                       "PSNR": metrics.psnr(out, p.ref, 1.0)}
    model.train(was)
    return res


def baseline(pairs) -> dict:
    out = {}
    for p in pairs:
        for tag, x in (("EXP", p.ms_up), ("MTF-GLP-HPM", p.base)):
            out.setdefault(tag, {})[p.name] = {"SAM": metrics.sam(x, p.ref), "ERGAS": metrics.ergas(x, p.ref, p.ratio),
                                                "PSNR": metrics.psnr(x, p.ref, 1.0)}
    return out


def _mean(res: dict, key: str) -> float:
    return float(np.mean([v[key] for v in res.values()]))


def build_model(s: dict, bands: int, seed: int):
    """The network of the run, before any checkpoint is loaded (deterministic from the seed)."""
    torch.manual_seed(seed)
    if s["variant"] == "pnn":
        model = PNNLike(bands, int(s["config"].get("width", 48)), str(s["config"].get("base", "ms_up")))
        return model, list(model.parameters())
    if s["stage"] == 1:
        cfg = PanAdapterConfig.from_dict(dict(s["config"], bands=bands))
        model = PanAdapter(cfg)
        cnn, vit, pman = load_pretrained(s["pretrained"])
        pre_input = PanAdapterConfig(**pman["config"]).vit_input
        if pre_input != cfg.vit_input:
            raise SystemExit(f"the transformer body in {s['pretrained']} was pre-trained on {pre_input!r} tokens, "
                             f"this network's vit_input is {cfg.vit_input!r}: pass --config "
                             f"'{{\"vit_input\": \"{pre_input}\"}}' or pre-train again")
        model.load_pretrained_bodies({k: v.float() for k, v in cnn.items()}, {k: v.float() for k, v in vit.items()})
    else:
        model, _man = load_model(s["init"])
        model.train()
        if s["random_vit"]:
            torch.manual_seed(seed + 7919)
            fresh = PanAdapter(model.cfg)
            model.vit.load_state_dict(fresh.vit.state_dict())
    return model, model.set_stage(s["stage"])


def weights_manifest(s: dict, model, state: dict) -> dict:
    lay = LAYOUTS[s["layout"]]
    cfg = config_dict(model)
    bands = cfg["bands"]
    counts = model.parameter_counts() if isinstance(model, PanAdapter) else \
        {"total": sum(p.numel() for p in model.parameters()), "trainable": sum(p.numel() for p in model.parameters())}
    return {
        "name": s["name"], "engine": "panadapter", "config": cfg,
        "stage": (2 if s["variant"] == "panadapter" and s["stage"] == 2
                  else (1 if s["variant"] == "panadapter" else None)),
        "variant": s["variant"] + ("-random-vit" if s.get("random_vit") else ""),
        "bands": {"lr_bands": bands, "hr_bands": 1, "lr_order": lay["order"]},
        "ratios": lay["ratios"], "any_ratio": True,
        "value_range": "values / (2**bit_depth - 1), then x gain bringing the MS 99th percentile to 0.4 "
                       "(core.training.pan_data.scene_gain); output divided back",
        "parameters": counts,
        "training": {
            "data": lay["data"], "protocol": "Wald (core.filters MTF gains 0.3 MS / 0.15 PAN, phase r//2; "
                                              "WorldView-2 preset gains for SpaceNet-6), 15 % right-most columns "
                                              "held out",
            "licence": lay.get("licence") or PLUGIN_WEIGHTS_LICENCE,
            "attribution": "SpaceNet 6, Maxar, CC BY-SA 4.0" if lay.get("licence") == "CC BY-SA 4.0" else None,
            "pretrained": s.get("pretrained_manifest"), "init": s.get("init"),
            "settings": {k: s[k] for k in ("stage", "variant", "random_vit", "batch", "size", "lr", "min_lr", "warmup",
                                           "total_steps", "seed", "loss", "optimizer", "pair_weight_power")},
            "commands": s.get("previous_commands", []) + [s.get("command", "?")],
            "step": state["best"].get("step"), "train_seconds": round(state["train_seconds"], 1),
            "previous_stages_seconds": s.get("previous_stages_seconds", {}),
            "validation": state["best"].get("validation"), "validation_baselines": s.get("baseline"),
        },
    }


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
        if args.variant == "panadapter" and args.stage == 2 and not args.init:
            raise SystemExit("--stage 2 needs --init (the stage-1 weights)")
        suffix = {"pnn": "_pnn"}.get(args.variant, f"_s{args.stage}") + ("_randvit" if args.random_vit else "")
        if args.variant == "pnn" and json.loads(args.config).get("base", "ms_up") != "ms_up":
            suffix += "_" + json.loads(args.config)["base"].split("_")[-1]
        s = {"name": args.name or f"panadapter_{args.layout}{suffix}", "layout": args.layout, "stage": args.stage,
             "variant": args.variant, "random_vit": bool(args.random_vit),
             "pretrained": os.path.abspath(args.pretrained), "init": os.path.abspath(args.init) if args.init else None,
             "data": os.path.abspath(args.data), "batch": args.batch, "size": args.size,
             "pair_weight_power": args.pair_weight_power,
             "lr": args.lr or (1e-3 if args.stage == 1 and args.variant == "panadapter" else 5e-4),
             "min_lr": args.min_lr, "warmup": args.warmup, "epoch_steps": args.epoch_steps, "seed": args.seed,
             "total_steps": args.steps,
             "config": (dict(BUNDLED_CONFIG, **json.loads(args.config)) if args.variant == "panadapter"
                        else json.loads(args.config)), "loss": "L1",
             "optimizer": "AdamW(betas=(0.9, 0.999))", "schedule": "linear warm-up + cosine",
             "ratios": LAYOUTS[args.layout]["ratios"], "environment": environment(),
             "command": "python -m core.training.train_panadapter "
                        + shlex.join(sys.argv[1:] if argv is None else argv)}
    t0 = time.perf_counter()
    pairs = pan_data.layout_pairs(s["layout"], s["data"])
    train, val = zip(*[p.split() for p in pairs])
    bands = pairs[0].bands
    model, params = build_model(s, bands, s["seed"])
    opt = torch.optim.AdamW(params, lr=s["lr"])
    state = {"step": 0, "best": {}, "train_seconds": 0.0, "sessions": []}
    if args.resume:
        state = load_checkpoint(ckpt, model, opt, "cpu")
        s = state["settings"]
        s.setdefault("pair_weight_power", 1.0)       # checkpoints from before the option drew by size
    else:
        from ..models.weights import read_manifest
        if s["variant"] == "panadapter":
            src = s["pretrained"] if s["stage"] == 1 else s["init"]
            m = read_manifest(src)
            s["pretrained_manifest"] = m["training"] if s["stage"] == 1 else m["training"].get("pretrained")
            prev = dict(m["training"].get("previous_stages_seconds", {}))
            prev["pretrain" if s["stage"] == 1 else "stage1"] = m["training"].get("train_seconds")
            s["previous_stages_seconds"] = prev
            s["previous_commands"] = list(m["training"].get("commands", []))
        s["parameters"] = model.parameter_counts() if isinstance(model, PanAdapter) else \
            {"total": sum(p.numel() for p in model.parameters())}
        s["trainable"] = sum(p.numel() for p in params)
        s["baseline"] = baseline(val)
    print(f"{s['name']}: {len(train)} pairs, {bands} bands, {s['parameters']}, trainable {s['trainable']}; "
          f"data {time.perf_counter() - t0:.1f} s", flush=True)
    stop = {"flag": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(flag=True))
    session_start = time.perf_counter()
    deadline = session_start + args.minutes * 60 if args.minutes else None
    step, session_steps, losses, calib = state["step"], 0, [], []
    eval_stage = s["stage"] if s["variant"] == "panadapter" else None

    def checkpoint_and_best():
        v = evaluate(model, val, eval_stage)
        for name, d in v.items():
            append_csv(os.path.join(out, "val_log.csv"),
                        {"step": step, "pair": name, **{k: round(x, 5) for k, x in d.items()}})
        score = _mean(v, "ERGAS")
        print(f"  val step {step}: ERGAS {score:.4f} SAM {_mean(v, 'SAM'):.4f} PSNR {_mean(v, 'PSNR'):.3f} "
              f"(EXP: ERGAS {_mean(s['baseline']['EXP'], 'ERGAS'):.4f}, MTF-GLP-HPM: ERGAS "
              f"{_mean(s['baseline']['MTF-GLP-HPM'], 'ERGAS'):.4f} "
              f"SAM {_mean(s['baseline']['MTF-GLP-HPM'], 'SAM'):.4f})",
              flush=True)
        if score < state["best"].get("score", np.inf):
            state["best"] = {"score": score, "step": step, "validation": v}
            save_weights(os.path.join(out, s["name"] + ".safetensors"), model.state_dict(),
                         weights_manifest(s, model, state))
        state["step"], state["settings"] = step, s
        save_checkpoint(out, model, opt, state)

    model.train()
    while True:
        if s["total_steps"] is not None and step >= s["total_steps"]:
            break
        if args.max_steps is not None and session_steps >= args.max_steps:
            break
        if stop["flag"] or (deadline and time.perf_counter() > deadline - 15):
            break
        ts = time.perf_counter()
        r = s["ratios"][step % len(s["ratios"])]
        rng = np.random.default_rng([s["seed"], step])
        ms_up, pan, ref, base = (torch.from_numpy(a) for a in pan_data.sample_batch(
            train, r, s["batch"], s["size"], rng, weight_power=s["pair_weight_power"]))
        cur = lr_at(step, s if s["total_steps"] else dict(s, total_steps=10 ** 9))
        for g in opt.param_groups:
            g["lr"] = cur
        pred = model(ms_up, pan, r, (r // 2, r // 2), base=base)
        loss = F.l1_loss(pred, ref)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
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
                s["total_steps"] = int(step + max(1, 0.85 * left / per))
                s["measured_seconds_per_step"] = per
                print(f"  schedule: {s['total_steps']} steps ({per:.3f} s/step)", flush=True)
        if step % LOG_EVERY == 0 or step == 1:
            append_csv(os.path.join(out, "train_log.csv"), {"step": step, "ratio": r, "lr": f"{cur:.3e}",
                                                              "loss": f"{np.mean(losses):.6f}",
                                                              "train_seconds": round(state["train_seconds"], 1)})
            print(f"step {step}/{s['total_steps']} x{r} lr {cur:.2e} loss {np.mean(losses):.5f}", flush=True)
            losses = []
        if step % s["epoch_steps"] == 0 or (s["total_steps"] and step >= s["total_steps"]):
            checkpoint_and_best()
    if step != state["step"]:
        checkpoint_and_best()
    state["sessions"].append({"steps": session_steps, "seconds": round(time.perf_counter() - session_start, 1)})
    state["settings"] = s
    save_checkpoint(out, model, opt, state)
    with open(os.path.join(out, "settings.json"), "w") as f:
        json.dump({**s, "state": {k: state[k] for k in ("step", "best", "train_seconds", "sessions")}}, f, indent=2)
    done = s["total_steps"] is not None and step >= s["total_steps"]
    mpath = os.path.join(out, s["name"] + ".json")
    if os.path.exists(mpath):            # the best weights' manifest: add the whole run's time (hash unchanged)
        with open(mpath) as f:
            man = json.load(f)
        man["training"]["total_train_seconds"] = round(state["train_seconds"], 1)
        man["training"]["total_steps_run"] = step
        man["training"]["schedule_complete"] = done
        with open(mpath, "w") as f:
            json.dump(man, f, indent=2, sort_keys=True)
            f.write("\n")
    print(f"stopped at step {step}/{s['total_steps']} ({'complete' if done else 'resumable with --resume'}); "
          f"{state['train_seconds']:.0f} s of training; best ERGAS {state['best'].get('score')}", flush=True)
    return state


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
