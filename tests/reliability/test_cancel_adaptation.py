"""A cancel during scene adaptation (PanAdapter, INFN) takes effect within a few seconds: the adaptation
checks for it between steps, sample blocks and regions, not only once per training step."""
import os
import threading
import time

import pytest

from core.engine import FusionRequest, run_fusion
from core.errors import Cancelled

pytest.importorskip("torch")

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample")
PAN = os.path.join(SAMPLE, "landsat8_pan_B8_15m.tif")
MS = os.path.join(SAMPLE, "landsat8_ms_B2-B5_30m.tif")
HSI = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
MSI = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")
BOUND = 3.0         # seconds from the cancel to the end of the run (a training step here takes 0.5-2 s)


def requests(tmp_path):
    return {
        "panadapter": FusionRequest("pansharpen", PAN, MS, str(tmp_path / "pa.tif"), method="panadapter",
                                    method_options={"adapt": True, "adapt_seconds": 120.0}),
        "infn": FusionRequest("hsms", MSI, HSI, str(tmp_path / "infn.tif"), method="infn",
                              method_options={"adapt": True, "adapt_seconds": 120.0}),
    }


@pytest.mark.timeout(300)
@pytest.mark.parametrize("method", ["panadapter", "infn"])
@pytest.mark.parametrize("delay", [0.0, 2.0])
def test_cancel_during_adaptation_takes_effect_quickly(tmp_path, method, delay):
    """The cancel comes ``delay`` seconds after the method says it starts adapting (0: before the first
    evaluation of the start, the slowest part to interrupt before)."""
    state = {"cancel_at": None}

    def log(message):
        if "dapting" in message and state["cancel_at"] is None:
            threading.Timer(delay, lambda: state.update(cancel_at=time.perf_counter())).start() if delay else \
                state.update(cancel_at=time.perf_counter())

    with pytest.raises(Cancelled):
        run_fusion(requests(tmp_path)[method], log=log, is_cancelled=lambda: state["cancel_at"] is not None)
    latency = time.perf_counter() - state["cancel_at"]
    assert latency < BOUND, f"{method}: the cancel took {latency:.1f} s"
    assert os.listdir(tmp_path) == []
