"""Train INFN on CAVE (reproducible, resumable).  Run from the repository root, e.g. (about 70 minutes on
2 CPU cores; build/ is git-ignored):

    .venv/bin/python -m core.training.train_infn --out build/infn_cave_x4x8 --ratio 4 8 --steps 24000 \
        --threads 2 --minutes 90

x4 and x8: ``--ratio 4 8`` (the default) trains ONE model on both ratios, the steps alternating 4, 8, 4, ...
This is the recommended choice: INFN is an implicit function that takes the ratio as an input (cell
decoding), the spectral mapping it learns is the same at both ratios, one weights file then covers 3, 4,
8 ..., and the joint model was better at x4 than an x4-only one and far better at x8 (docs/models/infn.md).
``--ratio 4`` (or 8) trains a single-ratio model.

Patches: LR --lr-patch pixels square (16: HR 64 x 64 at x4, 128 x 128 at x8); --batch patches per step at
x4, fewer at larger ratios so that every step sees the same number of HR pixels (x8: 2 patches).
Loss L1, AdamW, linear warm-up then cosine decay to --min-lr, gradient clipping; random flips and
transposes (rot90) that keep the protocol's decimation phase (core.training.cave.flip_shift).

Outputs in ``--out``:
  settings.json        every setting, the environment and the derived schedule (written at the start)
  train_log.csv        step, ratio, learning rate, training loss (mean over the logging interval), times
  val_log.csv          validation per ratio and scene (PSNR / SAM / ERGAS / SSIM, CAVE conventions: peak 1,
                       ERGAS with the ratio, whole image, output clipped to [0, 1]) at step 0 (the
                       interpolated LR-HSI: the model starts as the identity residual) and every --epoch-steps
  checkpoint/          model.safetensors + optimizer.safetensors + optimizer.json + state.json (no pickle)
  <name>.safetensors   the best weights so far (fp16) + <name>.json manifest (core.models.weights); at the end
                       of the schedule the fp16 file is validated again and its figures added to the manifest

Reproducibility: the network is initialised from --seed; the batch of step k is drawn from
numpy.random.default_rng([seed, k]), so a resumed run sees exactly the batches an uninterrupted run
would.  --steps fixes the schedule; with --minutes alone the schedule length is fitted once to a measured
step time and stored (settings.json, checkpoint): rerun with --steps N to repeat it on any machine.
--minutes always caps the session: at the deadline (or on SIGTERM) a checkpoint is written and the same
command with --resume continues (the stored settings win over the command line).
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
import torch.nn.functional as F

from .. import metrics
from ..models.infn import INFN, InfnConfig, count_parameters
from ..models.weights import PLUGIN_WEIGHTS_LICENCE, load_weights, save_weights
from . import cave
from .runs import append_csv, checkpoint_dir, environment, load_checkpoint, lr_at, save_checkpoint, start_session

LOG_EVERY = 50


# ------------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m core.training.train_infn",
                                description="Train INFN on CAVE (reproducible, resumable).",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", required=True, help="run folder (logs, checkpoint, best weights)")
    p.add_argument("--data", default=cave.DEFAULT_ROOT, help="CAVE folder (<scene>/<scene>_ms_NN.png)")
    p.add_argument("--response", default=cave.DEFAULT_RESPONSE, help="camera response CSV (rows R, G, B)")
    p.add_argument("--ratio", type=int, nargs="+", default=[4, 8], help="ratio(s); several = one joint model")
    p.add_argument("--minutes", type=float, default=None, help="wall-clock budget of this session")
    p.add_argument("--steps", type=int, default=None, help="schedule length (default: fitted to --minutes)")
    p.add_argument("--max-steps", type=int, default=None, help="stop this session after N steps (tests)")
    p.add_argument("--batch", type=int, default=8,
                   help="patches per step at ratio 4 (other ratios keep the HR pixels per step)")
    p.add_argument("--lr-patch", type=int, default=16, help="LR patch side (HR patch = lr_patch x ratio)")
    p.add_argument("--lr", type=float, default=5e-4, help="peak learning rate (AdamW)")
    p.add_argument("--min-lr", type=float, default=1e-5, help="final learning rate (cosine)")
    p.add_argument("--warmup", type=int, default=200, help="linear warm-up steps")
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--clip", type=float, default=1.0, help="gradient norm clip (0 = off)")
    p.add_argument("--epoch-steps", type=int, default=2000, help="steps between validations / checkpoints")
    p.add_argument("--val-scenes", nargs="+", default=list(cave.VALIDATION_SCENES))
    p.add_argument("--train-scenes", nargs="+", default=None, help="default: the available scenes minus --val-scenes")
    p.add_argument("--val-crop", type=int, default=0,
                   help="validate on a central crop of N HR pixels (0 = whole image)")
    p.add_argument("--no-augment", action="store_true", help="no flips / transposes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--bases", nargs="*", default=[],
                   help="HS-MS method ids: the network learns to refine these classical fusions (one drawn per "
                        "patch) instead of the interpolated LR-HSI, e.g. hs_exp mtf_glp_hs ls_detail gsa_hs")
    p.add_argument("--init", default=None,
                   help="start from these INFN weights (.safetensors + manifest; their config is used, --config "
                        "may not change it); recorded with its SHA-256")
    p.add_argument("--config", default="{}", help="JSON overrides of InfnConfig, e.g. '{\"spa_width\": 48}'")
    p.add_argument("--name", default=None, help="weights name (default infn_cave_x<ratios>)")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    return p


def batch_for_ratio(batch: int, ratio: int) -> int:
    """Patches per step at ``ratio``: ``batch`` at ratio 4, scaled to keep the HR pixels per step."""
    return max(1, int(round(batch * (4.0 / ratio) ** 2)))


# ------------------------------------------------------------------------------------------------
# Validation
# ------------------------------------------------------------------------------------------------

@torch.inference_mode()
def predict(model: INFN, lr: np.ndarray, msi: np.ndarray, lr_up: np.ndarray, ratio: int, device) -> np.ndarray:
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))[None].to(device)
    out = model(t(lr), t(msi), t(lr_up), ratio, origin=cave.SimulatedScene.origin(ratio))
    return out[0].float().cpu().numpy()


def _scores(fused: np.ndarray, ref: np.ndarray, r: int) -> dict:
    return {"PSNR": metrics.psnr(fused, ref, 1.0), "SAM": metrics.sam(fused, ref),
            "ERGAS": metrics.ergas(fused, ref, r), "SSIM": metrics.ssim(fused, ref, 1.0)}


def _mean(per: list[dict]) -> dict:
    return {k: float(np.mean([m[k] for m in per])) for k in ("PSNR", "SAM", "ERGAS", "SSIM")}


def validate(model: INFN, scenes, ratios, device, crop: int = 0, bases=()) -> dict:
    """{ratio: {"scenes": {name: metrics}, "mean": metrics}} with the CAVE conventions.  With ``bases``
    every scene is fused from each base ("scenes" keys "<scene>/<base>"); "mean" is over all of them and
    "per_base" holds each base's mean."""
    was_training = model.training
    model.eval()
    res = {}
    for r in ratios:
        per = {}
        for sc in scenes:
            for base in bases or ("",):
                lr, msi, up, ref = cave.centre_crop(sc, r, crop, base)
                fused = np.clip(predict(model, lr, msi, up, r, device), 0.0, 1.0)
                per[f"{sc.name}/{base}" if base else sc.name] = _scores(fused, ref, r)
        res[r] = {"scenes": per, "mean": _mean(list(per.values()))}
        if bases:
            res[r]["per_base"] = {b: _mean([m for k, m in per.items() if k.endswith("/" + b)]) for b in bases}
    model.train(was_training)
    return res


