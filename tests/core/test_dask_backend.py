"""The Dask backend: same pixels as the single process, worker loss, resume, cancel, optional dask."""
import os
import sys

import numpy as np
import pytest
from osgeo import gdal

import core.engine as engine
from core import dask_backend
from core.engine import FusionRequest, run_fusion
from core.errors import Cancelled, InputError, MissingDependency
from core.methods.base import FusionMethod

pytest.importorskip("distributed")

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample")
PAN = os.path.join(SAMPLE, "landsat8_pan_B8_15m.tif")
MS = os.path.join(SAMPLE, "landsat8_ms_B2-B5_30m.tif")
HSI = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
MSI = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")


def request(out, **kw):
    args = dict(task="pansharpen", hr_path=PAN, lr_path=MS, output_path=str(out), method="mtf_glp_hpm",
                tile_size=64, overlap=16)
    args.update(kw)
    return FusionRequest(**args)


def pixels(path):
    ds = gdal.Open(str(path))
    return ds.ReadAsArray(), [ds.GetRasterBand(b + 1).GetNoDataValue() for b in range(ds.RasterCount)]


@pytest.fixture(scope="module")
def client():
    with dask_backend.connect("local:2") as c:
        yield c


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "single.tif"
    run_fusion(request(out))
    return pixels(out)


def test_two_workers_write_the_single_process_pixels(tmp_path, client, reference):
    out = tmp_path / "dask.tif"
    res = run_fusion(request(out, cluster="local:2"), client=client)
    assert (res.width, res.height, res.bands) == (255, 255, 4)
    data, nodata = pixels(out)
    assert np.array_equal(data, reference[0]) and nodata == reference[1]
    assert not os.path.exists(str(out) + ".tiles")
    assert [p for p in os.listdir(tmp_path) if p != "dask.tif"] == []


class CountingLoads(FusionMethod):
    """EXP that records every unpickling (= every load of the prepared method) in a file."""
    name = "counting_loads"
    label = "test: counting loads"

    def __init__(self, log_path=""):
        super().__init__()
        self.log_path = log_path

    def __setstate__(self, state):
        self.__dict__.update(state)
        with open(self.log_path, "a") as fh:
            fh.write(f"{os.getpid()}\n")

    def apply(self, tile):
        return tile.lr_up


def test_the_prepared_method_is_loaded_once_per_worker(tmp_path, client, monkeypatch):
    log_path = tmp_path / "loads.txt"
    real_get, real_names = engine.get_method, engine.method_names
    monkeypatch.setattr(engine, "get_method",
                        lambda n: CountingLoads(str(log_path)) if n == "counting_loads" else real_get(n))
    monkeypatch.setattr(engine, "method_names", lambda task: ["counting_loads"] + real_names(task))
    run_fusion(request(tmp_path / "o.tif", method="counting_loads", cluster="local:2"), client=client)
    pids = log_path.read_text().split()
    assert 1 <= len(pids) <= 2 and len(set(pids)) == len(pids)      # 25 tiles, at most one load per worker


class TinyConvNet(FusionMethod):
    """A deep-method stand-in: a fixed random 3x3 convolution (torch) added to the interpolated MS."""
    name = "tiny_conv"
    label = "test: tiny torch network"
    needs_torch = True
    tile_threads = 1

    def halo(self, ratio):
        return 4

    def prepare(self, samples, scene):
        import torch
        super().prepare(samples, scene)
        torch.manual_seed(0)
        self.net = torch.nn.Conv2d(scene.lr_bands + 1, scene.lr_bands, 3, padding=1)

    def apply(self, tile):
        import torch
        x = torch.from_numpy(np.concatenate([tile.lr_up, tile.hr]) / 1000.0).float()[None]
        with torch.no_grad():
            detail = self.net(x)[0].numpy()
        return tile.lr_up + 100.0 * detail


def test_a_torch_method_matches_within_float_tolerance(tmp_path, client, monkeypatch):
    pytest.importorskip("torch")
    real_get, real_names = engine.get_method, engine.method_names
    monkeypatch.setattr(engine, "get_method", lambda n: TinyConvNet() if n == "tiny_conv" else real_get(n))
    monkeypatch.setattr(engine, "method_names", lambda task: ["tiny_conv"] + real_names(task))
    kw = dict(method="tiny_conv", output_dtype="float32")
    run_fusion(request(tmp_path / "a.tif", **kw))
    run_fusion(request(tmp_path / "b.tif", cluster="local:2", **kw), client=client)
    a, b = pixels(tmp_path / "a.tif")[0], pixels(tmp_path / "b.tif")[0]
    assert np.allclose(a, b, rtol=1e-5, atol=1e-3)


