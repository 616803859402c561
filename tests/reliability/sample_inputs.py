"""The bundled sample rasters the reliability tests run on, and the helpers several of them share."""
import hashlib
import os

from core.engine import FusionRequest

SAMPLE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "resources", "sample"))
PAN = os.path.join(SAMPLE, "landsat8_pan_B8_15m.tif")
MS = os.path.join(SAMPLE, "landsat8_ms_B2-B5_30m.tif")
HSI = os.path.join(SAMPLE, "jasper_ridge_lrhsi_120m.tif")
MSI = os.path.join(SAMPLE, "jasper_ridge_msi_s2_30m.tif")


def digest(path) -> str:
    """SHA-256 of a file: an input compared before and after a run must not have changed."""
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def gsa_request(pan, ms, out, **kw) -> FusionRequest:
    """A quick pansharpening request (GSA, 128-pixel tiles) of ``pan`` and ``ms`` into ``out``."""
    return FusionRequest(task="pansharpen", hr_path=pan, lr_path=ms, output_path=str(out), method="gsa",
                         tile_size=128, **kw)