def baseline(scenes, ratios, crop: int = 0, bases=()) -> dict:
    """The upsampled LR-HSI's figures (the no-fusion reference) per ratio, and each base's."""
    res = {}
    for r in ratios:
        res[r] = {}
        for base in ("",) + tuple(bases):
            vals = []
            for sc in scenes:
                _lr, _msi, up, ref = cave.centre_crop(sc, r, crop, base)
                vals.append(_scores(np.clip(up, 0, 1), ref, r))
            res[r]["PSNR" if not base else base] = _mean(vals)["PSNR"] if not base else _mean(vals)
    return res


# ------------------------------------------------------------------------------------------------
# Training
# ------------------------------------------------------------------------------------------------

def _to_device(b: cave.Batch, device):
    t = lambda a: torch.from_numpy(a).to(device, non_blocking=True)
    return t(b.lr), t(b.msi), t(b.lr_up), t(b.target)


def _device(name: str) -> torch.device:
    if name == "cuda" or (name == "auto" and torch.cuda.is_available()):
        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: no CUDA device available")
        return torch.device("cuda")
    return torch.device("cpu")


def weights_manifest(s: dict, cfg: InfnConfig, best: dict) -> dict:
    return {
        "name": s["name"], "engine": "infn", "config": cfg.to_dict(),
        "bands": {"lr_bands": cfg.hsi_bands, "hr_bands": cfg.msi_bands, "lr_wavelengths_nm": cave.WAVELENGTHS_NM,
                  "hr_order": list(cave.MSI_ORDER),
                  "hr_response": "Nikon D700 (Akhtar et al. 2014), rows R, G, B normalised to sum 1"},
        "ratios": list(s["ratios"]), "any_ratio": True,
        "value_range": "[0, 1]: CAVE 16-bit PNG / 65535; the method divides by the scene's value_max",
        "geometry": {"lr_origin": "ratio // 2 (LR pixel i centred on HR pixel ratio * i + ratio // 2)",
                     "lr_blur": "3x3 Gaussian, sigma 0.5", "lr_up": "core.filters.upsample"},
        "training": {
            "data": "CAVE multispectral database (Columbia), 512 x 512 x 31, research use; images not bundled",
            "licence": PLUGIN_WEIGHTS_LICENCE,
            "protocol": "../shared/docs/cave_protocol.md (UESTC MHIF)",
            "train_scenes": s["train_scenes"], "validation_scenes": s["val_scenes"],
            "settings": {k: s[k] for k in ("batch", "lr_patch", "lr", "min_lr", "warmup", "weight_decay", "clip",
                                           "total_steps", "seed", "augment", "loss", "optimizer")},
            "step": best.get("step"), "train_seconds": best.get("train_seconds"),
            "validation": best.get("validation"),
            "initialised_from": s.get("init"),
            **({"bases": list(s["bases"]), "validation_per_base": best.get("validation_per_base"),
                "bases_note": "the network refines one of these classical fusions (generic sensor preset), "
                              "drawn per training patch; the method picks one per scene"} if s.get("bases") else {}),
        },
    }