def test_hsms_on_the_cluster_matches_too(tmp_path, client):
    kw = dict(task="hsms", hr_path=MSI, lr_path=HSI, method="mtf_glp_hs", tile_size=64, overlap=8)
    run_fusion(request(tmp_path / "a.tif", **kw))
    run_fusion(request(tmp_path / "b.tif", cluster="local", **kw), client=client)
    a, b = pixels(tmp_path / "a.tif")[0].astype(np.int64), pixels(tmp_path / "b.tif")[0].astype(np.int64)
    # The band regression (lstsq) and its injection (tensordot) run on BLAS, whose summation order follows the
    # thread count (a worker has its own), so a value within a last-bit difference of .5 can round to the other
    # integer: on one machine 7 of 1.9 M values differed by 1.  Anything beyond that (a misplaced or missing
    # tile) fails here.
    d = np.abs(a - b)
    assert d.max() <= 1 and np.count_nonzero(d) <= 1e-4 * d.size


def test_a_killed_worker_loses_no_tile(tmp_path, client, reference, monkeypatch):
    marker = tmp_path / "killed"
    monkeypatch.setenv(dask_backend.FAULT_ENV, f"2,2,{marker}")
    out = tmp_path / "dask.tif"
    run_fusion(request(out, cluster="local:2"), client=client)
    assert marker.exists()                      # a worker really died on tile (2, 2)
    assert np.array_equal(pixels(out)[0], reference[0])


def test_an_interrupted_run_resumes_from_its_finished_tiles(tmp_path, client, reference):
    out = tmp_path / "dask.tif"

    def crash(p):
        if p > 50:
            raise RuntimeError("client crashed")

    with pytest.raises(RuntimeError, match="client crashed"):
        run_fusion(request(out, cluster="local:2"), progress=crash, client=client)
    assert not out.exists()
    folder = str(out) + ".tiles"
    kept = [f for f in os.listdir(folder) if f.endswith(".npz")]
    assert kept
    messages = []
    run_fusion(request(out, cluster="local:2"), log=messages.append, client=client)
    assert any(m.startswith(f"Resuming: {len(kept)} of 25 tiles") for m in messages), messages
    assert np.array_equal(pixels(out)[0], reference[0])
    assert not os.path.exists(folder)


def test_stale_tiles_of_another_request_are_not_reused(tmp_path, client):
    out = tmp_path / "dask.tif"
    folder = str(out) + ".tiles"
    with pytest.raises(RuntimeError):
        run_fusion(request(out, cluster="local:2", method="brovey"),
                   progress=lambda p: (_ for _ in ()).throw(RuntimeError()) if p > 50 else 0, client=client)
    assert os.path.isdir(folder)
    messages = []
    run_fusion(request(out, cluster="local:2"), log=messages.append, client=client)
    assert not any(m.startswith("Resuming") for m in messages)


def test_cancel_leaves_nothing(tmp_path, client):
    out = tmp_path / "dask.tif"
    state = {"p": 0.0}

    with pytest.raises(Cancelled):
        run_fusion(request(out, cluster="local:2"), progress=lambda p: state.update(p=p),
                   is_cancelled=lambda: state["p"] > 30, client=client)
    assert os.listdir(tmp_path) == []


def test_run_fusion_dispatches_on_cluster(tmp_path, reference):
    out = tmp_path / "dask.tif"
    messages = []
    run_fusion(request(out, cluster="local:1"), log=messages.append)
    assert any("Dask cluster of 1 worker" in m for m in messages)
    assert np.array_equal(pixels(out)[0], reference[0])


@pytest.mark.parametrize("spec,expected", [
    ("local", ("local", None)), ("local:3", ("local", 3)), ("tcp://10.0.0.5:8786", ("address", "tcp://10.0.0.5:8786")),
    ("sched.example.org:8786", ("address", "tcp://sched.example.org:8786"))])
def test_cluster_spec(spec, expected):
    assert dask_backend.parse_cluster(spec) == expected


@pytest.mark.parametrize("spec", ["local:0", "remote", "http://x:1", "local:two"])
def test_bad_cluster_spec_is_an_input_error(spec, tmp_path):
    with pytest.raises(InputError, match="CLUSTER"):
        run_fusion(request(tmp_path / "x.tif", cluster=spec))


def test_without_dask_a_cluster_run_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependency, match="dask"):
        run_fusion(request(tmp_path / "x.tif", cluster="local:2"))
    run_fusion(request(tmp_path / "y.tif"))        # no CLUSTER: dask is never needed
    assert (tmp_path / "y.tif").exists()
