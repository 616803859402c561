"""INFN: the network, its weights files, the CAVE pipeline, the training CLI and the engine method."""
import json
import os

import numpy as np
import pytest
from osgeo import gdal, osr

torch = pytest.importorskip("torch")
import torch.nn.functional as F  # noqa: E402

from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.errors import InputError  # noqa: E402
from core.methods import SceneInfo, get_method  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.infn import INFN, CosineNeighbourWeights, InfnConfig, receptive_radius  # noqa: E402
from core.training import cave  # noqa: E402

TINY = dict(feat_dim=16, spe_width=16, spe_blocks=1, spa_width=8, spa_blocks=1, mlp_hidden=(16,), mlp_out=16,
            dec_widths=(16,))


def _inputs(b, hsi, msi, h, w, r, seed=0):
    g = torch.Generator().manual_seed(seed)
    lr = torch.rand(b, hsi, h, w, generator=g)
    return lr, torch.rand(b, msi, h * r, w * r, generator=g), F.interpolate(lr, scale_factor=r, mode="bilinear")


def _randomise(model, seed=0):
    """Default init zeroes the output layer (output = residual); tests want a non-trivial function."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        model.bands.out.weight.copy_(torch.randn(model.bands.out.weight.shape, generator=g) * 0.1)
    return model


# --- the network ----------------------------------------------------------------------------------

@pytest.mark.parametrize("hsi,msi,ratio", [(31, 3, 4), (50, 4, 3), (8, 3, 8), (31, 3, 8), (8, 3, 3)])
def test_shapes_for_band_counts_and_ratios(hsi, msi, ratio):
    model = _randomise(INFN(InfnConfig(hsi_bands=hsi, msi_bands=msi))).eval()
    lr, hr, up = _inputs(2, hsi, msi, 5, 6, ratio)
    with torch.no_grad():
        out = model(lr, hr, up, ratio)
    assert out.shape == (2, hsi, 5 * ratio, 6 * ratio)
    assert torch.isfinite(out).all()


def test_arbitrary_queries_match_the_grid_and_any_scale():
    model = _randomise(INFN(InfnConfig(hsi_bands=8, **TINY))).eval()
    lr, hr, up = _inputs(2, 8, 3, 6, 7, 4)
    with torch.no_grad():
        grid = model(lr, hr, up, 4, origin=(1.5, 2.0))
        ys, xs = torch.meshgrid(torch.arange(24.0), torch.arange(28.0), indexing="ij")
        pts = torch.stack([ys, xs], -1).reshape(1, -1, 2).expand(2, -1, -1)
        pointwise = model.query_points(lr, hr, up, pts, 4, origin=(1.5, 2.0))
        # chunked decoding and strip-wise encoding give the same image
        chunked = model(lr, hr, up, 4, origin=(1.5, 2.0), chunk_rows=5)
        model.HR_STRIP = 7
        strips = model(lr, hr, up, 4, origin=(1.5, 2.0))
        # fractional query points and a non-integer scale run
        frac = model.query_points(lr, hr, up, torch.rand(2, 50, 2) * 23, 4)
        odd = model(lr, F.interpolate(hr, size=(15, 17)), F.interpolate(up, size=(15, 17)), 2.5, origin=(0.75, 0.75))
    assert torch.allclose(grid.permute(0, 2, 3, 1).reshape(2, -1, 8), pointwise, atol=1e-5)
    assert torch.allclose(grid, chunked, atol=1e-6) and torch.allclose(grid, strips, atol=1e-6)
    assert frac.shape == (2, 50, 8) and torch.isfinite(frac).all()
    assert odd.shape == (2, 8, 15, 17)


@pytest.mark.parametrize("ratio,origin,hw", [(4, (2, 2), (24, 28)), (3, (1.5, -2.0), (17, 22)), (8, (5, 0), (32, 40))])
def test_run_decoding_equals_per_query_gathering(ratio, origin, hw):
    """The integer-ratio decoder (neighbours broadcast over runs of queries) is the per-query gather
    decoder rewritten: same values and same gradients."""
    from core.models.infn import grid_lr_coords
    model = _randomise(INFN(InfnConfig(hsi_bands=8, **TINY)))
    h, w = hw
    lr, hr, up = _inputs(2, 8, 3, h // ratio + 2, w // ratio + 2, ratio)
    hr, up = hr[..., :h, :w], up[..., :h, :w]

    def by_gather():
        table, zn, _ = model.encode_lr(lr)
        uy, ux = grid_lr_coords(h, w, ratio, origin)
        return up + model.decode_grid(table, zn, lr.shape[-2:], model.encode_hr(hr, up), uy, ux, 1.0 / ratio)

    outs, grads = [], []
    for fn in (lambda: model(lr, hr, up, ratio, origin=origin, chunk_rows=3), by_gather):
        model.zero_grad()
        out = fn()
        out.square().mean().backward()
        outs.append(out.detach())
        grads.append(torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]))
    assert torch.allclose(outs[0], outs[1], atol=1e-5)
    assert grads[0].shape == grads[1].shape and torch.allclose(grads[0], grads[1], rtol=1e-4, atol=1e-6)
    assert grads[0].abs().sum() > 0


@pytest.mark.parametrize("extra", [{}, {"mlp_hidden": (16, 12), "dec_widths": (16, 8)}])
def test_inference_folds_equal_the_training_path(extra):
    """Without gradients forward() merges consecutive linear maps (A_g with the G projection, DHFF's last layer
    with the decoder's first): the same function as the training path, to float rounding."""
    cfg = InfnConfig(hsi_bands=8, **{**TINY, **extra})
    model = _randomise(INFN(cfg))
    with torch.no_grad():                       # non-trivial biases, so a wrongly folded bias shows
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(p.numel())) * 0.05)
    lr, hr, up = _inputs(2, 8, 3, 6, 7, 4)
    trained_path = model(lr, hr, up, 4, origin=(1.5, 2.0))
    assert trained_path.requires_grad
    with torch.inference_mode():
        folded = model(lr, hr, up, 4, origin=(1.5, 2.0))
    assert (trained_path - up).abs().max() > 1e-2              # the residual is not trivially zero
    assert torch.allclose(trained_path.detach(), folded, atol=1e-5)


