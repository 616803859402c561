"""Layers point one way: the imports of core modules (at module level or inside functions) read from source."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"


def imported_modules(path: Path) -> set[str]:
    """Absolute ``core.…`` names of every module ``path`` imports when it runs, relative imports resolved."""
    package = ["core", *path.relative_to(CORE).parent.parts]
    names = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # Imports under ``if TYPE_CHECKING:`` never run: they name types for annotations only.
    skipped = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
               and getattr(node.test, "id", getattr(node.test, "attr", "")) == "TYPE_CHECKING" for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            names.add(mod)
            names |= {f"{mod}.{a.name}" for a in node.names}     # "from . import engine"
    return names


def test_the_import_reader_sees_relative_and_local_imports():
    assert "core.tiling" in imported_modules(CORE / "models" / "panadapter" / "predict.py")
    assert "core.dask_backend" in imported_modules(CORE / "engine.py")       # lazily, inside run_fusion
    found = imported_modules(CORE / "methods" / "panadapter_method.py")
    assert {"core.adapt.panadapter_adapt", "core.models.panadapter.predict", "core.methods.deep_base"} <= found


@pytest.mark.parametrize("folder", ["models", "adapt"])
def test_models_and_adaptation_never_import_methods(folder):
    """Networks and scene adaptation sit below the engine methods, which import them."""
    files = sorted((CORE / folder).rglob("*.py"))
    assert files
    wrong = [f"{p.relative_to(CORE.parent)} imports {m}" for p in files for m in sorted(imported_modules(p))
             if m == "core.methods" or m.startswith("core.methods.")]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("module,forbidden", [
    ("dask_backend.py", "core.engine"),          # the engine uses the Dask tile source, not the reverse
    ("engine.py", "core.doctor"),                # the input doctor sits above the engine
    ("scene.py", "core.engine"),
])
def test_lower_modules_do_not_import_higher_ones(module, forbidden):
    assert not any(n == forbidden or n.startswith(forbidden + ".") for n in imported_modules(CORE / module))


def test_models_do_not_import_the_engine():
    for path in (CORE / "models").rglob("*.py"):
        names = imported_modules(path)
        assert not names & {"core.engine", "core.dask_backend", "core.scene"}, path


def test_tiling_imports_only_numpy():
    """Models (PanAdapter's piece blending) import core.tiling, so it must not pull in the engine's layers."""
    assert imported_modules(CORE / "tiling.py") <= {"__future__", "__future__.annotations", "collections.abc",
                                                    "collections.abc.Iterator", "dataclasses",
                                                    "dataclasses.dataclass", "typing", "typing.Iterator", "numpy"}
