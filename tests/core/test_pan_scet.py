"""PanScet (PanAdapter v2): pre-trained frozen body, zero-start on the base, frozen parts stay frozen."""
import numpy as np
import pytest
import torch

from core.methods.array_fusion import classical_fusion
from core.models.pan_scet import PanScet, PanScetConfig
from core.models.pan_scet.model import FROZEN_PARTS, in_parts, work_factor
from core.models.pretrained.load import load_pretrained
from core.training import train_pan_scet as T
from core.training.pan_bases import BASES
from core.training.pan_data import WaldPair

TINY = dict(bands=3, scpa_blocks=2, inject_every=1, branch_dim=8, tail_width=16, rfdn_feats=16, rfdn_blocks=2)


def _inputs(bands, side, seed=0):
    g = torch.Generator().manual_seed(seed)
    ms_up, pan, base = (torch.rand(1, n, side, side, generator=g) for n in (bands, 1, bands))
    return ms_up, pan, base


@pytest.fixture(scope="module")
def bundled():
    scet, _ = load_pretrained("scet_x4")
    rfdn, _ = load_pretrained("rfdn_x4")
    return scet, rfdn


def test_untrained_network_returns_its_base_for_every_ratio():
    m = PanScet(PanScetConfig(**TINY, ratios=(2, 4, 8))).eval()
    for r in (2, 4, 8):
        ms_up, pan, base = _inputs(3, 16 * work_factor(4, r), r)     # RFDN's pooling needs 15 work pixels
        with torch.no_grad():
            out = m(ms_up, pan, base, r, (r // 2, r // 2))
        assert torch.equal(out, base)
    assert work_factor(4, 2) == 4 and work_factor(4, 8) == 8


def test_body_takes_the_pretrained_weights_with_every_key(bundled):
    scet, rfdn = bundled
    m = PanScet(PanScetConfig(bands=4))
    m.load_body(scet, rfdn.state_dict())
    for mine, theirs in ((m.scpa, scet.path1[0].arr), (m.attn, scet.path1[1].arr)):
        a, b = mine.state_dict(), theirs.state_dict()
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    body = {k: v for k, v in rfdn.state_dict().items() if not k.startswith(("fea_conv.", "upsampler."))}
    assert m.rfdn.state_dict().keys() == body.keys()
    assert all(torch.equal(m.rfdn.state_dict()[k], body[k]) for k in body)
    # Q's head starts as SCET's stem on the grey LR-MS: same features for a grey RGB image.
    ms_up, pan, base = _inputs(4, 64)
    ms = ms_up[..., 2::4, 2::4]
    q_in = torch.cat([ms, torch.nn.functional.pixel_unshuffle(pan, 4), torch.nn.functional.pixel_unshuffle(base, 4)], 1)
    with torch.no_grad():
        ours = m.head_q["4"](q_in)
        theirs = scet.conv3(ms.mean(dim=1, keepdim=True).expand(-1, 3, -1, -1))
    torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)


def test_a_training_step_changes_trainable_parts_only():
    torch.manual_seed(0)
    m = PanScet(PanScetConfig(**TINY))
    before = {k: v.clone() for k, v in m.state_dict().items()}
    opt = torch.optim.AdamW(m.trainable_parameters(), lr=1e-2)
    ms_up, pan, base = _inputs(3, 64)
    ref = base + 0.1 * torch.rand_like(base)
    for _ in range(2):              # the zero-initialised last layers open the path on the first step
        loss = T.train_step(m, opt, (ms_up, pan, base, ref), 4, 1.0)
    after = m.state_dict()
    frozen = [k for k in before if in_parts(k, FROZEN_PARTS)]
    trainable = [k for k in before if not in_parts(k, FROZEN_PARTS)]
    assert frozen and trainable
    assert all(torch.equal(before[k], after[k]) for k in frozen)
    assert sum(not torch.equal(before[k], after[k]) for k in trainable) > len(trainable) // 2
    assert np.isfinite(loss)


def test_random_body_switch_replaces_frozen_parts_only(bundled):
    scet, rfdn = bundled
    m = PanScet(PanScetConfig(bands=4))
    m.load_body(scet, rfdn.state_dict())
    before = {k: v.clone() for k, v in m.state_dict().items()}
    m.randomize_frozen(1)
    after = m.state_dict()
    for k in before:
        assert torch.equal(before[k], after[k]) != in_parts(k, FROZEN_PARTS) or before[k].numel() <= 1, k
    twin = PanScet(PanScetConfig(bands=4))
    twin.load_body(scet, rfdn.state_dict())
    twin.randomize_frozen(1)
    assert all(torch.equal(after[k], twin.state_dict()[k]) for k in after if in_parts(k, FROZEN_PARTS))


def test_crops_keep_the_phase_and_draw_every_base():
    rng = np.random.default_rng(0)
    h = w = 96
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    code = (yy * 1000 + xx)[None]
    pair = WaldPair("synthetic", 2, code[0], np.repeat(code, 3, 0), np.repeat(code, 3, 0), 1.0, code)
    bases = {n: np.full((3, h, w), i, np.float32) for i, n in enumerate(BASES)}
    pb = T.PairWithBases(pair, bases)
    seen = set()
    for _ in range(20):
        ms_up, pan, base, ref = T.sample_batch([pb], 2, 4, 32, rng)
        corner = pan[:, 0, 0, 0].numpy()
        assert all(int(c // 1000) % 4 == 0 and int(c % 1000) % 4 == 0 for c in corner)   # on the work grid
        seen |= set(np.unique(base[:, 0, 0, 0].numpy()).astype(int))
    assert seen == set(range(len(BASES)))


def test_classical_fusion_of_arrays_is_the_registered_method():
    from core.methods.classical_pan import mtf_glp_hpm_arrays
    from core.models.panadapter.residual_base import classical_base
    rng = np.random.default_rng(1)
    pan = (rng.random((64, 64)) + 0.5).astype(np.float32)
    ms_up = np.stack([np.full((64, 64), k, np.float32) for k in (0.3, 0.4, 0.5)])
    ms_up += 0.05 * rng.random((3, 64, 64)).astype(np.float32)
    ours = classical_fusion("mtf_glp_hpm", ms_up, pan, 2, 0.3, 0.15)
    np.testing.assert_allclose(ours, classical_base("mtf_glp_hpm", ms_up, pan, 2, 0.3, 0.15, fuse=mtf_glp_hpm_arrays),
                               rtol=1e-5, atol=1e-6)
    outs = [classical_fusion(name, ms_up, pan, 2, 0.3, 0.15) for name in BASES]
    assert all(o.shape == ms_up.shape and o.dtype == np.float32 and np.isfinite(o).all() for o in outs)
    assert len({o.tobytes() for o in outs}) == len(BASES)          # four different fusions, not one four times


def test_branch_updates_can_start_at_zero():
    from core.models.pan_scet.adapters import AdapterPoint
    torch.manual_seed(0)
    x, a, b = torch.rand(2, 16, 8, 8), torch.rand(2, 8, 8, 8), torch.rand(2, 8, 8, 8)
    with torch.no_grad():
        out = AdapterPoint(8, 16, ctf_zero_init=True)(x, a, b)
        noisy = AdapterPoint(8, 16)(x, a, b)
    assert all(torch.equal(o, t) for o, t in zip(out, (x, a, b)))     # the branches reach the tail as their priors
    assert torch.equal(noisy[0], x) and not torch.equal(noisy[1], a)  # the default mixes body features in at once


def test_a_bodyless_network_takes_the_stem_only_and_has_nothing_frozen(bundled):
    scet, rfdn = bundled
    cfg = PanScetConfig(bands=4, ratios=(4,), scpa_blocks=0, attn_blocks=0, spe_prior="cnn", spa_prior="cnn")
    m = PanScet(cfg)
    m.load_body(scet, rfdn.state_dict())
    assert m.parameter_counts()["frozen"] == 0 and len(m.adapters) == 0
    ms_up, pan, base = _inputs(4, 64)
    with torch.no_grad():
        assert torch.equal(m.eval()(ms_up, pan, base, 4, (2, 2)), base)


def test_the_manifest_names_the_networks_the_method_averages_with():
    m = PanScet(PanScetConfig(**dict(TINY, bands=4)))
    s = {"name": "n", "layout": "4band_vhr", "random_body": False, "ratios": [2, 4], "batch": 8, "size": 64,
         "lr": 1e-3, "min_lr": 1e-5, "warmup": 1, "clip": 1.0, "total_steps": 1, "seed": 0, "commands": ["x"]}
    state = {"best": {}, "train_seconds": 0.0}
    assert "ensemble_with" not in T.weights_manifest(s, m, state)
    assert T.weights_manifest(dict(s, ensemble_with=["other"]), m, state)["ensemble_with"] == ["other"]
    assert T.build_parser().parse_args(["--out", "o", "--ensemble-with", "other"]).ensemble_with == ["other"]
