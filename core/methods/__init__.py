"""Fusion methods: the registry (``registry.SPECS``, one line per method) and loading a method by its id.

Methods are imported only when chosen: deep methods import torch, and the plugin must load and the
classical methods must run without it.
"""
from __future__ import annotations

import importlib

from ..errors import InputError, MissingDependency
from .base import FusionMethod, SceneInfo, Tile
from .registry import METHODS, MethodSpec, find_spec, specs_for

DEEP_PACKAGES = ("torch", "timm", "torchvision", "safetensors")


def method_names(task: str = "pansharpen") -> list[str]:
    return [s.id for s in specs_for(task)]


def method_spec(name: str) -> MethodSpec:
    """The registry entry of ``name``; InputError naming the available ids when there is none."""
    spec = find_spec(name)
    if spec is None:
        raise InputError(f"Unknown method '{name}'. Available: {', '.join(METHODS)}")
    return spec


def method_entry(name: str) -> tuple[str, str, str, str]:
    """(module, class, task, label) of a registered method, without importing its module."""
    spec = method_spec(name)
    return spec.target.split(":", 1)[0], spec.class_name, spec.task, spec.label


def method_label(name: str) -> str:
    return method_spec(name).label


def get_method(name: str) -> FusionMethod:
    """A fresh instance of the method called ``name``; MissingDependency when a deep package is missing."""
    spec = method_spec(name)
    try:
        mod = importlib.import_module(spec.module)
    except ImportError as exc:
        package = (exc.name or "").split(".")[0]
        if package in DEEP_PACKAGES:
            raise MissingDependency(
                f"The method '{spec.label}' needs the Python package '{package}', which is not installed. "
                "Install the plugin's deep-learning dependencies (see the README, section "
                "'Deep-learning dependencies').") from exc
        raise
    return getattr(mod, spec.class_name)()


__all__ = ["FusionMethod", "MethodSpec", "SceneInfo", "Tile", "get_method", "method_entry", "method_label",
           "method_names", "method_spec"]
