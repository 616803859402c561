"""Row parts: a tile fused as several row parts (one CPU thread each) gives the whole tile's pixels."""
import math
import pickle
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from core.filters import upsample
from core.methods.base import Tile
from core.methods.row_parts import PART_ROWS, fuse_in_parts, part_count, split_rows

torch = pytest.importorskip("torch")

from core.methods import SceneInfo, get_method  # noqa: E402
from core.models import weights as W  # noqa: E402
from core.models.infn import INFN, InfnConfig  # noqa: E402

R = 4
MARGIN = 12                      # LR rows of context, as core.scene.LR_MARGIN


def _tile(rows=600, cols=64, bands=8, halo=16, seed=0):
    """A tile as core.scene.read_tile cuts one: ``halo`` HR rows and MARGIN LR rows beyond its core."""
    rng = np.random.default_rng(seed)
    lh, lw = rows // R + 2 * MARGIN, cols // R + 2 * MARGIN
    lr = rng.random((bands, lh, lw), dtype=np.float32)
    origin = (R // 2 - R * MARGIN, R // 2 - R * MARGIN)
    return Tile(hr=rng.random((3, rows, cols), dtype=np.float32),
                lr_up=upsample(lr, R, (rows, cols), offset=origin).astype(np.float32), lr=lr,
                valid=np.ones((rows, cols), bool), ratio=R, phase=(R // 2, R // 2), lr_origin=origin,
                core=(slice(halo, rows - halo), slice(halo, cols - halo)))


def _local_fusion(t: Tile) -> np.ndarray:
    """A fusion whose pixel depends on HR rows within 2 and on the LR row nearest to it (through lr_origin)."""
    h = t.hr.shape[1]
    box = np.stack([t.hr[0, np.clip(np.arange(h) + d, 0, h - 1)] for d in range(-2, 3)]).mean(0)
    lr_row = np.clip(np.rint((np.arange(h) - t.lr_origin[0]) / t.ratio).astype(int), 0, t.lr.shape[1] - 1)
    near = t.lr[:, lr_row, :][:, :, np.arange(t.hr.shape[2]) // t.ratio]
    return (near + box[None]).astype(np.float32)


def test_parts_cover_the_tile_once_and_carry_their_context():
    tile = _tile()
    parts = split_rows(tile, 3, 16, MARGIN)
    assert [p.dest.start for p in parts][0] == 0 and parts[-1].dest.stop == 600
    assert all(a.dest.stop == b.dest.start for a, b in zip(parts, parts[1:]))
    for p in parts:
        y0 = p.dest.start - p.keep.start
        assert np.array_equal(p.tile.hr, tile.hr[:, y0:y0 + p.tile.hr.shape[1]])
        # the part's LR rows sit where they sit in the tile
        l0 = round((p.tile.lr_origin[0] + y0 - tile.lr_origin[0]) / R)
        assert np.array_equal(p.tile.lr, tile.lr[:, l0:l0 + p.tile.lr.shape[1]])
        assert p.tile.lr_origin[0] + y0 == pytest.approx(tile.lr_origin[0] + R * l0)
        # inner edges carry HALO HR rows and MARGIN LR rows of context beyond the rows kept
        if p.dest.start > 0:
            assert p.keep.start == 16
            first_lr = math.floor((p.dest.start - 16 - tile.lr_origin[0]) / R)
            assert l0 == first_lr - MARGIN
    with ThreadPoolExecutor(2) as pool:
        fused = fuse_in_parts(tile, _local_fusion, parts, pool)
    assert np.array_equal(fused, _local_fusion(tile))


def test_part_count_follows_rows_and_threads():
    assert part_count(_tile(rows=1024 + 32), 2) == 4              # parts of at most PART_ROWS rows
    assert part_count(_tile(rows=PART_ROWS + 32), 2) == 1         # a small tile stays whole
    assert part_count(_tile(rows=2 * PART_ROWS + 32), 1) == 2     # one thread: the parts run one after another


def _tiny_weights(folder, bases=()):
    torch.manual_seed(0)
    cfg = InfnConfig(hsi_bands=8, msi_bands=3, feat_dim=16, spe_width=16, spe_blocks=1, spa_width=8, spa_blocks=1,
                     mlp_hidden=(16,), mlp_out=16, dec_widths=(16,))
    model = INFN(cfg)
    with torch.no_grad():            # default init zeroes the output layer: a non-trivial function here
        model.bands.out.weight.copy_(torch.randn(model.bands.out.weight.shape) * 0.1)
    path = str(folder / "tiny.safetensors")
    W.save_weights(path, model.state_dict(), {"name": "tiny", "engine": "infn", "config": cfg.to_dict(),
                                              "bands": {"lr_bands": 8, "hr_bands": 3}, "ratios": [4],
                                              "any_ratio": True, "training": {"bases": list(bases)}})
    return path


@pytest.mark.parametrize("value_max", [1.0, 65535.0])
def test_infn_tile_in_row_parts_equals_the_whole_tile(tmp_path, value_max):
    method = get_method("infn")
    method.prepare([], SceneInfo(task="hsms", ratio=R, lr_bands=8, hr_bands=3, gnyq_lr=[0.3] * 8, gnyq_hr=0.3,
                                 value_max=value_max,
                                 options={"weights": _tiny_weights(tmp_path), "guard": False, "device": "cpu",
                                          "threads": 2}))
    tile = _tile()
    tile.hr *= value_max
    tile.lr *= value_max
    tile.lr_up *= value_max
    before = [a.copy() for a in (tile.hr, tile.lr, tile.lr_up)]
    saved = torch.get_num_threads()
    parts = method.apply(tile)                                      # 3 parts on 2 threads
    assert torch.get_num_threads() == saved                         # the caller's torch threads are restored
    assert method._part_pool_size == 2
    torch.set_num_threads(1)
    try:
        whole = method.fuse_tile(tile)
    finally:
        torch.set_num_threads(saved)
    assert parts.shape == whole.shape == (8, 600, 64) and whole.std() > 0
    assert np.abs(parts - whole).max() <= 1e-6 * np.abs(whole).max()
    # the inputs are not scaled in place (the engine and the guard may read them again)
    assert all(np.array_equal(a, b) for a, b in zip(before, (tile.hr, tile.lr, tile.lr_up)))
    # a prepared method still pickles (Dask workers) after its row-part threads exist, and fuses the same there
    from core.dask_backend import pickle_method
    copy = pickle.loads(pickle_method(method))
    assert copy._part_pool is None and copy._cpu_budget is None
    copy.scene.options["threads"] = 2
    assert np.abs(copy.apply(tile) - parts).max() <= 1e-6 * np.abs(whole).max()


def test_infn_refining_a_base_in_row_parts_equals_the_whole_tile(tmp_path):
    """The parts carry the base's halo (like smaller tiles), and the network runs on each part's kept rows plus
    its own halo: the parts give the whole tile's pixels."""
    halo = get_method("ls_detail").halo(R)
    method = get_method("infn")
    tile = _tile(rows=700, cols=256, halo=halo)
    method.prepare([tile], SceneInfo(task="hsms", ratio=R, lr_bands=8, hr_bands=3, gnyq_lr=[0.3] * 8, gnyq_hr=0.3,
                                     value_max=1.0,
                                     options={"weights": _tiny_weights(tmp_path, ["ls_detail"]), "base": "ls_detail",
                                              "guard": False, "device": "cpu", "threads": 2}))
    assert method.row_part_context() == (halo, MARGIN) and part_count(tile, 2) > 1
    parts = method.apply(tile)[(slice(None),) + tile.core]          # the engine keeps the core
    whole = method.fuse_tile(tile)[(slice(None),) + tile.core]
    assert whole.std() > 0 and np.abs(parts - whole).max() <= 1e-5 * np.abs(whole).max()
