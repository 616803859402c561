"""The method registry: one complete, torch-free entry per method, read by every part of the plugin."""
import importlib.util
import os
import re
import subprocess
import sys

import pytest

from core.errors import InputError, MissingDependency
from core.methods import FusionMethod, get_method, method_names, method_spec, registry

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPECS = registry.SPECS


def test_ids_are_unique_lower_case_and_every_entry_is_complete():
    ids = [s.id for s in SPECS]
    assert len(ids) == len(set(ids)) == len(registry.METHODS)
    for s in SPECS:
        assert registry.ID_PATTERN.match(s.id), s.id
        assert s.task in registry.TASKS, s.id
        assert s.label.strip() and s.label == s.label.strip(), s.id
        assert s.description.endswith(".") and "\n" not in s.description and len(s.description) < 300, s.id
        assert re.fullmatch(r"[a-z_.]+:[A-Za-z_][A-Za-z0-9_]*", s.target), s.target
        # a measured speed is optional (the doctor then uses its default for classical / deep methods)
        assert s.seconds_per_mp_band is None or s.seconds_per_mp_band > 0, s.id
        assert s.speed in ("fast", "moderate", "slow", ""), s.id
        assert bool(s.trained_on) == s.needs_torch, s.id         # deep methods say what their weights saw
    for task in registry.TASKS:
        labels = [s.label for s in registry.specs_for(task)]
        assert len(labels) == len(set(labels)) and labels, task


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_every_entry_loads_or_names_the_missing_package(spec):
    try:
        method = get_method(spec.id)
    except MissingDependency as exc:
        assert spec.needs_torch, f"{spec.id} is classical but needs a deep package: {exc}"
        assert re.search(r"needs the Python package '(torch|timm|torchvision|safetensors)'", str(exc)), str(exc)
        deep_installed = all(importlib.util.find_spec(p) for p in ("torch", "timm", "safetensors"))
        assert not deep_installed, f"{spec.id} failed to load with the deep packages installed: {exc}"
        return
    assert isinstance(method, FusionMethod)
    assert type(method).__name__ == spec.class_name and type(method).__module__ == spec.module
    # the instance reads its label, task and torch need from its entry (one place for them)
    assert (method.name, method.label, method.task, method.needs_torch) == \
        (spec.id, spec.label, spec.task, spec.needs_torch)
    for attribute in ("label", "description", "task", "needs_torch", "trained_on", "seconds_per_mp_band"):
        assert attribute not in vars(type(method)), f"{spec.class_name} repeats '{attribute}' of the registry"


def test_listing_the_methods_imports_no_method_module():
    code = ("import sys; import core.methods as m, core.doctor; "
            "ids = m.method_names('pansharpen') + m.method_names('hsms'); "
            "assert 'gsa' in ids and 'infn' in ids, ids; "
            "bad = [k for k in sys.modules if k in ('torch', 'timm') or k.startswith("
            "('core.methods.classical', 'core.methods.infn', 'core.methods.panadapter'))]; print(bad)")
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "[]"


def test_speed_classes_and_unknown_ids():
    spec = registry.METHODS["gsa"]
    speeds = {v: registry.MethodSpec("x", "X", "pansharpen", "X.", "m:C", seconds_per_mp_band=v).speed
              for v in (0.25, 0.26, 0.5, 0.51, None)}
    assert speeds == {0.25: "fast", 0.26: "moderate", 0.5: "moderate", 0.51: "slow", None: ""}
    assert spec.summary().endswith("Classical method (no training, CPU). Speed on the CPU: fast.")
    assert registry.METHODS["bdsd_pc"].summary().endswith("Speed on the CPU: slow.")
    assert "Weights trained on: CAVE" in registry.METHODS["infn"].summary()
    assert method_spec("gsa") is spec and spec.module == "core.methods.classical_pan" and spec.class_name == "GSA"
    with pytest.raises(InputError, match=r"Unknown method 'GSA'. Available: .*gsa"):
        method_spec("GSA")
    assert method_names("hsms") == [s.id for s in SPECS if s.task == "hsms"]


def test_the_parameter_reference_shows_each_method_with_its_speed_class():
    with open(os.path.join(REPO, "docs", "algorithms.md"), encoding="utf-8") as fh:
        rows = dict(re.findall(r"^\| `([a-z0-9_]+)` \| .* \| (fast|moderate|slow|—)[^|]*\|$", fh.read(), re.M))
    assert rows == {s.id: s.speed or "—" for s in SPECS}
