"""Build a pre-trained network from its bundled weights (resources/weights/<name>.safetensors + manifest).

The weights go through :func:`core.models.weights.load_weights` (SHA-256 checked before parsing) and into the
network with ``strict=True``, so a missing or extra tensor is an error, never a silently random layer.
"""
from __future__ import annotations

import os

from ...errors import InputError
from .. import weights as W

ENGINE = "pretrained_sr"
ARCHITECTURES = ("scet", "rfdn")


def build(arch: str, config: dict | None = None):
    """An untrained network of ``arch`` ("scet" or "rfdn") with ``config`` (a dict of its config dataclass)."""
    if arch == "scet":
        from .scet import Scet, ScetConfig
        return Scet(ScetConfig.from_dict(config or {}))
    if arch == "rfdn":
        from .rfdn import Rfdn, RfdnConfig
        return Rfdn(RfdnConfig.from_dict(config or {}))
    raise ValueError(f"unknown pre-trained architecture {arch!r}; known: {', '.join(ARCHITECTURES)}")


def bundled_path(name: str) -> str:
    return os.path.join(W.BUNDLED_DIR, name + W.WEIGHTS_SUFFIX)


def load_pretrained(path_or_name: str, device: str = "cpu"):
    """(network in eval mode, float32, on ``device``; manifest) from a weights file or a bundled name
    such as "scet_x4"."""
    path = path_or_name if path_or_name.endswith(W.WEIGHTS_SUFFIX) else bundled_path(path_or_name)
    tensors, man = W.load_weights(path, engine=ENGINE)
    arch = man.get("architecture")
    if arch not in ARCHITECTURES:
        raise InputError(f"The weights '{os.path.basename(path)}' name no known architecture ({arch!r}).")
    model = build(arch, man["config"])
    model.load_state_dict({k: v.float() for k, v in tensors.items()}, strict=True)
    return model.to(device).eval(), man
