"""bfloat16 for PanAdapter v2's frozen pre-trained body on CPUs that compute it natively."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from osgeo import gdal

from core.engine import FusionRequest, run_fusion
from core.errors import InputError
from core.methods import pan_scet_method as V2
from core.models import precision as PR
from core.models.pan_scet.predict import predict_tile

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
WV_PAN, WV_MS = SAMPLE / "worldview2_pan_0.5m.tif", SAMPLE / "worldview2_ms_BGRN_2m.tif"


def test_the_precision_option(monkeypatch):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert PR.cpu_dtype("float32", cpu) is None
    assert PR.cpu_dtype("bfloat16", cpu) == torch.bfloat16
    assert PR.cpu_dtype("bfloat16", cuda) is None             # CUDA keeps its float16 rule
    monkeypatch.setattr(PR, "native_bf16_cpu", lambda: False)
    assert PR.cpu_dtype(None, cpu) is None and PR.cpu_dtype("AUTO", cpu) is None
    monkeypatch.setattr(PR, "native_bf16_cpu", lambda: True)
    assert PR.cpu_dtype(None, cpu) == torch.bfloat16
    monkeypatch.setenv("DEEP_PANSHARPEN_PRECISION", "float32")          # the user's reproducible default
    assert PR.cpu_dtype(None, cpu) is None and PR.cpu_dtype("bfloat16", cpu) == torch.bfloat16
    with pytest.raises(InputError, match="float32"):
        PR.cpu_dtype("half", cpu)


def _scene(bands: int, side: int = 128):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:side, 0:side] / side
    pan = (0.3 + 0.1 * np.sin(12 * yy) * np.cos(9 * xx) + 0.02 * rng.random((side, side))).astype(np.float32)
    ms_up = np.stack([pan * (0.7 + 0.1 * b) for b in range(bands)]).astype(np.float32)
    base = (ms_up + 0.05 * (pan - pan.mean())).astype(np.float32)
    return ms_up, pan, base


def _dtypes_seen(modules: dict) -> tuple[dict, list]:
    seen, handles = {}, []

    def hook(key):
        def record(_mod, _inp, out):
            seen.setdefault(key, tuple(t.dtype for t in out) if isinstance(out, tuple) else out.dtype)
        return record

    for key, mod in modules.items():
        handles.append(mod.register_forward_hook(hook(key)))
    return seen, handles


def _close_to_float32(full: np.ndarray, reduced: np.ndarray, base: np.ndarray) -> None:
    correction = np.sqrt(np.mean((full - base) ** 2))
    diff = np.sqrt(np.mean((full - reduced) ** 2))
    print(f"correction rms {correction:.5g}, bfloat16 - float32 rms {diff:.5g}")
    assert correction > 1e-3 * np.abs(full).mean()                                 # the network does correct its base
    assert 0 < diff < 0.1 * correction                        # bfloat16 ran, and its rounding stays small


def test_panadapter_v2_runs_only_its_frozen_body_in_bfloat16():
    found = V2.bundled_models()
    if not found:
        pytest.skip("no bundled PanAdapter v2 weights")
    model, _man = V2.load_network(found[0]["path"])
    ms_up, pan, base = _scene(model.cfg.bands)
    full = predict_tile(model, ms_up, pan, base, 4, (2, 2))
    model.set_body_precision(torch.bfloat16)
    seen, handles = _dtypes_seen({"body": model.scpa[0].conv3, "head": model.head_q["4"],
                                  "adapter": model.adapters[0], "tail": model.tail["4"]})
    reduced = predict_tile(model, ms_up, pan, base, 4, (2, 2))
    for h in handles:
        h.remove()
    assert seen["body"] == torch.bfloat16
    assert seen["head"] == seen["tail"] == torch.float32
    assert set(seen["adapter"]) == {torch.float32}            # the trainable adapters read a float32 stream
    _close_to_float32(full, reduced, base)
    model.set_body_precision(None)
    np.testing.assert_array_equal(predict_tile(model, ms_up, pan, base, 4, (2, 2)), full)


def _fuse(tmp_path, method: str, **options) -> tuple[np.ndarray, dict]:
    out = str(tmp_path / f"{method}_{options.get('precision')}.tif")
    run_fusion(FusionRequest("pansharpen", str(WV_PAN), str(WV_MS), out, method=method, device="cpu",
                             output_dtype="float32", method_options=options))
    ds = gdal.Open(out)
    return ds.ReadAsArray().astype(np.float64), ds.GetMetadata()


def test_the_output_records_its_precision_and_bfloat16_stays_close(tmp_path):
    if not V2.bundled_models():
        pytest.skip("no bundled PanAdapter v2 weights")
    full, md_full = _fuse(tmp_path, "panadapter_v2", threads=2, guard=False, precision="float32")
    reduced, md_reduced = _fuse(tmp_path, "panadapter_v2", threads=2, guard=False, precision="bfloat16")
    assert md_full["DEEPPANSHARPEN_PANADAPTER_V2_PRECISION"] == "float32"
    assert md_reduced["DEEPPANSHARPEN_PANADAPTER_V2_PRECISION"] == "bfloat16"
    base_name = json.loads(md_full["DEEPPANSHARPEN_PANADAPTER_V2_BASE"])["base"]
    base, _md = _fuse(tmp_path, base_name)
    _close_to_float32(full, reduced, base)
