"""The method contract of core/methods/base.py, checked for every method in the registry (as timm's tests run
every registered model): apply() returns float32 (lr_bands, h, w) arrays that are finite where the tile is
valid, nodata in the inputs (declared nodata, bad bands) is written as nodata and nowhere else, and a tiled
run gives the whole-image output (or stays within the method's stated ``tile_tolerance``).

Methods come from ``registry.SPECS``, so a method added later is tested without editing this file.  Deep
methods run with tiny seeded networks saved as safetensors + manifest in a temporary folder and passed as
their ``weights`` option, so the test does not depend on the bundled models and stays fast.
"""
from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from unittest import mock

import numpy as np
import pytest
from osgeo import gdal
from scipy import ndimage

import core.engine as engine
from core.engine import FusionRequest, run_fusion
from core.methods import registry
from rasters import write_raster

SPECS = registry.SPECS
IDS = [s.id for s in SPECS]
DEEP_READY = all(importlib.util.find_spec(p) for p in ("torch", "timm", "safetensors"))

RATIO = 4
SIZE = 128                  # HR pixels per side: 2 x 2 to 3 x 3 tiles of 64 pixels, and every run short
LR_BANDS = {"pansharpen": 4, "hsms": 8}
HR_BANDS = {"pansharpen": 1, "hsms": 3}
NODATA = 0
ORIGIN = (500000.0, 4000000.0)
LR_HOLE = (slice(0, 6), slice(0, 8))          # LR pixels that are nodata: a corner (a scene edge)
HR_HOLE = (slice(100, 112), slice(60, 90))    # HR pixels that are nodata: a strip inside (a cloud mask)
BAD_BAND = 1                # an LR band flagged unusable (bbl = 0, as ENVI / EnMAP files do)
TILE = 64                   # the smallest tile the engine accepts (core.tiling.TILE_SIZE_RANGE)
OVERLAP = 16


def test_the_registry_is_not_empty_and_holds_the_known_methods():
    known = {"exp", "brovey", "bt_h", "gsa", "bdsd_pc", "mtf_glp_hpm", "mtf_glp_fs", "awlp", "panadapter", "auto",
             "hs_exp", "mtf_glp_hs", "infn", "hs_auto"}
    assert known <= set(IDS), sorted(known - set(IDS))
    assert {s.task for s in SPECS} == set(registry.TASKS)


# --- scenes ---------------------------------------------------------------------------------------

