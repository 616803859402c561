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
import math
import os

import numpy as np
import pytest
from osgeo import gdal, osr
from scipy import ndimage

import core.engine as engine
from core.engine import FusionRequest, run_fusion
from core.methods import registry

SPECS = registry.SPECS
IDS = [s.id for s in SPECS]
DEEP_READY = all(importlib.util.find_spec(p) for p in ("torch", "timm", "safetensors"))

RATIO = 4
SIZE = 160                  # HR pixels per side: several 64-pixel tiles, small enough to keep every run short
LR_BANDS = {"pansharpen": 4, "hsms": 8}
HR_BANDS = {"pansharpen": 1, "hsms": 3}
NODATA = 0
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


def _write(path, arr, pixel, nodata=None, bad_band=None) -> str:
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], gdal.GDT_UInt16)
    ds.SetGeoTransform((500000.0, pixel, 0.0, 4000000.0, 0.0, -pixel))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(arr.shape[0]):
        band = ds.GetRasterBand(b + 1)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if b == bad_band:
            band.SetMetadataItem("bbl", "0")          # flagged unusable, as ENVI / EnMAP files do
        band.WriteArray(arr[b])
    ds = None
    return str(path)


def _scene(folder, task: str, holes: bool = False) -> tuple[str, str]:
    """(HR path, LR path) of a synthetic 16-bit scene: the LR image is the reference averaged over RATIO x RATIO
    blocks, the HR image a band combination of the reference.  With ``holes`` both declare nodata 0 and hold
    a block of it (in different places), and the LR image's second band is flagged bad."""
    rng = np.random.default_rng(7)
    lr_n, hr_n = LR_BANDS[task], HR_BANDS[task]
    tex = _texture(rng, (SIZE, SIZE))
    ref = np.stack([(0.5 + rng.random()) * tex + 0.2 * rng.random() * _texture(rng, (SIZE, SIZE))
                    for _ in range(lr_n)]) * 1000 + 200
    mix = rng.dirichlet(np.ones(lr_n), size=hr_n)                       # HR bands: positive band combinations
    hr = np.tensordot(mix, ref, axes=1)
    lr = ref.reshape(lr_n, SIZE // RATIO, RATIO, SIZE // RATIO, RATIO).mean(axis=(2, 4))
    hr, lr = np.rint(hr).astype(np.uint16), np.rint(lr).astype(np.uint16)
    if holes:
        lr[:, :6, :8] = NODATA                              # an LR corner (a scene edge)
        hr[:, 100:112, 60:90] = NODATA                      # an HR strip inside the scene (a cloud mask)
    tag = f"{task}_{'holes' if holes else 'full'}"
    nd = NODATA if holes else None
    return (_write(os.path.join(folder, f"{tag}_hr.tif"), hr, 1.0, nd),
            _write(os.path.join(folder, f"{tag}_lr.tif"), lr, float(RATIO), nd, 1 if holes else None))


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


# Deep methods get a tiny network through their public ``weights`` option; a deep method without an entry
# here runs with its own default weights (slower, but still tested).
TINY_WEIGHTS = {"panadapter": _tiny_panadapter, "infn": _tiny_infn}


@pytest.fixture(scope="module", autouse=True)
def keep_torch_threads():
    """PanAdapter sets torch's CPU threads for the process: put them back for the tests that follow."""
    torch = __import__("torch") if DEEP_READY else None
    threads = torch.get_num_threads() if torch else None
    yield
    if torch:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def scenes(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("contract"))
    return folder, {(task, holes): _scene(folder, task, holes) for task in registry.TASKS for holes in (False, True)}


def _options(spec, folder: str) -> dict:
    if not spec.needs_torch:
        return {}
    if not DEEP_READY:
        pytest.skip(f"{spec.id} needs torch, timm and safetensors")
    build = TINY_WEIGHTS.get(spec.id)
    path = os.path.join(folder, f"tiny_{spec.id}.safetensors")
    if build is not None and not os.path.exists(path):
        build(folder, spec.task)
    return {"weights": path, "threads": 1} if build is not None else {}


# --- runs -----------------------------------------------------------------------------------------

def _run(monkeypatch, spec, paths, folder, name, tile_size, overlap=OVERLAP):
    """Fuse with ``spec``'s method through the engine; returns (output array, dataset, method, [(tile, fused)])."""
    seen = []
    made = []
    real_get = engine.get_method

    def spying_get_method(method_id):
        method = real_get(method_id)
        apply = method.apply

        def recorded_apply(tile):
            out = apply(tile)
            seen.append((tile, out))
            return out
        method.apply = recorded_apply          # the engine calls method.apply; the method itself is unchanged
        made.append(method)
        return method

    monkeypatch.setattr(engine, "get_method", spying_get_method)
    out = os.path.join(folder, f"{spec.id}_{name}.tif")
    run_fusion(FusionRequest(spec.task, paths[0], paths[1], out, method=spec.id, tile_size=tile_size,
                             overlap=overlap, output_dtype="float32", method_options=_options(spec, folder),
                             device="cpu"))
    ds = gdal.Open(out)
    return ds.ReadAsArray().astype(np.float64), ds, made[0], seen


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_contract_shape_dtype_finite_and_tiling(spec, scenes, monkeypatch):
    folder, paths = scenes
    whole, _ds, method, seen = _run(monkeypatch, spec, paths[(spec.task, False)], folder, "whole", 4096)
    assert len(seen) == 1
    for tile, fused in seen:
        assert isinstance(fused, np.ndarray) and fused.dtype == np.float32, (type(fused), getattr(fused, "dtype", ""))
        assert fused.shape == (LR_BANDS[spec.task],) + tile.hr.shape[1:]
        assert np.isfinite(fused[:, tile.valid]).all()
    assert whole.shape == (LR_BANDS[spec.task], SIZE, SIZE) and np.isfinite(whole).all()
    # the fusion did something with the inputs: bands differ and follow the scene's texture
    assert whole.std(axis=(1, 2)).min() > 50

    tiled, _ds, method, seen = _run(monkeypatch, spec, paths[(spec.task, False)], folder, "tiled", TILE)
    assert len(seen) == math.ceil(SIZE / TILE) ** 2
    for tile, fused in seen:
        assert fused.dtype == np.float32 and fused.shape == (LR_BANDS[spec.task],) + tile.hr.shape[1:]
        assert np.isfinite(fused[:, tile.valid]).all()
    # tile_tolerance 0: tiles reproduce the whole image up to float32 rounding
    tolerance = method.tile_tolerance
    assert not (tolerance and method.exact_tiles), "a method whose tiles differ needs the engine's overlap blending"
    change = np.abs(tiled - whole).max() / np.ptp(whole)
    assert change <= max(tolerance, 1e-5), (change, tolerance)


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_contract_nodata(spec, scenes, monkeypatch):
    folder, paths = scenes
    hr_path, lr_path = paths[(spec.task, True)]
    out, ds, method, seen = _run(monkeypatch, spec, (hr_path, lr_path), folder, "holes", TILE)
    assert ds.GetRasterBand(1).GetNoDataValue() == NODATA
    hr = gdal.Open(hr_path).ReadAsArray().reshape(HR_BANDS[spec.task], SIZE, SIZE)
    lr = gdal.Open(lr_path).ReadAsArray()
    # an output pixel is valid when it and the LR pixel under it are (core.scene.Scene.read_tile)
    valid = (hr != NODATA).all(axis=0) & np.kron((lr[0] != NODATA), np.ones((RATIO, RATIO), bool))
    assert 0.8 < valid.mean() < 1
    bad = [1]
    good = [b for b in range(LR_BANDS[spec.task]) if b not in bad]
    assert (out[:, ~valid] == NODATA).all()
    assert (out[bad] == NODATA).all()                      # the flagged band is nodata everywhere
    kept = out[good][:, valid]
    assert np.isfinite(kept).all() and (kept != NODATA).all()
    for tile, fused in seen:
        assert fused.dtype == np.float32 and fused.shape == (LR_BANDS[spec.task],) + tile.hr.shape[1:]
        assert np.isfinite(fused[good][:, tile.valid]).all()
    assert set(bad) <= set(method.nodata_bands())
