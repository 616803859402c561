"""Registry of fusion methods.  Adding a method = one module + one entry in ``_REGISTRY``.

Entries are "module:Class" strings so that deep methods (which import torch) are only imported when
chosen: the plugin must load and the classical methods must run without torch.
"""
from __future__ import annotations

import importlib

from ..errors import InputError, MissingDependency
from .base import FusionMethod, SceneInfo, Tile

# name -> (module, class, task, label); a module without a dot lives in this package
_REGISTRY: dict[str, tuple[str, str, str, str]] = {}


def register(name: str, module: str, cls: str, task: str, label: str) -> None:
    _REGISTRY[name] = (module, cls, task, label)


def method_names(task: str = "pansharpen") -> list[str]:
    return [n for n, entry in _REGISTRY.items() if entry[2] == task]


def method_entry(name: str) -> tuple[str, str, str, str]:
    """(module, class, task, label) of a registered method, without importing its module."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise InputError(f"Unknown method '{name}'. Available: {', '.join(_REGISTRY)}") from None


def method_label(name: str) -> str:
    return _REGISTRY[name][3]


def get_method(name: str) -> FusionMethod:
    """A fresh instance of the method called ``name``."""
    try:
        module, cls, _task, _label = _REGISTRY[name]
    except KeyError:
        raise InputError(f"Unknown method '{name}'. Available: {', '.join(_REGISTRY)}") from None
    try:
        mod = importlib.import_module(module if "." in module else f"{__name__}.{module}")
    except ImportError as exc:
        if exc.name and exc.name.split(".")[0] in ("torch", "timm", "torchvision"):
            raise MissingDependency(
                f"The method '{_REGISTRY[name][3]}' needs the Python package '{exc.name.split('.')[0]}', "
                "which is not installed. Install the plugin's deep-learning dependencies "
                "(see the README, section 'Deep-learning dependencies')."
            ) from exc
        raise
    return getattr(mod, cls)()


# --- classical pansharpening --------------------------------------------------------------------
register("exp", "classical_pan", "Exp", "pansharpen", "EXP (23-tap interpolation, no fusion)")
register("brovey", "classical_pan", "Brovey", "pansharpen", "Brovey transform (fitted band weights)")
register("bt_h", "classical_pan", "BTH", "pansharpen", "BT-H (Brovey with haze correction)")
register("gsa", "classical_pan", "GSA", "pansharpen", "GSA (adaptive Gram-Schmidt)")
register("bdsd_pc", "classical_pan", "BDSDPC", "pansharpen", "BDSD-PC")
register("mtf_glp_hpm", "classical_pan", "MTFGLPHPM", "pansharpen", "MTF-GLP-HPM")
register("mtf_glp_fs", "classical_pan", "MTFGLPFS", "pansharpen", "MTF-GLP-FS")
register("awlp", "classical_pan", "AWLP", "pansharpen", "AWLP")
register("panadapter", "panadapter_method", "PanAdapterMethod", "pansharpen", "PanAdapter (deep, adapts to the scene)")
# Auto last, so that the older METHOD numbers keep their meaning.
register("auto", "auto_method", "AutoPan", "pansharpen", "Auto (best classical method for the scene)")

# --- classical HS-MS fusion ---------------------------------------------------------------------
register("hs_exp", "classical_hsms", "HSExp", "hsms", "EXP (interpolated HSI, no fusion)")
register("mtf_glp_hs", "classical_hsms", "MTFGLPHS", "hsms", "MTF-GLP-HS (GLP hypersharpening)")
register("infn", "infn_method", "INFN", "hsms", "INFN (deep implicit fusion)")
register("hs_auto", "auto_method", "AutoHSMS", "hsms", "Auto (best classical method for the scene)")

__all__ = ["FusionMethod", "SceneInfo", "Tile", "get_method", "method_entry", "method_names", "method_label", "register"]