def test_inr_cs_is_parameter_free_and_sums_to_one():
    cs = CosineNeighbourWeights()
    assert list(cs.parameters()) == [] and list(cs.buffers()) == [] and cs.state_dict() == {}
    g, z = torch.randn(100, 16), torch.randn(100, 4, 16)
    w = cs(g, z)
    assert w.shape == (100, 4) and (w > 0).all()
    assert torch.allclose(w.sum(-1), torch.ones(100), atol=1e-6)
    # the most similar neighbour gets the largest weight; scaling a feature does not change anything
    z[:, 2] = g * 3.0
    w = cs(g, z)
    assert (w.argmax(-1) == 2).all()
    assert torch.allclose(cs(g * 5.0, z), w, atol=1e-6)

    model = INFN(InfnConfig(**TINY))
    assert not any(k.startswith("inr_cs") for k in model.state_dict())
    assert list(model.inr_cs.parameters()) == []
    assert list(model.dhff.high_pass.parameters()) == [] and "dhff.high_pass.kernel" not in model.state_dict()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.5)
    assert list(model.inr_cs.parameters()) == []


def test_a_few_steps_lower_the_loss():
    torch.manual_seed(0)
    model = INFN(InfnConfig(hsi_bands=8, msi_bands=3, **TINY))
    g = torch.Generator().manual_seed(1)
    msi = F.avg_pool2d(torch.rand(4, 3, 17, 17, generator=g), 2, 1)                 # 16 x 16, smooth
    mix = torch.rand(8, 3, generator=g)
    target = torch.einsum("bc,nchw->nbhw", mix / mix.sum(1, keepdim=True), msi)    # bands = MSI mixtures
    lr = F.avg_pool2d(target, 4)
    up = F.interpolate(lr, scale_factor=4, mode="bilinear")
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    losses = []
    for _ in range(25):
        loss = F.l1_loss(model(lr, msi, up, 4, origin=(1.5, 1.5)), target)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.85 * losses[0]


