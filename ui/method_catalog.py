"""What the dock shows about each fusion method: the entries of core.methods.registry (no method module
is imported, so listing the deep methods needs no torch)."""
from __future__ import annotations

from ..core.methods import method_spec
from ..core.methods.registry import MethodSpec, specs_for

MethodInfo = MethodSpec


def method_info(name: str) -> MethodInfo:
    return method_spec(name)


def methods_for(task: str) -> list[MethodInfo]:
    return specs_for(task)
