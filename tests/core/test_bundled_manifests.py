"""Every bundled weights file has a manifest that names its licence, its training data and its SHA-256, and the
weights trained on SpaceNet 6 carry CC BY-SA 4.0 with the attribution (manifest and NOTICE)."""
import glob
import json
import os

import pytest

from core.models import weights as W

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFESTS = sorted(glob.glob(os.path.join(ROOT, "resources", "weights", "*.json")))


def _licence(man: dict) -> str:
    return str(man.get("licence") or man.get("training", {}).get("licence") or "")


def test_the_plugin_bundles_weights():
    names = {os.path.basename(p)[:-5] for p in MANIFESTS}
    assert {"pan_scet_4band_vhr", "panadapter_4band", "panadapter_8band", "infn_cave_x4x8", "scet_x4"} <= names


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: os.path.basename(p))
def test_manifest_names_licence_data_and_hash(path):
    with open(path) as f:
        man = json.load(f)
    assert _licence(man).strip(), f"{os.path.basename(path)}: no licence"
    weights = path[:-5] + W.WEIGHTS_SUFFIX
    assert os.path.isfile(weights)
    sha = man.get("weights", {}).get("sha256") or man.get("sha256")
    assert sha == W.sha256_file(weights)
    data = json.dumps(man.get("training", {})) + json.dumps(man.get("source", {}))
    assert len(data) > 20, "no training data described"
    if "SpaceNet" in man.get("training", {}).get("data", ""):
        assert _licence(man) == "CC BY-SA 4.0"
        assert man["training"]["attribution"] == "SpaceNet 6, Maxar, CC BY-SA 4.0"
        with open(os.path.join(ROOT, "NOTICE")) as f:
            assert f"resources/weights/{os.path.basename(weights)}" in f.read()