def test_band_layers_can_be_swapped():
    model = INFN(InfnConfig(**TINY))
    trunk = {k: v.clone() for k, v in model.state_dict().items() if not k.startswith("bands.")}
    model.replace_band_layers(50, 4)
    assert model.cfg.hsi_bands == 50 and model.bands.msi_bands == 4
    lr, hr, up = _inputs(1, 50, 4, 4, 4, 3)
    assert model(lr, hr, up, 3).shape == (1, 50, 12, 12)
    assert all(torch.equal(trunk[k], v) for k, v in model.state_dict().items() if not k.startswith("bands."))


# --- weights files ----------------------------------------------------------------------------------

def _save_tiny(folder, hsi=8, msi=3, name="tiny", ratios=(4,), **extra):
    torch.manual_seed(0)
    cfg = InfnConfig(hsi_bands=hsi, msi_bands=msi, **TINY)
    model = _randomise(INFN(cfg))
    path = os.path.join(str(folder), name + ".safetensors")
    W.save_weights(path, model.state_dict(), {
        "name": name, "engine": "infn", "config": cfg.to_dict(),
        "bands": {"lr_bands": hsi, "hr_bands": msi}, "ratios": list(ratios), "any_ratio": True, **extra})
    return path, model


def test_weights_round_trip_and_hash_check(tmp_path):
    path, model = _save_tiny(tmp_path)
    man = W.read_manifest(path)
    assert man["weights"]["sha256"] == W.sha256_file(path) and man["weights"]["dtype"] == "float16"
    tensors, man2 = W.load_weights(path, engine="infn")
    assert man2["config"] == man["config"]
    sd = model.state_dict()
    assert set(tensors) == set(sd)
    assert all(torch.equal(tensors[k], sd[k].half()) for k in sd)
    rebuilt = INFN(InfnConfig.from_dict(man2["config"]))
    rebuilt.load_state_dict({k: v.float() for k, v in tensors.items()})

    with pytest.raises(InputError, match="engine"):
        W.load_weights(path, engine="panadapter")
    assert [m["name"] for m in W.find_models("infn", 8, 3, 4, [str(tmp_path)])] == ["tiny"]
    assert W.find_models("infn", 31, 3, 4, [str(tmp_path)]) == []

    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(InputError, match="do not match their manifest"):
        W.load_weights(path)
    os.remove(W.manifest_path(path))
    with pytest.raises(InputError, match="no manifest"):
        W.load_weights(path)


# --- CAVE pipeline ------------------------------------------------------------------------------------

def test_cave_simulation_and_phase_preserving_augmentation():
    resp = cave.read_response()
    assert resp.shape == (3, 31) and np.allclose(resp.sum(1), 1.0)
    assert resp[0].argmax() > resp[1].argmax() > resp[2].argmax()        # R, G, B rows
    rng = np.random.default_rng(0)
    cube = rng.random((31, 64, 64)).astype(np.float32)
    sc = cave.simulate_scene("x", cube, [4, 8], resp)
    assert sc.lr[4].shape == (31, 16, 16) and sc.lr[8].shape == (31, 8, 8) and sc.msi.shape == (3, 64, 64)
    k = cave.gaussian_kernel()
    assert abs(k[1, 1] - 0.619347) < 1e-6 and abs(k[0, 0] - 0.011344) < 1e-6
    assert np.allclose(sc.lr[4][:, 3, 5], (cube[:, 13:16, 21:24] * k).sum((1, 2)), atol=1e-6)  # pixel 4*i+2
    # every augmented patch keeps the LR pixel centred on HR pixel r*i + r//2 of its HR patch
    for r in (4, 8):
        for seed in range(6):
            b = cave.sample_batch([sc], r, 3, 4, np.random.default_rng(seed), augment=True)
            assert b.lr.shape == (3, 31, 4, 4) and b.target.shape == (3, 31, 4 * r, 4 * r)
            for i in range(3):
                blurred = np.stack([np.pad(t, 1, mode="edge") for t in b.target[i]])
                p = r // 2
                ys, xs = np.meshgrid(np.arange(1, 3), np.arange(1, 3), indexing="ij")   # interior LR pixels
                for y, x in zip(ys.ravel(), xs.ravel()):
                    cy, cx = r * y + p, r * x + p
                    ref = (blurred[:, cy:cy + 3, cx:cx + 3] * k).sum((1, 2))
                    assert np.allclose(b.lr[i][:, y, x], ref, atol=1e-5)