def run(argv=None) -> dict:
    args = build_parser().parse_args(argv)
    stored = start_session(args.out, args.threads, args.resume)
    device = _device(args.device)
    if stored is not None:
        s = stored
    else:
        train_scenes = args.train_scenes or [n for n in cave.CAVE_SCENES if n not in args.val_scenes]
        overlap = set(train_scenes) & set(args.val_scenes)
        if overlap:
            raise SystemExit(f"scenes both in training and validation: {sorted(overlap)}")
        ratios = sorted(set(args.ratio))
        if args.steps is None and args.minutes is None:
            raise SystemExit("give --steps (schedule length) or --minutes (time budget; the schedule is fitted to it)")
        s = {
            "name": args.name or "infn_cave_x" + "x".join(str(r) for r in ratios),
            "data": os.path.abspath(args.data), "response": os.path.abspath(args.response),
            "ratios": ratios, "batch": args.batch, "lr_patch": args.lr_patch,
            "batch_per_ratio": {str(r): batch_for_ratio(args.batch, r) for r in ratios},
            "lr": args.lr, "min_lr": args.min_lr, "warmup": args.warmup, "weight_decay": args.weight_decay,
            "clip": args.clip, "epoch_steps": args.epoch_steps, "val_crop": args.val_crop,
            "train_scenes": list(train_scenes), "val_scenes": list(args.val_scenes),
            "augment": not args.no_augment, "seed": args.seed, "total_steps": args.steps,
            "config": InfnConfig(**json.loads(args.config)).to_dict(), "bases": list(args.bases),
            "init": None,
            "loss": "L1", "optimizer": "AdamW(betas=(0.9, 0.999))", "schedule": "linear warm-up + cosine",
            "minutes_first_session": args.minutes,
        }

    init_state = None
    if not args.resume and args.init:
        init_state, init_man = load_weights(args.init, engine="infn")
        if json.loads(args.config):
            raise SystemExit("--init: the network's config comes from the weights; leave --config out")
        s["config"] = InfnConfig.from_dict(init_man["config"]).to_dict()
        s["init"] = {"name": init_man["name"], "sha256": init_man["weights"]["sha256"],
                     "step": init_man.get("training", {}).get("step"),
                     "total_train_seconds": init_man.get("training", {}).get("total_train_seconds")}
    torch.manual_seed(s["seed"])
    np.random.seed(s["seed"])
    cfg = InfnConfig.from_dict(s["config"])
    model = INFN(cfg).to(device)
    if init_state is not None:
        model.load_state_dict({k: v.float() for k, v in init_state.items()})
    opt = torch.optim.AdamW(model.parameters(), lr=s["lr"], betas=(0.9, 0.999), weight_decay=s["weight_decay"])
    state = {"step": 0, "best": {}, "train_seconds": 0.0, "sessions": []}
    if args.resume:
        state = load_checkpoint(checkpoint_dir(args.out), model, opt, device)
        s = state["settings"]

    t0 = time.perf_counter()
    print(f"INFN: {count_parameters(model)} parameters, device {device}, ratios {s['ratios']}; loading CAVE ...",
          flush=True)
    train = cave.load_scenes(s["train_scenes"], s["ratios"], s["data"], s["response"])
    val = cave.load_scenes(s["val_scenes"], s["ratios"], s["data"], s["response"])
    if s.get("bases"):
        cave.add_bases(train + val, s["bases"])
    print(f"  {len(train)} training / {len(val)} validation scenes in {time.perf_counter() - t0:.1f} s", flush=True)

    stop = {"flag": False}

    def _on_term(signum, _frame):
        stop["flag"] = True
        print(f"signal {signum}: stopping after this step (checkpoint will be written)", flush=True)
    try:
        previous_handler = signal.signal(signal.SIGTERM, _on_term)
    except ValueError:                      # not in the main thread
        previous_handler = None
    try:
        return _train_loop(args, s, state, model, opt, cfg, train, val, device, stop)
    finally:
        if previous_handler is not None:
            signal.signal(signal.SIGTERM, previous_handler)


