"""PanAdapter weights files: build the network a verified safetensors file describes (never unpickles)."""
from __future__ import annotations

import os

from ...errors import InputError
from .. import weights as W
from .config import PanAdapterConfig
from .model import PanAdapter
from .pnn import PNNLike

ENGINE = "panadapter"


def model_from_manifest(man: dict):
    """An untrained network of the kind and size the manifest describes."""
    variant = (man.get("config", {}).get("variant", "panadapter") if isinstance(man.get("config"), dict)
               else "panadapter")
    cfgd = {k: v for k, v in man["config"].items() if k != "variant"}
    if variant == "pnn":
        return PNNLike(int(cfgd["bands"]), int(cfgd.get("width", 48)), str(cfgd.get("base", "ms_up")))
    return PanAdapter(PanAdapterConfig.from_dict(cfgd))


def load_model(path: str, engine: str = ENGINE):
    """(network in eval mode on the CPU, manifest) of a weights file, after its SHA-256 check."""
    tensors, man = W.load_weights(path, engine=engine)
    try:
        model = model_from_manifest(man)
    except (TypeError, ValueError, KeyError) as exc:
        raise InputError(f"The PanAdapter weights '{os.path.basename(path)}' have an unusable config: {exc}") from None
    try:
        model.load_state_dict({k: v.float() for k, v in tensors.items()})
    except RuntimeError as exc:
        raise InputError(f"The PanAdapter weights '{os.path.basename(path)}' do not fit their config: {exc}") from None
    return model.eval(), man


def config_dict(model) -> dict:
    if isinstance(model, PNNLike):
        return {"variant": "pnn", "bands": model.bands, "width": model.net[0].out_channels, "base": model.cfg.base}
    return model.cfg.to_dict()