def _write_png_scene(root, name, cube):
    os.makedirs(os.path.join(root, name), exist_ok=True)
    mem = gdal.GetDriverByName("MEM")
    for i in range(cube.shape[0]):
        ds = mem.Create("", cube.shape[2], cube.shape[1], 1, gdal.GDT_UInt16)
        ds.GetRasterBand(1).WriteArray(cube[i])
        gdal.GetDriverByName("PNG").CreateCopy(os.path.join(root, name, f"{name}_ms_{i + 1:02d}.png"), ds)


@pytest.fixture(scope="module")
def tiny_cave(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("cave"))
    rng = np.random.default_rng(0)
    for n, name in enumerate(("alpha", "beta", "gamma")):
        base = rng.random((31, 1, 1)) * 30000 + 5000
        texture = np.kron(rng.random((1, 16, 16)), np.ones((1, 4, 4))) * 20000
        _write_png_scene(root, name, (base + texture * (n + 1) / 3).astype(np.uint16))
    return root


def test_cave_loader_reads_16_bit_pngs(tiny_cave):
    cube = cave.load_scene(tiny_cave, "alpha")
    assert cube.shape == (31, 64, 64) and cube.dtype == np.float32 and 0 < cube.min() and cube.max() <= 1


def _train(out, data, *extra):
    from core.training import train_infn
    args = ["--out", str(out), "--data", data, "--ratio", "4", "8", "--train-scenes", "alpha", "beta",
            "--val-scenes", "gamma", "--batch", "4", "--lr-patch", "4", "--warmup", "2",
            "--config", json.dumps(TINY), *extra]
    return train_infn.run(args)


def test_training_cli_runs_and_resumes_exactly(tmp_path, tiny_cave):
    from safetensors.torch import load_file
    out = tmp_path / "run"
    state = _train(out, tiny_cave, "--steps", "6", "--max-steps", "3")
    assert state["step"] == 3 and os.path.isfile(out / "checkpoint" / "state.json")
    assert not (out / "infn_cave_x4x8.safetensors").exists()          # no validation epoch reached yet
    with pytest.raises(SystemExit):
        _train(out, tiny_cave, "--steps", "6")                            # refuses to overwrite a run
    state = _train(out, tiny_cave, "--resume")
    assert state["step"] == 6
    settings = json.load(open(out / "settings.json"))
    assert settings["total_steps"] == 6 and settings["ratios"] == [4, 8] and settings["environment"]["torch"]
    assert settings["state"]["sessions"][0]["steps"] == 3
    rows = open(out / "val_log.csv").read().splitlines()
    assert rows[0] == "step,ratio,scene,PSNR,SAM,ERGAS,SSIM" and len(rows) == 1 + 2 * 2     # steps 0 and 6
    tensors, man = W.load_weights(str(out / "infn_cave_x4x8.safetensors"), engine="infn")
    assert man["ratios"] == [4, 8] and man["bands"]["lr_bands"] == 31 and man["training"]["validation_fp16"]

    # an uninterrupted run ends with the same weights
    straight = tmp_path / "straight"
    _train(straight, tiny_cave, "--steps", "6")
    a = load_file(str(out / "checkpoint" / "model.safetensors"))
    b = load_file(str(straight / "checkpoint" / "model.safetensors"))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_training_on_bases_resumes_exactly_and_records_them(tmp_path, tiny_cave):
    """--bases: the network refines classical fusions drawn per patch; --init starts from given weights; the
    run resumes to the weights of an uninterrupted one, and the manifest lists the bases for the method."""
    from safetensors.torch import load_file
    init, _model = _save_tiny(tmp_path, hsi=31, msi=3, name="init", ratios=(4, 8),
                              training={"total_train_seconds": 1000.0})
    extra = ["--bases", "hs_exp", "ls_detail", "--init", init, "--epoch-steps", "4"]
    with pytest.raises(SystemExit, match="leave --config out"):
        _train(tmp_path / "bad", tiny_cave, "--steps", "4", *extra)
    from core.training import train_infn
    base_args = ["--data", tiny_cave, "--ratio", "4", "8", "--train-scenes", "alpha", "beta", "--val-scenes", "gamma",
                 "--batch", "4", "--lr-patch", "4", "--warmup", "2"]
    out, straight = tmp_path / "run", tmp_path / "straight"
    train_infn.run(["--out", str(out), *base_args, "--steps", "6", "--max-steps", "3", *extra])
    state = train_infn.run(["--out", str(out), "--resume"])
    train_infn.run(["--out", str(straight), *base_args, "--steps", "6", *extra])
    assert state["step"] == 6
    a = load_file(str(out / "checkpoint" / "model.safetensors"))
    b = load_file(str(straight / "checkpoint" / "model.safetensors"))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    _t, man = W.load_weights(str(out / "infn_cave_x4x8.safetensors"), engine="infn")
    assert man["training"]["bases"] == ["hs_exp", "ls_detail"]
    assert man["training"]["initialised_from"]["name"] == "init" and man["config"]["spa_width"] == TINY["spa_width"]
    # the training time of the run it continues counts in the total
    assert man["training"]["total_train_seconds"] == round(state["train_seconds"] + 1000.0, 1)
    assert set(man["training"]["validation_per_base"]["4"]) == {"hs_exp", "ls_detail"}
    rows = open(out / "val_log.csv").read().splitlines()[1:]
    assert {r.split(",")[2] for r in rows} == {"gamma/hs_exp", "gamma/ls_detail"}


