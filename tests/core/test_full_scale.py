"""The full-resolution terms of PanAdapter v2's scene adaptation (core.adapt.full_scale): the spectral term is
zero for the image whose MTF-filtered, decimated version is the MS; the spatial term is zero for bands as
PAN-like as the MS allows; blocks keep the LR pixel centres at r // 2."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core import filters  # noqa: E402
from core.adapt import full_scale as FS  # noqa: E402
from core.methods.base import Tile  # noqa: E402

R = 4
GAINS = [0.25, 0.3, 0.3, 0.35]


def _scene(seed=0, h=96, w=96):
    rng = np.random.default_rng(seed)
    base = np.kron(rng.random((h // 8, w // 8)), np.ones((8, 8)))
    hr = np.stack([base * (0.5 + 0.2 * b) + 0.05 * rng.random((h, w)) for b in range(4)]).astype(np.float32)
    ms = filters.mtf_filter_decimate(hr, GAINS, R, (R // 2, R // 2)).astype(np.float32)
    ms_up = hr.copy()
    ms_up[:, R // 2::R, R // 2::R] = ms          # the term reads the MS at the LR pixel centres only
    return hr, ms, ms_up


def test_the_spectral_term_is_zero_for_the_image_that_gives_the_ms():
    hr, ms, ms_up = _scene()
    k = FS.mtf_weights(GAINS, R, 4)
    bw = torch.ones(1, 4, 1, 1)
    t = lambda a: torch.from_numpy(a)[None]  # noqa: E731
    exact = float(FS.spectral_loss(t(hr), t(ms_up), k, R, bw))
    brighter = float(FS.spectral_loss(t(hr * 1.1), t(ms_up), k, R, bw))
    assert exact < 2e-3 * float(np.abs(ms).mean())               # only the kernel's truncation is left
    assert brighter == pytest.approx(0.1 * float(np.abs(ms).mean()), rel=0.1)


def test_the_kernels_are_the_band_mtfs_truncated_and_normalised():
    k = FS.mtf_weights(GAINS, R, 4).numpy()
    assert k.shape[0] == 4 and k.shape[-1] % 2 == 1 and k.shape[-1] < filters.mtf_taps(R)
    np.testing.assert_allclose(k.sum(axis=(1, 2, 3)), 1.0, rtol=1e-5)
    # a lower Nyquist gain is a wider blur: less weight in the centre tap
    c = k.shape[-1] // 2
    assert k[0, 0, c, c] < k[3, 0, c, c]


def test_local_correlation_of_an_affine_copy_is_one():
    rng = np.random.default_rng(1)
    a = torch.from_numpy(rng.random((1, 2, 20, 20)).astype(np.float32))
    rho = FS.local_correlation(a, 2.0 * a + 3.0, 5)
    assert rho.shape == (1, 2, 16, 16)
    np.testing.assert_allclose(rho.numpy(), 1.0, atol=1e-3)


def test_the_spatial_term_is_zero_for_pan_like_bands_and_not_for_unrelated_ones():
    hr, _ms, ms_up = _scene(2)
    pan = hr.mean(0)
    tile = Tile(hr=pan[None], lr_up=ms_up, lr=ms_up[:, R // 2::R, R // 2::R], valid=np.ones(pan.shape, bool), ratio=R,
                phase=(R // 2, R // 2))
    b = FS.blocks([tile], R, 0.15, 1.0, lambda t: t.lr_up)[0]
    assert 0.3 < float(b.rho_max.mean()) <= 1.0
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))[None]  # noqa: E731
    pan_like = np.repeat(pan[None], 4, axis=0)
    noise = np.random.default_rng(3).random(hr.shape).astype(np.float32)
    assert float(FS.spatial_loss(t(pan_like), t(pan[None]), t(b.rho_max), R)) == pytest.approx(0.0, abs=1e-4)
    assert float(FS.spatial_loss(t(noise), t(pan[None]), t(b.rho_max), R)) > 0.2


@pytest.mark.parametrize("phase", [(0, 0), (1, 3), (3, 2)])
def test_blocks_put_the_lr_pixel_centres_at_half_the_ratio(phase):
    rng = np.random.default_rng(4)
    h = w = 64
    ms_up = rng.random((4, h, w)).astype(np.float32)
    pan = rng.random((h, w)).astype(np.float32)
    tile = Tile(hr=pan[None], lr_up=ms_up, lr=ms_up[:, phase[0]::R, phase[1]::R], valid=np.ones((h, w), bool),
                ratio=R, phase=phase)
    b = FS.blocks([tile], R, 0.15, 2.0, lambda t: t.lr_up)[0]
    assert b.pan.shape[0] % R == 0 and b.pan.shape[1] % R == 0
    centres = b.ms_up[:, R // 2::R, R // 2::R]
    lr = 2.0 * tile.lr
    # the first LR centre of the block is an LR pixel of the tile: the block starts (phase - r // 2) mod r in
    oy, ox = ((phase[0] - R // 2) % R + R // 2 - phase[0]) // R, ((phase[1] - R // 2) % R + R // 2 - phase[1]) // R
    np.testing.assert_array_equal(centres, lr[:, oy:oy + centres.shape[1], ox:ox + centres.shape[2]])
