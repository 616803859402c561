"""Layers point one way: the imports of core modules (at module level or inside functions) read from source."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"


def imported_modules(path: Path) -> set[str]:
    """Absolute ``core.…`` names of every module ``path`` imports, relative imports resolved."""
    package = ["core", *path.relative_to(CORE).parent.parts]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
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
    assert imported_modules(CORE / "tiling.py") <= {"__future__", "__future__.annotations", "dataclasses",
                                                    "dataclasses.dataclass", "typing", "typing.Iterator", "numpy"}