# --- the engine method --------------------------------------------------------------------------------

def _write_tif(path, arr, gt, dtype=gdal.GDT_UInt16):
    ds = gdal.GetDriverByName("GTiff").Create(str(path), arr.shape[2], arr.shape[1], arr.shape[0], dtype)
    ds.SetGeoTransform(gt)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    ds.SetProjection(srs.ExportToWkt())
    for b in range(arr.shape[0]):
        ds.GetRasterBand(b + 1).WriteArray(arr[b])
        ds.GetRasterBand(b + 1).SetMetadataItem("wavelength", str(450 + 20 * b))
    ds = None
    return str(path)


@pytest.fixture(scope="module")
def hsms_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("pair")
    rng = np.random.default_rng(3)
    hsi = (np.kron(rng.random((8, 40, 40)), np.ones((1, 1, 1))) * 20000 + 3000).astype(np.uint16)
    msi = (np.kron(rng.random((3, 40, 40)), np.ones((1, 4, 4))) * 20000 + 3000).astype(np.uint16)
    msi = msi + (rng.random(msi.shape) * 500).astype(np.uint16)
    lr = _write_tif(d / "hsi.tif", hsi, (500000.0, 40.0, 0, 5000000.0, 0, -40.0))
    hr = _write_tif(d / "msi.tif", msi, (500000.0, 10.0, 0, 5000000.0, 0, -10.0))
    return hr, lr


def test_infn_runs_through_the_engine_and_tiles_exactly(tmp_path, hsms_pair):
    hr, lr = hsms_pair
    weights, _ = _save_tiny(tmp_path)
    outs = {}
    for tile in (64, 512):
        out = str(tmp_path / f"infn_{tile}.tif")
        run_fusion(FusionRequest("hsms", hr, lr, out, method="infn", tile_size=tile, overlap=8,
                                 output_dtype="float32", device="cpu",
                                 # the untrained network loses to interpolation: the guard off tiles the network
                                 method_options={"weights": weights, "guard": False}))
        ds = gdal.Open(out)
        assert (ds.RasterCount, ds.RasterYSize, ds.RasterXSize) == (8, 160, 160)
        assert ds.GetRasterBand(3).GetMetadataItem("wavelength") == "490"
        outs[tile] = ds.ReadAsArray()
        ds = None
    assert np.isfinite(outs[512]).all() and outs[512].std() > 0
    # the halo covers the receptive field: small tiles reproduce the whole-image result
    assert np.abs(outs[64] - outs[512]).max() <= 1e-3 * np.abs(outs[512]).max()
    assert receptive_radius(InfnConfig())[0] <= get_method("infn").halo(4)


