"""What every training script of the project shares: the learning-rate schedule, the environment record, CSV
logs, checkpoints (safetensors + JSON, never pickle) and the start of a session (new or resumed)."""
from __future__ import annotations

import csv
import json
import math
import os
import platform
import shutil
import sys

import numpy as np
import torch

CHECKPOINT = "checkpoint"


def lr_at(step: int, s: dict) -> float:
    """Linear warm-up, then cosine from --lr to --min-lr at the end of the schedule."""
    if step < s["warmup"]:
        return s["lr"] * (step + 1) / s["warmup"]
    total = max(s["total_steps"], s["warmup"] + 1)
    t = min(1.0, (step - s["warmup"]) / max(1, total - s["warmup"]))
    return s["min_lr"] + 0.5 * (s["lr"] - s["min_lr"]) * (1.0 + math.cos(math.pi * t))


def environment() -> dict:
    return {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__,
            "platform": platform.platform(), "cpu_count": os.cpu_count(),
            "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}


# ------------------------------------------------------------------------------------------------
# Checkpoints (safetensors + JSON; no pickle)
# ------------------------------------------------------------------------------------------------

def _optimizer_to_files(opt: torch.optim.Optimizer) -> tuple[dict, dict]:
    sd = opt.state_dict()
    tensors, scalars = {}, {}
    for pid, st in sd["state"].items():
        for k, v in st.items():
            if torch.is_tensor(v):
                tensors[f"{pid}.{k}"] = v.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{k}"] = v
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in sd["param_groups"]]
    return tensors, {"param_groups": groups, "scalars": scalars}


def _optimizer_from_files(opt: torch.optim.Optimizer, tensors: dict, meta: dict) -> None:
    state: dict = {}
    for key, v in tensors.items():
        pid, k = key.split(".", 1)
        state.setdefault(int(pid), {})[k] = v
    for key, v in meta.get("scalars", {}).items():
        pid, k = key.split(".", 1)
        state.setdefault(int(pid), {})[k] = v
    groups = [{k: (tuple(v) if k == "betas" else v) for k, v in g.items()} for g in meta["param_groups"]]
    opt.load_state_dict({"state": state, "param_groups": groups})


def save_checkpoint(out: str, model: torch.nn.Module, opt: torch.optim.Optimizer, state: dict) -> None:
    from safetensors.torch import save_file

    tmp = os.path.join(out, CHECKPOINT + ".tmp")
    final = os.path.join(out, CHECKPOINT)
    old = os.path.join(out, CHECKPOINT + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    save_file({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()},
              os.path.join(tmp, "model.safetensors"))
    tensors, meta = _optimizer_to_files(opt)
    save_file(tensors, os.path.join(tmp, "optimizer.safetensors"))
    with open(os.path.join(tmp, "optimizer.json"), "w") as f:
        json.dump(meta, f)
    with open(os.path.join(tmp, "state.json"), "w") as f:
        json.dump(state, f, indent=2)
    shutil.rmtree(old, ignore_errors=True)
    if os.path.isdir(final):
        os.replace(final, old)
    os.replace(tmp, final)
    shutil.rmtree(old, ignore_errors=True)


def checkpoint_dir(out: str) -> str | None:
    for name in (CHECKPOINT, CHECKPOINT + ".old"):       # .old survives a crash between the two renames
        d = os.path.join(out, name)
        if os.path.isfile(os.path.join(d, "state.json")):
            return d
    return None


def load_checkpoint(ckpt: str, model: torch.nn.Module, opt: torch.optim.Optimizer, device) -> dict:
    from safetensors.torch import load_file

    model.load_state_dict(load_file(os.path.join(ckpt, "model.safetensors"), device=str(device)))
    with open(os.path.join(ckpt, "optimizer.json")) as f:
        meta = json.load(f)
    _optimizer_from_files(opt, load_file(os.path.join(ckpt, "optimizer.safetensors"), device=str(device)), meta)
    with open(os.path.join(ckpt, "state.json")) as f:
        return json.load(f)


def append_csv(path: str, row: dict) -> None:
    new = not os.path.exists(path)
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(row))
        if new:
            w.writeheader()
        w.writerow(row)


def start_session(out: str, threads: int | None, resume: bool) -> dict | None:
    """Prepare ``out`` and torch for a session; the stored settings of the run when ``resume`` (they win over
    the command line), else None.  Refuses to start over a checkpoint, or to resume without one."""
    os.makedirs(out, exist_ok=True)
    if threads:
        torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    ckpt = checkpoint_dir(out)
    if ckpt and not resume:
        raise SystemExit(f"{out} already holds a checkpoint: add --resume to continue it, or choose another --out")
    if resume and not ckpt:
        raise SystemExit(f"--resume: no checkpoint in {out}")
    if not resume:
        return None
    with open(os.path.join(ckpt, "state.json")) as f:
        return json.load(f)["settings"]
