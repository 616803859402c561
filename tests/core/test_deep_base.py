"""core.methods.deep_base: what PanAdapter and INFN share (value gain, device, flags, progress share) and the
one ResBlock of their networks."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from core.errors import InputError  # noqa: E402
from core.methods import (  # noqa: E402
    SceneInfo,
    deep_base,  # noqa: E402
    get_method,
)
from core.models.blocks import ResBlock  # noqa: E402


def test_scene_gain_brings_the_99th_percentile_to_the_target_and_training_uses_it():
    ms = np.linspace(0.0, 1.0, 10001, dtype=np.float32)
    assert deep_base.scene_gain(ms) == pytest.approx(0.4 / 0.99, rel=1e-6)
    with_nan = np.concatenate([ms, np.full(50, np.nan, np.float32)])
    assert deep_base.scene_gain(with_nan) == deep_base.scene_gain(ms)          # non-finite values are ignored
    assert deep_base.scene_gain(np.full(4, np.nan, np.float32)) == 1000.0      # nothing valid: the upper bound
    assert deep_base.scene_gain(np.full(4, 100.0, np.float32)) == 0.1          # the lower bound
    pan_data = pytest.importorskip("core.training.pan_data")
    assert pan_data.scene_gain is deep_base.scene_gain


def test_flag_reads_text_and_bools():
    assert [deep_base.flag(v) for v in ("true", " Yes ", "1", "on", True)] == [True] * 5
    assert [deep_base.flag(v) for v in ("false", "0", "", "off", None, False)] == [False] * 6


def test_device_choice_names_the_engine():
    with pytest.raises(InputError, match="use auto, cpu or cuda"):
        deep_base.pick_device("tpu", "INFN")
    assert deep_base.pick_device("cpu", "INFN") == (torch.device("cpu"), None)
    if not torch.cuda.is_available():
        dev, warning = deep_base.pick_device("cuda", "INFN")
        assert dev.type == "cpu" and "INFN runs on the CPU" in warning


@pytest.mark.parametrize("method, bands, options, share", [
    ("panadapter", (4, 1), {}, deep_base.LOAD_SHARE),                 # bundled 4-band model
    ("panadapter", (4, 1), {"adapt": "true"}, deep_base.ADAPT_SHARE),
    ("panadapter", (5, 1), {}, deep_base.ADAPT_SHARE),                # no 5-band model: adapts by itself
    ("infn", (31, 3), {}, deep_base.LOAD_SHARE),                      # bundled CAVE model
    ("infn", (31, 3), {"adapt": True}, deep_base.ADAPT_SHARE),
    ("infn", (40, 4), {}, deep_base.ADAPT_SHARE),
])
def test_prepare_share_follows_whether_the_engine_adapts(method, bands, options, share):
    m = get_method(method)
    assert isinstance(m, deep_base.DeepMethod) and m.tile_threads == 1
    scene = SceneInfo(task="pansharpen" if method == "panadapter" else "hsms", ratio=4, lr_bands=bands[0],
                      hr_bands=bands[1], gnyq_lr=[0.3] * bands[0], gnyq_hr=0.15, options=options)
    assert m.prepare_share(scene) == share
    assert m.installed_models() and {x["engine"] for x in m.installed_models()} == {method}


def test_one_resblock_with_the_bundled_state_dict_keys():
    from core.models import infn
    from core.models.panadapter import cnn
    assert infn.ResBlock is cnn.ResBlock is ResBlock
    torch.manual_seed(0)
    blk = ResBlock(4, res_scale=0.5)
    assert sorted(blk.state_dict()) == ["conv1.bias", "conv1.weight", "conv2.bias", "conv2.weight"]
    x = torch.randn(1, 4, 9, 9)
    h = torch.nn.functional.conv2d(x, blk.conv1.weight, blk.conv1.bias, padding=1).clamp_min(0)
    want = x + 0.5 * torch.nn.functional.conv2d(h, blk.conv2.weight, blk.conv2.bias, padding=1)
    torch.testing.assert_close(blk(x), want)


def test_each_network_tile_hands_the_heaps_free_memory_back(monkeypatch):
    """DeepMethod.apply trims the C heap after every tile, also when the network fails or the guard's classical
    method makes the tile (else the resident set grew by a tile's working memory per tile: 2.1 GB instead of 1.5
    for PanAdapter v2 on 2048 x 2048)."""
    from core.heap import release_free_memory
    from core.methods.base import Tile

    calls = []
    monkeypatch.setattr(deep_base, "release_free_memory", lambda: calls.append(1) or True)

    class Net(deep_base.DeepMethod):
        who = "test network"

        def fuse_tile(self, tile):
            if tile.hr.shape[-1] == 1:
                raise RuntimeError("boom")
            return tile.lr_up * 2

    m = Net()
    m.model, m.device = object(), torch.device("cuda")     # not the CPU: no row parts, fuse_tile directly
    t = Tile(hr=np.ones((1, 4, 4), np.float32), lr_up=np.ones((2, 4, 4), np.float32), lr=np.ones((2, 2, 2)),
             valid=np.ones((4, 4), bool), ratio=2, phase=(0, 0), lr_origin=(0.0, 0.0), core=(slice(0, 4), slice(0, 4)))
    assert (m.apply(t) == 2).all() and calls == [1]
    bad = Tile(hr=np.ones((1, 4, 1), np.float32), lr_up=t.lr_up[..., :1], lr=t.lr, valid=t.valid[:, :1], ratio=2,
               phase=(0, 0), lr_origin=(0.0, 0.0), core=(slice(0, 4), slice(0, 1)))
    with pytest.raises(RuntimeError, match="boom"):
        m.apply(bad)
    assert calls == [1, 1]
    # a guard that handed the scene to a classical method: its tiles are trimmed after too

    class Delegate:
        def apply(self, tile):
            return tile.lr_up + 1

    m.guard = type("G", (), {"delegate": Delegate()})()
    assert (m.apply(t) == 2).all() and calls == [1, 1, 1]
    # glibc (the Linux this plugin is tested on) has malloc_trim
    assert release_free_memory() is True
