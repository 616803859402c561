"""PanAdapter: model shapes, frozen parts, CTI initialisation, learning, bundled weights, engine method."""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("timm")

from core.errors import InputError  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.panadapter import PanAdapter, PanAdapterConfig, angle_blend  # noqa: E402
from core.models.panadapter.predict import predict_image  # noqa: E402
from core.models.panadapter.store import load_model  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.path.join(HERE, "..", "data", "panadapter_reference.npz")
TINY = dict(feats=8, resblocks=2, lpe_dim=4, prior_dim=8, vit_dim=32, vit_depth=2, vit_heads=2, adapter_every=1,
            adapter_dim=16, adapter_heads=2, siren_hidden=16, tail2_feats=4, tail_local_kernel=3, tail_local_width=4,
            vit_input="detail")


def tiny(bands: int, seed: int = 0) -> PanAdapter:
    torch.manual_seed(seed)
    return PanAdapter(PanAdapterConfig(bands=bands, **TINY))


def batch(bands: int, ratio: int, n: int = 2, size: int = 32, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    # bands = per-band gain x one random texture: the PAN holds all the detail the MS lacks
    tex = torch.rand((n, 1, size, size), generator=g)
    ref = (0.1 + 0.3 * torch.rand((1, bands, 1, 1), generator=g)) * tex
    pan = ref.mean(1, keepdim=True)
    ms = torch.nn.functional.avg_pool2d(ref, ratio)
    ms_up = torch.nn.functional.interpolate(ms, scale_factor=ratio, mode="nearest")
    return ms_up, pan, ref


@pytest.mark.parametrize("bands", [3, 4, 8])
@pytest.mark.parametrize("ratio", [2, 4])
@pytest.mark.parametrize("vit_input", ["detail", "raw"])
def test_shapes(bands, ratio, vit_input):
    torch.manual_seed(0)
    m = PanAdapter(PanAdapterConfig(bands=bands, **dict(TINY, vit_input=vit_input)))
    ms_up, pan, _ = batch(bands, ratio)
    o1, o2 = m(ms_up, pan, ratio, return_both=True)
    assert o1.shape == o2.shape == ms_up.shape
    assert torch.isfinite(o2).all()
    # Tail2 starts at zero: stage 2 begins exactly at the stage-1 output.
    assert torch.equal(o1, o2)


def test_classical_residual_base():
    """With cfg.base = "mtf_glp_hpm" the untrained network returns (almost) the classical fusion it is given."""
    from core.methods.classical_pan import mtf_glp_hpm_arrays
    from core.models.panadapter.residual_base import classical_base
    torch.manual_seed(0)
    m = PanAdapter(PanAdapterConfig(bands=4, base="mtf_glp_hpm", **TINY)).eval()
    rng = np.random.default_rng(1)
    ms_up = rng.random((4, 64, 64), dtype=np.float32) * 0.3
    pan = ms_up.mean(0) + 0.05 * rng.random((64, 64), dtype=np.float32)
    base = classical_base("mtf_glp_hpm", ms_up, pan, 2, 0.3, 0.15, fuse=mtf_glp_hpm_arrays)
    assert base.shape == ms_up.shape and not np.allclose(base, ms_up)
    out = predict_image(m, ms_up, pan, 2, (1, 1), base=base)
    assert np.abs(out - base).max() < 0.02


def test_ms_up_network_ignores_a_classical_base():
    """Training passes every batch's classical base; a network whose cfg.base is "ms_up" must still add its
    output to ms_up, in training (forward) and inference (predict_image) alike."""
    m = tiny(4).eval()
    with torch.no_grad():
        m.tail1.out.weight.normal_(0, 0.1)                    # a non-zero correction
    ms_up, pan, _ = batch(4, 2, n=1, size=32)
    other = ms_up * 0.5 + 0.1
    with torch.no_grad():
        assert torch.equal(m(ms_up, pan, 2, base=other), m(ms_up, pan, 2))
    a = predict_image(m, ms_up[0].numpy(), pan[0, 0].numpy(), 2, (1, 1), base=other[0].numpy())
    b = predict_image(m, ms_up[0].numpy(), pan[0, 0].numpy(), 2, (1, 1))
    np.testing.assert_array_equal(a, b)


def test_cti_scale_starts_at_zero():
    m = tiny(4)
    scales = [a.cti.scale for a in m.adapters]
    assert len(scales) == m.cfg.n_adapters == 2
    assert all(float(s) == 0.0 for s in scales)


@pytest.mark.parametrize("stage", [1, 2])
def test_frozen_parameters_unchanged_after_a_step(stage):
    m = tiny(4)
    params = m.set_stage(stage)
    trainable = {id(p) for p in params}
    before = {n: p.detach().clone() for n, p in m.named_parameters()}
    opt = torch.optim.AdamW(params, lr=1e-2)
    ms_up, pan, ref = batch(4, 2)
    loss = torch.nn.functional.l1_loss(m(ms_up, pan, 2, stage=stage), ref)
    loss.backward()
    opt.step()
    changed = {n for n, p in m.named_parameters() if not torch.equal(p, before[n])}
    for n, p in m.named_parameters():
        if id(p) not in trainable:
            assert n not in changed, f"frozen parameter {n} changed in stage {stage}"
    assert changed, "nothing trained"
    frozen_prefixes = ("spe.body", "spa.body", "vit.")
    assert not any(n.startswith(frozen_prefixes) for n in changed)
    if stage == 2:
        assert not any(n.startswith(("spe.", "spa.", "tail1.")) for n in changed)
    counts = m.parameter_counts()
    assert counts["total"] == sum(p.numel() for p in m.parameters())
    assert 0 < counts[f"stage{stage}_trainable"] < counts["total"]


@pytest.mark.parametrize("stage", [1, 2])
def test_a_few_steps_lower_the_loss(stage):
    torch.set_num_threads(1)
    m = tiny(4, seed=1)
    params = m.set_stage(stage)
    opt = torch.optim.Adam(params, lr=3e-3)
    ms_up, pan, ref = batch(4, 2, n=2, size=32, seed=3)
    with torch.no_grad():
        first = float(torch.nn.functional.l1_loss(m(ms_up, pan, 2, stage=stage), ref))
    for _ in range(25):
        loss = torch.nn.functional.l1_loss(m(ms_up, pan, 2, stage=stage), ref)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        last = float(torch.nn.functional.l1_loss(m(ms_up, pan, 2, stage=stage), ref))
    assert last < first


def test_predict_image_pieces_match_a_single_pass():
    """Piece-wise inference with blending equals one pass where one piece covers the image, and keeps
    any size."""
    m = tiny(4).eval()
    rng = np.random.default_rng(0)
    ms_up = rng.random((4, 48, 48), dtype=np.float32) * 0.3
    pan = ms_up.mean(0)
    whole = predict_image(m, ms_up, pan, 2, (1, 1), patch=48)
    with torch.inference_mode():
        direct = m(torch.from_numpy(ms_up)[None], torch.from_numpy(pan)[None, None], 2, (1, 1))[0].numpy()
    np.testing.assert_allclose(whole, direct, atol=1e-5)
    odd = predict_image(m, ms_up[:, :45, :37], pan[:45, :37], 2, (1, 1), patch=32, overlap=8)
    assert odd.shape == (4, 45, 37) and np.isfinite(odd).all()


def test_stage1_runs_once_over_the_whole_image():
    """Only the transformer needs pieces: with several pieces the stage-1 output is the one-pass result."""
    m = tiny(4).eval()
    rng = np.random.default_rng(2)
    ms_up = rng.random((4, 64, 80), dtype=np.float32) * 0.3
    pan = ms_up.mean(0)
    pieces = predict_image(m, ms_up, pan, 2, (1, 1), patch=32, overlap=8, stage=1)
    with torch.inference_mode():
        direct = m(torch.from_numpy(ms_up)[None], torch.from_numpy(pan)[None, None], 2, (1, 1), stage=1)[0].numpy()
    np.testing.assert_allclose(pieces, direct, atol=1e-5)
    # stage 2 by blended pieces stays close to one pass over the whole image
    with torch.no_grad():
        m.tail2.out.weight.uniform_(-0.05, 0.05)       # trained Tail2s are not zero: let stage 2 show
    two = predict_image(m, ms_up, pan, 2, (1, 1), patch=32, overlap=8)
    one = predict_image(m, ms_up, pan, 2, (1, 1), patch=80)
    assert two.shape == one.shape == ms_up.shape
    stage2_part = np.abs(one - predict_image(m, ms_up, pan, 2, (1, 1), patch=80, stage=1)).max()
    assert stage2_part > 0.01 and np.abs(two - one).max() < 0.1 * stage2_part


def test_siren_decoder_chunks_equal_one_pass():
    from core.models.panadapter.siren import SirenDecoder
    torch.manual_seed(0)
    dec = SirenDecoder(7, 16, 3, 2, 1.0)
    parts = [torch.randn(2, 3, 9, 11), torch.randn(2, 4, 9, 11)]
    with torch.no_grad():
        chunked = dec(parts, chunk=37)
    one = dec(parts)                     # autograd on: one pass
    assert chunked.shape == (2, 3, 9, 11)
    torch.testing.assert_close(chunked, one.detach(), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("width, reach", [(0, 1), (6, 2)])
def test_siren_decoder_local_neighbourhood(width, reach, monkeypatch):
    """With ``local_kernel`` 3 the decoder output at a pixel depends on the local map's neighbours, and only
    within the path's reach (one 3 x 3 conv: 1 pixel; with ``local_width`` a 3 x 3 conv, ReLU, 3 x 3 conv:
    2 pixels); chunked and one-pass decoding agree; a missing local map is refused."""
    from core.models.panadapter import siren
    from core.models.panadapter.siren import SirenDecoder
    torch.manual_seed(0)
    dec = SirenDecoder(4, 16, 3, 2, 1.0, local_in=2, local_kernel=3, local_width=width)
    x, loc = torch.randn(1, 4, 9, 11), torch.randn(1, 2, 9, 11)
    with torch.no_grad():
        ref = dec(x, local=loc)
        chunked = dec(x, chunk=13, local=loc)
        monkeypatch.setattr(siren, "BAND_PIXELS", 2 * 11)           # bands of two rows, read with their reach
        banded = dec(x, chunk=13, local=loc)
        near, far = loc.clone(), loc.clone()
        near[0, 1, 4, 1 + reach] += 5.0                # at the edge of the reach of pixel (4, 1)
        far[0, 1, 4, 2 + reach] += 5.0                 # one column further
        d_near = (dec(x, local=near) - ref)[0, :, 4, 1].abs().max()
        d_far = (dec(x, local=far) - ref)[0, :, 4, 1].abs().max()
    torch.testing.assert_close(chunked, ref, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(banded, ref, atol=1e-6, rtol=1e-6)
    assert d_near > 1e-6 and d_far == 0
    with pytest.raises(ValueError, match="local"):
        dec(x)


def test_detail_tokens():
    """vit.detail: zero on a constant image, blind to an added level, linear in the detail, 10 x the
    difference from the 9 x 9 mean."""
    from core.models.panadapter.vit import detail
    x = torch.rand(2, 3, 20, 24)
    torch.testing.assert_close(detail(torch.full((1, 1, 12, 12), 0.4)), torch.zeros(1, 1, 12, 12), atol=1e-5, rtol=0)
    torch.testing.assert_close(detail(x + 0.3), detail(x), atol=1e-5, rtol=0)
    torch.testing.assert_close(detail(2 * x), 2 * detail(x), atol=1e-5, rtol=0)
    torch.testing.assert_close(detail(x)[..., 10, 12], 10 * (x[..., 10, 12] - x[..., 6:15, 8:17].mean((-2, -1))))
    with pytest.raises(ValueError, match="vit_input"):
        PanAdapterConfig(vit_input="edges").validate()


def test_pretraining_transformer_on_detail_starts_at_the_identity():
    from core.models.panadapter.vit import RestorationViT
    torch.manual_seed(0)
    x = torch.rand(2, 1, 32, 32)
    assert torch.equal(RestorationViT(32, 2, 2, 2.0, 8, "detail")(x, 0), x)
    assert not torch.equal(RestorationViT(32, 2, 2, 2.0, 8, "raw")(x, 0), x)


def test_local_width_needs_an_odd_kernel():
    assert isinstance(PanAdapter(PanAdapterConfig(tail_local_kernel=5, tail_local_width=8)).tail2.local[0],
                      torch.nn.Conv2d)
    with pytest.raises(ValueError, match="tail_local_width"):
        PanAdapterConfig(tail_local_width=8).validate()
    with pytest.raises(ValueError, match="odd"):
        PanAdapterConfig(tail_local_kernel=4, tail_local_width=8).validate()


# --- bundled weights --------------------------------------------------------------------------------

def _bundled():
    from core.methods.panadapter_method import bundled_models
    return {m["bands"]["lr_bands"]: m for m in bundled_models()}


def test_bundled_layouts_and_size():
    b = _bundled()
    assert 4 in b and 8 in b, f"bundled PanAdapter layouts: {sorted(b)}"
    total = sum(os.path.getsize(m["path"]) for m in W.list_models())
    assert total <= 20 * 2 ** 20
    for m in b.values():
        assert m["weights"]["dtype"] == "float16"
        assert {"data", "train_seconds"} <= set(m["training"])
        assert set(m["ratios"]) >= {2, 4}


def test_bundled_weights_reproduce_reference():
    data = np.load(REF)
    for bands in (4, 8):
        man = _bundled()[bands]
        model, man2 = load_model(man["path"])
        assert man2["weights"]["sha256"] == str(data[f"sha256_{bands}"])
        ms_up, pan, ratio = data[f"ms_up_{bands}"], data[f"pan_{bands}"], int(data[f"ratio_{bands}"])
        base = data[f"base_{bands}"]
        assert model.cfg.base == "mtf_glp_hpm"
        out = predict_image(model, ms_up, pan, ratio, (ratio // 2, ratio // 2), base=base)
        np.testing.assert_allclose(out, data[f"out_{bands}"], atol=2e-4)
        # and it sharpens: closer to the reference than the interpolated MS
        ref = data[f"ref_{bands}"]
        assert np.abs(out - ref).mean() < np.abs(ms_up - ref).mean()


def test_corrupt_weights_are_refused(tmp_path):
    man = _bundled()[4]
    dst = tmp_path / os.path.basename(man["path"])
    shutil.copy(man["path"], dst)
    shutil.copy(W.manifest_path(man["path"]), W.manifest_path(str(dst)))
    raw = bytearray(dst.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    dst.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="do not match their manifest"):
        load_model(str(dst))


# --- engine method ----------------------------------------------------------------------------------

_SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
DEMO_PAN = _SAMPLE / "landsat8_pan_B8_15m.tif"     # the bundled Landsat demo (as in tests/conftest.py)
DEMO_MS = _SAMPLE / "landsat8_ms_B2-B5_30m.tif"


def _run(tmp_path, name, **opts):
    from core.engine import FusionRequest, run_fusion
    if not DEMO_PAN.exists():
        pytest.skip("shared demo data missing")
    bands = opts.pop("lr_bands", None)
    hr, lr = opts.pop("hr", str(DEMO_PAN)), opts.pop("lr", str(DEMO_MS))
    out = str(tmp_path / f"{name}.tif")
    res = run_fusion(FusionRequest(task="pansharpen", hr_path=hr, lr_path=lr, output_path=out,
                                   method="panadapter", sensor="landsat89" if not bands else "generic",
                                   lr_bands=bands, output_dtype="float32", method_options=opts, device="cpu"))
    from osgeo import gdal
    return gdal.Open(res.output_path).ReadAsArray(), res


def test_engine_bundled_demo(tmp_path):
    out, res = _run(tmp_path, "bundled")
    from osgeo import gdal
    ms = gdal.Open(str(DEMO_MS)).ReadAsArray().astype(np.float32)
    assert out.shape[0] == 4 and np.isfinite(out).all()
    # returned in the input's units (16-bit DN, same mean level as the MS)
    assert abs(out.mean() / ms.mean() - 1) < 0.05


def test_engine_adapts_a_band_count_without_bundled_model(tmp_path):
    """3 bands: no bundled model, so the method adapts itself (here 4 s) and saves reusable weights."""
    saved = str(tmp_path / "adapted_3band.safetensors")
    out, _ = _run(tmp_path, "adapt3", lr_bands=[1, 2, 3], adapt_seconds=4, adapted_weights=saved)
    assert out.shape[0] == 3 and np.isfinite(out).all()
    model, man = load_model(saved)
    assert man["bands"]["lr_bands"] == 3 and man["training"]["adapted_from"]
    assert man["angle_blend"] in angle_blend.STEPS
    out2, _ = _run(tmp_path, "reuse3", lr_bands=[1, 2, 3], weights=saved)
    assert out2.shape == out.shape
    # the same network (stored in float16) and the same spectral-direction blend: the same image
    assert np.abs(out2 - out).mean() < 2e-3 * np.abs(out).mean()



def test_engine_adapts_for_a_fixed_number_of_steps_the_same_way_twice(tmp_path):
    """adapt_steps replaces the time budget: exactly that many steps, and the same weights on every run."""
    from osgeo import gdal
    runs = []
    for k in range(2):
        saved = str(tmp_path / f"steps{k}.safetensors")
        out, res = _run(tmp_path, f"steps{k}", adapt=True, adapt_steps=4, adapted_weights=saved)
        runs.append(out)
        rep = json.loads(gdal.Open(res.output_path).GetMetadataItem("DEEPPANSHARPEN_PANADAPTER_ADAPTATION"))
        assert rep["steps"] == 4
    np.testing.assert_array_equal(runs[0], runs[1])

def test_engine_skips_an_adaptation_it_cannot_check(tmp_path):
    """A 4-band scene too small to hold anything out: ADAPT is skipped with a warning, the bundled network
    runs unchanged, and the requested ADAPTED_WEIGHTS still holds reusable weights (saying why)."""
    from osgeo import gdal
    if not DEMO_PAN.exists():
        pytest.skip("shared demo data missing")
    pan, ms = str(tmp_path / "pan.tif"), str(tmp_path / "ms.tif")
    gdal.Translate(pan, str(DEMO_PAN), srcWin=[0, 0, 80, 80])
    gdal.Translate(ms, str(DEMO_MS), srcWin=[0, 0, 40, 40])
    saved = str(tmp_path / "kept.safetensors")
    out, res = _run(tmp_path, "skip", hr=pan, lr=ms, adapt=True, adapt_seconds=30, adapted_weights=saved)
    ref, _ = _run(tmp_path, "plain", hr=pan, lr=ms)
    assert any("ADAPT is skipped" in w for w in res.warnings)
    np.testing.assert_array_equal(out, ref)
    _model, man = load_model(saved)
    assert "too small" in man["training"]["adaptation"]["skipped"]


def test_engine_cuda_request_falls_back_to_cpu(tmp_path, caplog):
    if torch.cuda.is_available():
        pytest.skip("a CUDA device is present")
    from core.methods.deep_base import pick_device
    dev, warning = pick_device("cuda", "PanAdapter")
    assert dev.type == "cpu" and "CPU" in warning
    with pytest.raises(InputError):
        pick_device("tpu", "PanAdapter")


# --- scene adaptation helpers ------------------------------------------------------------------------

def _pair(bands=4, h=128, w=160, seed=0, ratio=2):
    ms_up, pan, ref = (t[0].numpy() for t in batch(bands, ratio, n=1, size=max(h, w), seed=seed))
    return ms_up[:, :h, :w], pan[0, :h, :w], ref[:, :h, :w], ms_up[:, :h, :w].copy()


def test_band_weights_count_relative_errors():
    from core.adapt.panadapter_adapt import band_weights
    ms_up, pan, ref, base = _pair()
    ref = ref * np.array([1.0, 2.0, 4.0, 8.0], np.float32)[:, None, None]
    w = band_weights([(ms_up, pan, ref, base)]).flatten().numpy()
    assert w.mean() == pytest.approx(1.0, rel=1e-5)
    means = ref.reshape(4, -1).mean(1)
    np.testing.assert_allclose(w * means, (w * means)[0], rtol=1e-4)      # weight x mean is the same per band


def test_split_pairs_holds_out_a_disjoint_quarter():
    from core.adapt.panadapter_adapt import _split_pairs
    p = _pair(h=128, w=256)
    train, check = _split_pairs([p], 64, 2)
    (tr,), (ck,) = train, check
    assert tr[1].shape == (128, 192) and ck[1].shape == (128, 64)
    for a, b, whole in zip(tr, ck, p):
        np.testing.assert_array_equal(np.concatenate([a, b], axis=-1), whole)
    train, check = _split_pairs([_pair(h=96, w=160)], 64, 2)
    assert train[0][1].shape == (96, 96) and check[0][1].shape == (96, 64)    # at least one crop held out
    small = _pair(h=96, w=100)
    train, check = _split_pairs([small], 64, 2)
    assert train[0] is check[0] is small                 # too small to split: the block serves both


def test_crop_size_shrinks_so_that_a_crop_can_be_held_out():
    from core.adapt.panadapter_adapt import _split_pairs, crop_size
    assert crop_size([_pair(h=128, w=256)], 8) == 64
    assert crop_size([_pair(h=80, w=80)], 8) == 40            # 64 fits once: 40 + 40 lets a crop be held out
    train, check = _split_pairs([_pair(h=80, w=80)], 40, 4)
    assert train[0][1].shape == (80, 40) and check[0][1].shape == (80, 40)
    assert crop_size([_pair(h=56, w=56)], 8) == 56            # halving would go below 32: keep the whole block


def test_flip_batch_keeps_the_lr_pixel_centres():
    from core.adapt.panadapter_adapt import flip_batch
    r, p, size = 4, (2, 2), 32
    x = torch.arange(2 * size * size, dtype=torch.float32).view(1, 2, size, size)
    lr = x[..., p[0]::r, p[1]::r]
    seen = set()
    for seed in range(16):
        (y,), ph = flip_batch([x], np.random.default_rng(seed), r, p)
        # the LR samples at the new phase are the old ones, flipped / transposed like the image
        got = set(y[..., ph[0]::r, ph[1]::r].flatten().tolist())
        assert got == set(lr.flatten().tolist()) and y[..., ph[0]::r, ph[1]::r].shape == lr.shape
        seen.add(ph)
    assert len(seen) > 1


def test_adaptation_keeps_the_weights_with_the_lowest_check_loss():
    from core.adapt.panadapter_adapt import _split_pairs, adapt_loss, adapt_model, band_weights, crop_batch
    torch.set_num_threads(1)
    m = tiny(4, seed=2)
    pairs = [_pair(h=128, w=256, seed=5)]
    rep = adapt_model(m, pairs, 2, seconds=30.0, device=torch.device("cpu"), max_steps=24, checks=6, lr=3e-3)
    assert rep["steps"] == 24 and rep["held_out"] == 1 and len(rep["check_history"]) >= 2
    losses = [v for _s, v in rep["check_history"]]
    assert rep["check_loss_after"] == pytest.approx(min([rep["check_loss_before"]] + losses), rel=1e-4)
    # the model now in place gives that loss on the same check crops
    _train, check = _split_pairs(pairs, rep["crop"], 2)
    held = crop_batch(check, 8, rep["crop"], 2, np.random.default_rng(1))
    with torch.inference_mode():
        v = float(adapt_loss(m(held[0], held[1], 2, (1, 1), stage=2, base=held[3]), held[2], band_weights(pairs)))
    assert v == pytest.approx(rep["check_loss_after"], rel=1e-3)
    assert rep["check_loss_after"] < rep["check_loss_before"]


# --- spectral-direction blend ------------------------------------------------------------------------

def test_angle_blend_keeps_brightness_and_takes_the_ms_direction():
    g = torch.Generator().manual_seed(0)
    out = torch.rand(4, 16, 16, generator=g) + 0.1
    ms = torch.rand(4, 16, 16, generator=g) + 0.1
    assert torch.equal(angle_blend.blend(out, ms, 0.0), out)
    one = angle_blend.blend(out, ms, 1.0)
    torch.testing.assert_close(one.norm(dim=0), out.norm(dim=0))
    assert angle_blend.batch_sam(one, ms) < math.degrees(1e-3)
    half = angle_blend.blend(out, ms, 0.5)
    torch.testing.assert_close(half.norm(dim=0), out.norm(dim=0))
    a_out, a_ms = angle_blend.batch_sam(half, out), angle_blend.batch_sam(half, ms)
    assert 0 < a_out and 0 < a_ms and abs(a_out - a_ms) < 0.05 * (a_out + a_ms)     # half way between
    zero = out.clone()
    zero[:, 0, 0] = 0
    assert torch.equal(angle_blend.blend(zero, ms, 0.5)[:, 0, 0], zero[:, 0, 0])


def test_angle_blend_choice_follows_the_reference():
    g = torch.Generator().manual_seed(1)
    ref = torch.rand(2, 4, 32, 32, generator=g) + 0.2
    ms = ref * (1 + 0.3 * torch.rand(2, 1, 32, 32, generator=g))          # right angles, wrong brightness
    noisy = ref + 0.05 * torch.randn(2, 4, 32, 32, generator=g)          # right brightness, turned angles
    l1 = lambda a, b: float((a - b).abs().mean())                         # noqa: E731
    a, rows = angle_blend.choose(noisy, ms, ref, l1)
    assert a > 0.5 and rows[0][0] == 0.0 and len(rows) == len(angle_blend.STEPS)
    assert dict((r[0], r[2]) for r in rows)[a] < rows[0][2]
    a, _rows = angle_blend.choose(ref.clone(), ms * torch.rand(2, 4, 1, 1, generator=g), ref, l1)
    assert a == 0.0                                                       # exact prediction: nothing to blend


@pytest.mark.parametrize("eps, picked", [(0.0026, 0.0), (0.005, 0.25)])
def test_angle_blend_needs_a_clear_gain(eps, picked):
    """A blend that lowers the criterion by less than MIN_GAIN (noise at the check scale) is not taken."""
    g = torch.Generator().manual_seed(1)
    ref = torch.rand(2, 4, 32, 32, generator=g) + 0.2
    ms = ref * (1 + 0.3 * torch.rand(2, 1, 32, 32, generator=g)) + 0.01 * torch.randn(2, 4, 32, 32, generator=g)
    pred = ref + eps * torch.randn(2, 4, 32, 32, generator=g)
    a, rows = angle_blend.choose(pred, ms, ref, lambda x, y: float((x - y).abs().mean()))
    score = [r[1] / rows[0][1] + r[2] / rows[0][2] for r in rows]
    best = min(score)
    assert best < 2.0                                                      # some blend helps a little ...
    assert a == picked and (best > 2.0 - angle_blend.MIN_GAIN) == (picked == 0.0)


def test_training_pair_weights():
    """Training crops come from the pairs of the step's ratio in proportion to pixel count ** power: a pair
    4 times larger gives 4 in 5 crops with power 1 and about half with power 0."""
    from core.training.pan_data import WaldPair, sample_batch

    def pair(value: float, side: int) -> WaldPair:
        img = np.full((2, side, side), value, np.float32)
        return WaldPair(f"p{value}", 2, img[0], img, img, 1.0, img)

    pairs = [pair(1.0, 64), pair(2.0, 128), pair(3.0, 256)]       # the last one has another ratio
    pairs[2].ratio = 4
    share = {}
    for power in (1.0, 0.0):
        rng = np.random.default_rng(0)
        got = np.concatenate([sample_batch(pairs, 2, 8, 32, rng, weight_power=power)[2][:, 0, 0, 0]
                              for _ in range(200)])
        assert set(np.unique(got)) == {1.0, 2.0}
        share[power] = float(np.mean(got == 2.0))
    assert abs(share[1.0] - 0.8) < 0.05 and abs(share[0.0] - 0.5) < 0.05


def test_stage1_refuses_a_transformer_pretrained_on_other_tokens(tmp_path):
    """A body pre-trained on raw values is not silently fed detail tokens (or the reverse)."""
    from core.models import weights as W
    from core.training.pretrain_panadapter import build_restorers
    from core.training.train_panadapter import build_model
    cfg = PanAdapterConfig(**dict(TINY, vit_input="raw"))
    rest = build_restorers(cfg)
    tensors = {f"cnn_body.{k}": v for k, v in rest["cnn"].body.state_dict().items()}
    tensors.update({f"vit_body.{k}": v for k, v in rest["vit"].body.state_dict().items()})
    path = str(tmp_path / "pretrained.safetensors")
    W.save_weights(path, tensors, {"name": "p", "engine": "panadapter-pretrain", "config": cfg.to_dict(),
                                   "bands": {"lr_bands": 1, "hr_bands": 1}, "ratios": [2, 4]}, dtype="float32")
    s = {"variant": "panadapter", "stage": 1, "pretrained": path, "config": dict(TINY, vit_input="raw")}
    model, params = build_model(s, 4, 0)
    assert model.cfg.vit_input == "raw" and params
    with pytest.raises(SystemExit, match="pre-trained on 'raw' tokens"):
        build_model(dict(s, config=dict(TINY)), 4, 0)
