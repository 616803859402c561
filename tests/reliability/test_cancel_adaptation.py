"""A cancel during scene adaptation (PanAdapter, INFN) takes effect within a few seconds: the adaptation
checks for it between sample blocks, regions, MSI bands and steps, and inside the network's forward passes
(core.models.cancel_hooks), not only once per training step."""
import os
import threading
import time

import numpy as np
import pytest
from osgeo import gdal

from core.engine import FusionRequest, run_fusion
from core.errors import Cancelled

pytest.importorskip("torch")

from sample_inputs import HSI, MS, MSI, PAN

BOUND = 4.0         # seconds from the cancel to the end of the run


def tiled(src, dst, k):
    """The sample raster repeated k x k times (same origin and pixel size): a larger scene whose
    adaptation has regions that take seconds each."""
    ds = gdal.Open(src)
    a = np.tile(ds.ReadAsArray(), (1, k, k))
    out = gdal.GetDriverByName("GTiff").Create(str(dst), a.shape[2], a.shape[1], a.shape[0],
                                                ds.GetRasterBand(1).DataType)
    out.SetGeoTransform(ds.GetGeoTransform())
    out.SetProjection(ds.GetProjection())
    for b in range(a.shape[0]):
        out.GetRasterBand(b + 1).WriteArray(a[b])
        out.GetRasterBand(b + 1).SetMetadata(ds.GetRasterBand(b + 1).GetMetadata())
    out = None
    return str(dst)


@pytest.fixture(scope="module")
def large_hsms(tmp_path_factory):
    d = tmp_path_factory.mktemp("large")
    return tiled(MSI, d / "msi.tif", 8), tiled(HSI, d / "hsi.tif", 8)


def cancel_latency(req, trigger, delay=0.0):
    """Seconds from the cancel (``delay`` s after the first log line containing ``trigger``) to Cancelled."""
    state = {"at": None}

    def cancel():
        state["at"] = time.perf_counter()

    def log(message):
        if trigger in message and state["at"] is None and not state.get("timer"):
            state["timer"] = threading.Timer(delay, cancel)
            state["timer"].start()

    with pytest.raises(Cancelled):
        run_fusion(req, log=log, is_cancelled=lambda: state["at"] is not None)
    return time.perf_counter() - state["at"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize("trigger", [": ratio ", "spectral response estimated", "adapting new band layers"])
def test_infn_adaptation_stops_quickly(tmp_path, large_hsms, trigger):
    """Before, the set-up of the adaptation (spectral response, closed-form start, first evaluation) ran
    without a check: a cancel there took 31.6 s on this scene (2 busy cores)."""
    req = FusionRequest("hsms", *large_hsms, str(tmp_path / "infn.tif"), method="infn",
                        method_options={"adapt": True, "adapt_seconds": 300.0})
    latency = cancel_latency(req, trigger)
    assert latency < BOUND, f"the cancel took {latency:.1f} s"
    assert os.listdir(tmp_path) == []


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method,trigger,delay", [
    ("panadapter", ": ratio ", 0.0), ("panadapter", "Adapting PanAdapter", 0.0),
    ("panadapter", "Adapting PanAdapter", 2.0),
    # PanAdapter v2: during its base check, right after it, and inside its adaptation
    ("panadapter_v2", ": ratio ", 0.0), ("panadapter_v2", "PanAdapter v2 refines", 0.0),
    ("panadapter_v2", "Adapting PanAdapter v2", 2.0)])
def test_panadapter_adaptation_stops_quickly(tmp_path, method, trigger, delay):
    req = FusionRequest("pansharpen", PAN, MS, str(tmp_path / f"{method}.tif"), method=method,
                        method_options={"adapt": True, "adapt_seconds": 300.0})
    latency = cancel_latency(req, trigger, delay)
    assert latency < BOUND, f"the cancel took {latency:.1f} s"
    assert os.listdir(tmp_path) == []