def _train_loop(args, s: dict, state: dict, model: INFN, opt, cfg: InfnConfig, train, val, device, stop) -> dict:
    out = args.out

    session_start = time.perf_counter()
    deadline = session_start + args.minutes * 60.0 if args.minutes else None
    train_log, val_log = os.path.join(out, "train_log.csv"), os.path.join(out, "val_log.csv")

    def do_validation(step: int) -> dict:
        tv = time.perf_counter()
        res = validate(model, val, s["ratios"], device, s["val_crop"], s.get("bases", ()))
        for r, v in res.items():
            for name, m in v["scenes"].items():
                append_csv(val_log, {"step": step, "ratio": r, "scene": name,
                                      **{k: round(x, 5) for k, x in m.items()}})
            print(f"  val step {step} x{r}: " + " ".join(f"{k} {x:.4f}" for k, x in v["mean"].items()), flush=True)
            for b, m in v.get("per_base", {}).items():
                print(f"    {b}: PSNR {m['PSNR']:.4f} SAM {m['SAM']:.4f}", flush=True)
        return {"result": res, "seconds": time.perf_counter() - tv}

    def write_settings() -> None:
        with open(os.path.join(out, "settings.json"), "w") as f:
            json.dump({**s, "state": {k: state[k] for k in ("step", "best", "train_seconds", "sessions")}}, f,
                      indent=2)

    if not args.resume:
        s["environment"] = environment()
        s["parameters"] = count_parameters(model)
        s["baseline_upsampled"] = {str(r): v for r, v in baseline(val, s["ratios"], s["val_crop"],
                                                                   s.get("bases", ())).items()}
        write_settings()
        v0 = do_validation(0)
        s["val_seconds"] = v0["seconds"]

    model.train()
    step = state["step"]
    losses: list[float] = []
    t_log = time.perf_counter()
    calib_times: list[float] = []
    session_steps = 0
    while True:
        if s["total_steps"] is not None and step >= s["total_steps"]:
            break
        if args.max_steps is not None and session_steps >= args.max_steps:
            break
        if stop["flag"] or (deadline and time.perf_counter() > deadline - 5):
            break
        ts = time.perf_counter()
        r = s["ratios"][step % len(s["ratios"])]
        rng = np.random.default_rng([s["seed"], step])
        b = cave.sample_batch(train, r, s["batch_per_ratio"][str(r)], s["lr_patch"], rng, s["augment"],
                              s.get("bases", ()))
        lr_t, msi_t, up_t, tgt_t = _to_device(b, device)
        if s["total_steps"] is None:
            s_for_lr = dict(s, total_steps=10 ** 9)     # still warming up while the schedule is measured
        else:
            s_for_lr = s
        cur_lr = lr_at(step, s_for_lr)
        for g in opt.param_groups:
            g["lr"] = cur_lr
        pred = model(lr_t, msi_t, up_t, r, origin=b.origin)
        loss = F.l1_loss(pred, tgt_t)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if s["clip"]:
            torch.nn.utils.clip_grad_norm_(model.parameters(), s["clip"])
        opt.step()
        losses.append(float(loss.detach()))
        step += 1
        session_steps += 1
        dt = time.perf_counter() - ts
        state["train_seconds"] += dt

        if s["total_steps"] is None:
            # Fit the schedule to the budget from the measured step time (steps 4..23, one full ratio cycle).
            calib_times.append(dt)
            if len(calib_times) >= 23 or args.max_steps is not None and session_steps >= args.max_steps:
                per_step = float(np.median(calib_times[3:] or calib_times))
                if deadline or s.get("minutes_first_session"):
                    left = (deadline - time.perf_counter()) if deadline else \
                        s["minutes_first_session"] * 60.0 - state["train_seconds"]
                    per_epoch_val = s["val_seconds"] / s["epoch_steps"]
                    usable = 0.9 * left - 3 * s["val_seconds"] - 30.0       # final validation, fp16 check, saving
                    s["total_steps"] = int(step + max(1, usable / (per_step + per_epoch_val)))
                else:                               # --max-steps ended the session before the budget was set
                    s["total_steps"] = int(step)
                s["measured_seconds_per_step"] = per_step
                print(f"  schedule: {s['total_steps']} steps ({per_step:.3f} s/step measured)", flush=True)

        if step % LOG_EVERY == 0 or step == 1:
            append_csv(train_log, {"step": step, "ratio": r, "lr": f"{cur_lr:.3e}", "loss": f"{np.mean(losses):.6f}",
                                    "sec_per_step": f"{(time.perf_counter() - t_log) / max(1, len(losses)):.4f}",
                                    "train_seconds": round(state["train_seconds"], 1)})
            print(f"step {step}/{s['total_steps']} x{r} lr {cur_lr:.2e} loss {np.mean(losses):.5f}", flush=True)
            losses, t_log = [], time.perf_counter()

        end_of_schedule = s["total_steps"] is not None and step >= s["total_steps"]
        if step % s["epoch_steps"] == 0 or end_of_schedule:
            v = do_validation(step)
            score = float(np.mean([x["mean"]["PSNR"] for x in v["result"].values()]))
            if score > state["best"].get("score", -np.inf):
                state["best"] = {"score": score, "step": step, "train_seconds": round(state["train_seconds"], 1),
                                 "validation": {str(r): x["mean"] for r, x in v["result"].items()},
                                 **({"validation_per_base": {str(r): x["per_base"] for r, x in v["result"].items()}}
                                    if s.get("bases") else {})}
                save_weights(os.path.join(out, s["name"] + ".safetensors"), model.state_dict(),
                             weights_manifest(s, cfg, state["best"]))
                print(f"  best so far (mean PSNR {score:.3f} dB): weights written", flush=True)
            state["step"] = step
            state["settings"] = s
            save_checkpoint(out, model, opt, state)

    state["step"] = step
    state["settings"] = s
    seconds = time.perf_counter() - session_start
    state["sessions"].append({"started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(time.time() - seconds)),
                              "steps": session_steps, "seconds": round(seconds, 1)})
    save_checkpoint(out, model, opt, state)

    done = s["total_steps"] is not None and step >= s["total_steps"]
    if done and state["best"]:
        # The shipped file is fp16: check what it gives (loaded back through the verified loader).
        wpath = os.path.join(out, s["name"] + ".safetensors")
        tensors, man = load_weights(wpath, engine="infn")
        check = INFN(InfnConfig.from_dict(man["config"])).to(device)
        check.load_state_dict({k: v.float() for k, v in tensors.items()})
        v16 = validate(check, val, s["ratios"], device, s["val_crop"], s.get("bases", ()))
        man["training"]["validation_fp16"] = {str(r): x["mean"] for r, x in v16.items()}
        # a run that continues another counts that one's training time too
        before = float((s.get("init") or {}).get("total_train_seconds") or 0.0)
        man["training"]["total_train_seconds"] = round(state["train_seconds"] + before, 1)
        save_weights(wpath, {k: v for k, v in tensors.items()}, {k: v for k, v in man.items() if k != "path"})
        for r, x in v16.items():
            print(f"  fp16 weights x{r}: " + " ".join(f"{k} {val_:.4f}" for k, val_ in x["mean"].items()), flush=True)
    write_settings()
    print(f"stopped at step {step}/{s['total_steps']} ({'schedule complete' if done else 'resumable with --resume'})",
          flush=True)
    return state


def main(argv=None) -> int:
    run(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