def _texture(rng, shape) -> np.ndarray:
    """Smooth random field with sharp-edged blocks: detail at every scale, like land cover."""
    field = ndimage.gaussian_filter(rng.normal(size=shape), 3.0)
    blocks = np.kron(rng.random((shape[0] // 16, shape[1] // 16)), np.ones((16, 16)))
    return (field - field.min()) / np.ptp(field) + blocks


def _scene(folder, task: str) -> tuple[str, str]:
    """(HR path, LR path) of a synthetic 16-bit scene: the LR image is the reference averaged over RATIO x RATIO
    blocks, the HR image a band combination of the reference.  Both declare nodata 0 and hold a block of it (in
    different places), and one LR band is flagged bad."""
    rng = np.random.default_rng(7)
    lr_n, hr_n = LR_BANDS[task], HR_BANDS[task]
    tex = _texture(rng, (SIZE, SIZE))
    ref = np.stack([(0.5 + rng.random()) * tex + 0.2 * rng.random() * _texture(rng, (SIZE, SIZE))
                    for _ in range(lr_n)]) * 1000 + 200
    mix = rng.dirichlet(np.ones(lr_n), size=hr_n)                       # HR bands: positive band combinations
    hr = np.tensordot(mix, ref, axes=1)
    lr = ref.reshape(lr_n, SIZE // RATIO, RATIO, SIZE // RATIO, RATIO).mean(axis=(2, 4))
    hr, lr = np.rint(hr).astype(np.uint16), np.rint(lr).astype(np.uint16)
    lr[(slice(None),) + LR_HOLE] = NODATA
    hr[(slice(None),) + HR_HOLE] = NODATA
    return (write_raster(os.path.join(folder, f"{task}_hr.tif"), hr, 1.0, ORIGIN, gdal.GDT_UInt16, nodata=NODATA),
            write_raster(os.path.join(folder, f"{task}_lr.tif"), lr, float(RATIO), ORIGIN, gdal.GDT_UInt16,
                         nodata=NODATA, bad_band=BAD_BAND))


# --- tiny deep networks ---------------------------------------------------------------------------

def _randomise_zero_tensors(model, seed: int) -> None:
    """Give the tensors a network initialises to zero (output layers that start a stage at the identity) small
    random values, so that every part of the tiny network shapes its output."""
    import torch
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.state_dict().values():
            if p.is_floating_point() and p.numel() and not p.any():
                p.copy_(0.05 * torch.randn(p.shape, generator=g))


def _tiny_panadapter(folder: str, task: str) -> str:
    import torch

    from core.models import weights as W
    from core.models.panadapter import PanAdapter, PanAdapterConfig
    torch.manual_seed(0)
    cfg = PanAdapterConfig(bands=LR_BANDS[task], feats=8, resblocks=2, lpe_dim=4, prior_dim=8, vit_dim=32,
                           vit_depth=2, vit_heads=2, adapter_every=1, adapter_dim=16, adapter_heads=2,
                           siren_hidden=16, tail2_feats=4, tail_local_kernel=3, tail_local_width=4,
                           vit_input="detail", base="mtf_glp_hpm")
    model = PanAdapter(cfg)
    _randomise_zero_tensors(model, 0)
    path = os.path.join(folder, "tiny_panadapter.safetensors")
    W.save_weights(path, model.state_dict(), {
        "name": "tiny_panadapter", "engine": "panadapter", "config": cfg.to_dict(), "stage": 2,
        "variant": "panadapter", "bands": {"lr_bands": LR_BANDS[task], "hr_bands": 1}, "ratios": [RATIO],
        "any_ratio": True, "training": {"data": "none: random weights for the contract test"}})
    return path


def _tiny_infn(folder: str, task: str) -> str:
    import torch

    from core.models import weights as W
    from core.models.infn import INFN, InfnConfig
    torch.manual_seed(0)
    cfg = InfnConfig(hsi_bands=LR_BANDS[task], msi_bands=HR_BANDS[task], feat_dim=8, spe_width=8, spe_blocks=1,
                     spa_width=8, spa_blocks=1, mlp_hidden=(16,), mlp_out=8, dec_widths=(8,))
    model = INFN(cfg)
    _randomise_zero_tensors(model, 0)
    path = os.path.join(folder, "tiny_infn.safetensors")
    W.save_weights(path, model.state_dict(), {
        "name": "tiny_infn", "engine": "infn", "config": cfg.to_dict(),
        "bands": {"lr_bands": LR_BANDS[task], "hr_bands": HR_BANDS[task]}, "ratios": [RATIO], "any_ratio": True,
        "training": {"data": "none: random weights for the contract test"}})
    return path


def _tiny_pan_scet(folder: str, task: str) -> str:
    import torch

    from core.models import weights as W
    from core.models.pan_scet import PanScet, PanScetConfig
    torch.manual_seed(0)
    cfg = PanScetConfig(bands=LR_BANDS[task], ratios=(RATIO,), dim=16, heads=2, scpa_blocks=2, inject_every=1,
                        branch_dim=8, tail_width=16, rfdn_feats=16, rfdn_blocks=2)
    model = PanScet(cfg)
    _randomise_zero_tensors(model, 0)
    path = os.path.join(folder, "tiny_panadapter_v2.safetensors")
    W.save_weights(path, model.state_dict(), {
        "name": "tiny_pan_scet", "engine": "pan_scet", "config": cfg.to_dict(), "variant": "pan_scet",
        "bands": {"lr_bands": LR_BANDS[task], "hr_bands": 1}, "ratios": [RATIO], "any_ratio": False,
        "training": {"data": "none: random weights for the contract test", "bases": ["gsa", "mtf_glp_hpm"]}})
    return path


# Deep methods get a tiny network through their public ``weights`` option; a deep method without an entry
# here runs with its own default weights (slower, but still tested).
TINY_WEIGHTS = {"panadapter": _tiny_panadapter, "panadapter_v2": _tiny_pan_scet, "infn": _tiny_infn}


@pytest.fixture(scope="module", autouse=True)
def keep_torch_threads():
    """PanAdapter sets torch's CPU threads for the process: put them back for the tests that follow."""
    torch = __import__("torch") if DEEP_READY else None
    threads = torch.get_num_threads() if torch else None
    yield
    if torch:
        torch.set_num_threads(threads)


def _options(spec, folder: str) -> dict:
    if not spec.needs_torch:
        return {}
    if not DEEP_READY:
        pytest.skip(f"{spec.id} needs torch, timm and safetensors")
    build = TINY_WEIGHTS.get(spec.id)
    if build is None:
        return {}
    path = os.path.join(folder, f"tiny_{spec.id}.safetensors")
    if not os.path.exists(path):
        build(folder, spec.task)
    # the deep guard off: it would score the network's apply() on its check blocks during prepare and may
    # return a classical method's tiles instead of the tiny network's, whose contract is tested here
    return {"weights": path, "threads": 1, "guard": False}


# --- runs -----------------------------------------------------------------------------------------

@dataclass
class Run:
    out: np.ndarray                 # the output raster (float64)
    nodata: float | None            # its declared nodata value
    method: object                  # the FusionMethod instance the engine used
    applied: list                   # (tile, fused) of every apply() call


def _run(spec, paths, out_path: str, tile_size: int, options: dict) -> Run:
    """Fuse through the engine (float32 output), recording what the method's apply() returned."""
    made, applied = [], []
    real_get = engine.get_method

    def recording_get_method(method_id):
        method = real_get(method_id)
        apply = method.apply

        def recorded_apply(tile):
            fused = apply(tile)
            applied.append((tile, fused))
            return fused
        method.apply = recorded_apply          # on this instance only: the engine calls method.apply(tile)
        made.append(method)
        return method

    with mock.patch.object(engine, "get_method", recording_get_method):
        run_fusion(FusionRequest(spec.task, paths[0], paths[1], out_path, method=spec.id, tile_size=tile_size,
                                 overlap=OVERLAP, output_dtype="float32", method_options=options, device="cpu"))
    ds = gdal.Open(out_path)
    return Run(ds.ReadAsArray().astype(np.float64), ds.GetRasterBand(1).GetNoDataValue(), made[0], applied)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """runs(spec) -> {"whole": Run, "tiled": Run}: each method fused once in one tile and once in 64-pixel tiles
    (cached: three tests read the same two runs)."""
    folder = str(tmp_path_factory.mktemp("contract"))
    scenes, done = {}, {}

    def get(spec):
        if spec.id not in done:
            if spec.task not in scenes:
                scenes[spec.task] = _scene(folder, spec.task)
            options = _options(spec, folder)
            done[spec.id] = {name: _run(spec, scenes[spec.task], os.path.join(folder, f"{spec.id}_{name}.tif"), size,
                                        options)
                             for name, size in (("whole", 4096), ("tiled", TILE))}
        return done[spec.id]
    return get


def _valid_pixels(task: str) -> np.ndarray:
    """Output pixels whose inputs are valid: the HR pixel and the LR pixel under it (core.scene.Scene.read_tile)."""
    valid = np.ones((SIZE, SIZE), bool)
    valid[HR_HOLE] = False
    lr_valid = np.ones((SIZE // RATIO, SIZE // RATIO), bool)
    lr_valid[LR_HOLE] = False
    return valid & np.kron(lr_valid, np.ones((RATIO, RATIO), bool))


# --- the contract -----------------------------------------------------------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_apply_returns_float32_bands_by_pixels_finite_where_valid(spec, runs):
    for name, run in runs(spec).items():
        assert len(run.applied) == 1 if name == "whole" else len(run.applied) >= 4, (name, len(run.applied))
        fused_bands = [b for b in range(LR_BANDS[spec.task]) if b not in run.method.nodata_bands()]
        for tile, fused in run.applied:
            assert isinstance(fused, np.ndarray) and fused.dtype == np.float32, (name, getattr(fused, "dtype", fused))
            assert fused.shape == (LR_BANDS[spec.task],) + tile.hr.shape[1:], (name, fused.shape, tile.hr.shape)
            assert np.isfinite(fused[fused_bands][:, tile.valid]).all(), name
        assert run.out.shape == (LR_BANDS[spec.task], SIZE, SIZE), (name, run.out.shape)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_nodata_in_the_inputs_stays_nodata(spec, runs):
    valid = _valid_pixels(spec.task)
    assert 0.8 < valid.mean() < 1
    good = [b for b in range(LR_BANDS[spec.task]) if b != BAD_BAND]
    for name, run in runs(spec).items():
        assert run.nodata == NODATA, name
        assert (run.out[:, ~valid] == NODATA).all(), name
        assert BAD_BAND in run.method.nodata_bands() and (run.out[BAD_BAND] == NODATA).all(), name
        kept = run.out[good][:, valid]
        assert np.isfinite(kept).all() and (kept != NODATA).all(), name
        # the output follows the scene's texture in every band (not a constant, not the fill values)
        assert kept.std(axis=1).min() > 50, (name, kept.std(axis=1))


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_tiled_output_equals_whole_image(spec, runs):
    whole, tiled = runs(spec)["whole"], runs(spec)["tiled"]
    method = tiled.method
    # tile_tolerance 0: tiles reproduce the whole image up to float32 rounding
    tolerance = method.tile_tolerance
    assert not (tolerance and method.exact_tiles), "a method whose tiles differ needs the engine's overlap blending"
    value_range = np.ptp(whole.out[:, _valid_pixels(spec.task)])
    change = np.abs(tiled.out - whole.out).max() / value_range
    assert change <= max(tolerance, 1e-5), (change, tolerance)
