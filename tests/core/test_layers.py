"""Imports inside core/ point one way (DESIGN.md, "What may import what"): networks (core/models) and scene
adaptation (core/adapt) never import the engine methods (core/methods), which import them."""
import ast
import pathlib

import pytest

CORE = pathlib.Path(__file__).resolve().parents[2] / "core"


def _imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, absolute module) of every import that runs (those under ``if TYPE_CHECKING:`` do not)."""
    package = ".".join(path.relative_to(CORE.parent).with_suffix("").parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING":
            skipped |= {id(n) for n in ast.walk(node)}
    out = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            out += [(node.lineno, module)] if node.module else [(node.lineno, f"{module}.{a.name}") for a in node.names]
    return out


def _files(folder: str) -> list[pathlib.Path]:
    return sorted((CORE / folder).rglob("*.py"))


def test_the_import_resolver_sees_relative_imports():
    # the check below would pass vacuously if relative imports were resolved wrongly
    found = dict((m, n) for n, m in _imports(CORE / "methods" / "panadapter_method.py"))
    assert "core.adapt.panadapter_adapt" in found and "core.models.panadapter.predict" in found
    assert "core.methods.deep_base" in found


@pytest.mark.parametrize("folder", ["models", "adapt"])
def test_models_and_adaptation_never_import_methods(folder):
    files = _files(folder)
    assert files
    wrong = [f"{p.relative_to(CORE.parent)}:{line} imports {mod}" for p in files for line, mod in _imports(p)
             if mod == "core.methods" or mod.startswith("core.methods.")]
    assert not wrong, "\n".join(wrong)
