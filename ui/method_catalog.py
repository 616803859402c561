"""What the dock shows about each registered fusion method, read WITHOUT importing the method's module.

Deep methods import torch at module level; importing them just to list them would make opening the dock
slow (seconds) and could crash QGIS when torch is broken.  So the class attributes (label, description,
needs_torch, trained_on, seconds_per_mp_band) are read from the module's source with ``ast``, following
base classes defined in the same module or imported from sibling modules.  A module that is already
imported is read directly.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
from dataclasses import dataclass
from typing import Optional

from ..core import methods as _methods

ATTRIBUTES = ("label", "description", "needs_torch", "trained_on", "seconds_per_mp_band")
_UNSET = object()


@dataclass(frozen=True)
class MethodInfo:
    name: str
    label: str
    description: str = ""
    needs_torch: bool = False
    trained_on: str = ""                 # sensors / data the bundled weights were trained on
    seconds_per_mp_band: Optional[float] = None

    def summary(self) -> str:
        """One line for the dock: what it does and, for deep methods, what its weights saw."""
        text = self.description or self.label
        if self.needs_torch:
            text += f" Weights trained on: {self.trained_on}." if self.trained_on else " Deep-learning method."
        else:
            text += " Classical method (no training, CPU)."
        return text


def _module_name(entry_module: str) -> str:
    return entry_module if "." in entry_module else f"{_methods.__name__}.{entry_module}"


def _parse(module: str) -> Optional[ast.Module]:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    try:
        with open(spec.origin, encoding="utf-8") as fh:
            return ast.parse(fh.read(), filename=spec.origin)
    except (OSError, SyntaxError):
        return None


def _resolve_import(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.rsplit(".", node.level)[0]
    return f"{base}.{node.module}" if node.module else base


def _class_attributes(module: str, cls: str, depth: int = 0) -> dict:
    """Literal class attributes of ``module.cls`` and its bases (nearest definition wins)."""
    if depth > 6:
        return {}
    tree = _parse(module)
    if tree is None:
        return {}
    imported = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                imported[alias.asname or alias.name] = (_resolve_import(module, node), alias.name)
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls:
            found: dict = {}
            for base in reversed(node.bases):
                name = base.id if isinstance(base, ast.Name) else None
                if name is None or name == "FusionMethod":
                    continue
                src_module, src_name = imported.get(name, (module, name))
                found.update(_class_attributes(src_module, src_name, depth + 1))
            for stmt in node.body:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else \
                    [stmt.target] if isinstance(stmt, ast.AnnAssign) and stmt.value is not None else []
                for t in targets:
                    if isinstance(t, ast.Name) and t.id in ATTRIBUTES:
                        try:
                            found[t.id] = ast.literal_eval(stmt.value)
                        except ValueError:
                            pass
            return found
    return {}


def method_info(name: str) -> MethodInfo:
    module, cls, _task, label = _methods.method_entry(name)
    mod_name = _module_name(module)
    loaded = sys.modules.get(mod_name)
    if loaded is not None and hasattr(loaded, cls):
        klass = getattr(loaded, cls)
        attrs = {a: getattr(klass, a) for a in ATTRIBUTES if getattr(klass, a, _UNSET) is not _UNSET}
    else:
        attrs = _class_attributes(mod_name, cls)
    per = attrs.get("seconds_per_mp_band")
    return MethodInfo(name=name, label=label or attrs.get("label", name), description=str(attrs.get("description", "")),
                      needs_torch=bool(attrs.get("needs_torch", False)), trained_on=str(attrs.get("trained_on", "")),
                      seconds_per_mp_band=float(per) if isinstance(per, (int, float)) else None)


def methods_for(task: str) -> list[MethodInfo]:
    return [method_info(n) for n in _methods.method_names(task)]