def _scene(lr_bands=8, hr_bands=3, ratio=4, **options):
    return SceneInfo(task="hsms", ratio=ratio, lr_bands=lr_bands, hr_bands=hr_bands, gnyq_lr=[0.3] * lr_bands,
                     gnyq_hr=0.3, options=options)


def test_infn_refuses_missing_or_corrupted_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(W, "BUNDLED_DIR", str(tmp_path / "none"))
    method = get_method("infn")
    with pytest.raises(InputError, match="no weights for a 8-band HSI with a 3-band MSI"):
        method.prepare([], _scene(device="cpu"))
    path, _ = _save_tiny(tmp_path)
    with pytest.raises(InputError, match="are for a 8-band HSI"):
        get_method("infn").prepare([], _scene(lr_bands=31, weights=path, device="cpu"))
    data = bytearray(open(path, "rb").read())
    data[-10] ^= 0x01
    open(path, "wb").write(bytes(data))
    with pytest.raises(InputError, match="do not match their manifest"):
        get_method("infn").prepare([], _scene(weights=path, device="cpu"))


def test_infn_picks_bundled_weights_and_falls_back_to_cpu(tmp_path, monkeypatch):
    folder = tmp_path / "bundled"
    folder.mkdir()
    _save_tiny(folder, name="tiny_x4x8", ratios=(4, 8))
    monkeypatch.setattr(W, "BUNDLED_DIR", str(folder))
    method = get_method("infn")
    method.prepare([], _scene(ratio=8, device="cuda"))
    assert method.manifest["name"] == "tiny_x4x8"
    if not torch.cuda.is_available():
        assert method.device.type == "cpu" and any("CUDA" in w for w in method.warnings)
    # an untrained ratio still runs (implicit model), with a warning
    method = get_method("infn")
    method.prepare([], _scene(ratio=3, device="cpu"))
    assert any("ratio" in w for w in method.warnings)


# --- scene adaptation: when an adapted network is kept ----------------------------------------------------------

def _adapt_pairs(seed=0, side=48, bands=8, r=4):
    from core.adapt import infn_adapt as A
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:side, 0:side] / side
    hsi = np.stack([0.4 + 0.2 * np.sin(9 * yy + b) * np.cos(7 * xx) + 0.05 * rng.random((side, side))
                    for b in range(bands)]).astype(np.float32)
    msi = np.stack([hsi[:4].mean(0), hsi[4:].mean(0), hsi.mean(0)]).astype(np.float32)
    reg = A.make_region(hsi, msi, np.ones((side, side), bool), r, 0.3)
    return A.PairSet([reg], r)


@pytest.mark.parametrize("lr, kept_start", [(1e-9, True), (3e-3, False)])
def test_an_adaptation_that_barely_lowers_the_error_keeps_the_start(lr, kept_start):
    """A gain under min_gain (1 %) on the pairs it trained on is noise on a small scene: the start is kept, weight
    for weight; a clear gain keeps the adapted network."""
    from core.adapt import infn_adapt as A
    torch.manual_seed(0)
    model = _randomise(INFN(InfnConfig(hsi_bands=8, msi_bands=3, **TINY)))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    pairs = _adapt_pairs()
    rep = A.adapt(model, pairs, A.AdaptSettings(steps=40, lr_bands=lr, lr_trunk=lr, batch=4, lr_patch=4),
                  torch.device("cpu"))
    same = all(torch.equal(v, model.state_dict()[k]) for k, v in start.items())
    assert same is kept_start
    if kept_start:
        assert rep["kept"].startswith("start") and rep["error_after"] == rep["error_before"]
    else:
        assert rep["kept"] == "adapted"
        assert rep["error_after"]["rmse"] <= 0.99 * rep["error_before"]["rmse"]
