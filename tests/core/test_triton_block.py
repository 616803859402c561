"""The triton block that keeps QGIS Desktop alive (core/triton_block.py), the dependency probe that checks
under the desktop's conditions, and the link from `make setup`'s .venv into a QGIS profile."""
import glob
import importlib.machinery
import os
import subprocess
import sys

import pytest

from core import dependencies as deps, triton_block, venv_link

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Mesa's LLVM, which QGIS Desktop loads for OpenGL; triton segfaults when it is already mapped.
MESA_LLVM = sorted(glob.glob("/usr/lib/x86_64-linux-gnu/libLLVM-1[0-9].so.1"))
# PathFinder looks at sys.path itself: the plugin may already have blocked triton in this pytest process.
HAS_TRITON = importlib.machinery.PathFinder.find_spec("triton") is not None


def run_python(code: str, env_extra: dict = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != triton_block.ALLOW_ENV}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=300)


def test_block_makes_triton_unimportable_and_torch_agrees():
    res = run_python(
        "from core.triton_block import block_triton, is_blocked\n"
        "print(block_triton(), is_blocked())\n"
        "try:\n    import triton\n    print('imported')\nexcept ImportError:\n    print('ImportError')\n"
        "import importlib.util; print(importlib.util.find_spec('triton'))\n"
        "import torch.utils._triton as t; print(t.has_triton_package())\n")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["blocked", "True", "ImportError", "None", "False"]


def test_block_can_be_lifted_and_reports_a_late_call():
    res = run_python("from core.triton_block import block_triton; print(block_triton())",
                     {triton_block.ALLOW_ENV: "1"})
    assert res.stdout.split() == ["allowed"]
    res = run_python("import sys, types; sys.modules['triton'] = types.ModuleType('triton')\n"
                     "from core.triton_block import block_triton; print(block_triton())")
    assert res.stdout.split() == ["already", "imported"]


def test_loaded_llvm_libraries_reads_the_process_maps(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text(
        "7f00-7f01 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1\n"
        "7f01-7f02 r-xp 00001000 08:01 1 /usr/lib/x86_64-linux-gnu/libLLVM-15.so.1\n"
        "7f02-7f03 r--p 00000000 08:01 2 /usr/lib/x86_64-linux-gnu/libGL.so.1\n"
        "7f03-7f04 rw-p 00000000 00:00 0 \n")
    assert triton_block.loaded_llvm_libraries(str(maps)) == ["/usr/lib/x86_64-linux-gnu/libLLVM-15.so.1"]
    assert triton_block.loaded_llvm_libraries(str(tmp_path / "none")) == []


@pytest.mark.skipif(not (MESA_LLVM and HAS_TRITON), reason="needs Mesa's libLLVM and a torch build with triton")
def test_deep_method_loads_with_mesa_llvm_preloaded():
    """The desktop crash outside QGIS: with Mesa's LLVM loaded first, building PanAdapter (which imports
    timm) works with the block and dies with SIGSEGV without it."""
    code = "from core.methods import get_method; print(type(get_method('panadapter')).__name__)"
    env = {"LD_PRELOAD": MESA_LLVM[-1]}
    ok = run_python(code, env)
    assert ok.returncode == 0 and ok.stdout.strip() == "PanAdapterMethod", ok.stderr[-2000:]
    crash = run_python(code, dict(env, **{triton_block.ALLOW_ENV: "1"}))
    assert crash.returncode == -11


@pytest.mark.skipif(not (MESA_LLVM and HAS_TRITON), reason="needs Mesa's libLLVM and a torch build with triton")
def test_probe_checks_under_the_desktop_conditions(monkeypatch):
    """The dependency check preloads the LLVM the calling process has and applies the same block: it passes
    with the block and reports the crash without it (as QGIS Desktop would have crashed)."""
    monkeypatch.delenv(triton_block.ALLOW_ENV, raising=False)
    good = deps.probe(preload=MESA_LLVM[-1:])
    assert good.ok, good.summary()
    monkeypatch.setenv(triton_block.ALLOW_ENV, "1")
    bad = deps.probe(preload=MESA_LLVM[-1:])
    assert not bad.ok and "SIGSEGV" in bad.crashed


def make_site_packages(root):
    sp = root / "site-packages"
    for name in ("torch", "timm", "pygments", "numpy"):
        (sp / name).mkdir(parents=True)
        (sp / name / "__init__.py").write_text(f"NAME = {name!r}\n")
    for dist, top in (("torch-2.0", "torch"), ("Pygments-2.19.0", "pygments"), ("numpy-2.0", "numpy")):
        meta = sp / f"{dist}.dist-info"
        meta.mkdir()
        (meta / "RECORD").write_text(f"{top}/__init__.py,,\n{dist}.dist-info/RECORD,,\n")
    (sp / "distutils-precedence.pth").write_text("import os\n")
    (sp / "__pycache__").mkdir()
    return sp


def test_venv_link_leaves_out_qgis_packages_and_relinks(tmp_path):
    sp = make_site_packages(tmp_path)
    target = deps.deps_dir(str(tmp_path / "profile"))
    names = venv_link.link_site_packages(str(sp), target)
    assert names == ["timm", "torch", "torch-2.0.dist-info"]
    assert sorted(os.listdir(target)) == sorted(names + [venv_link.MARKER])
    assert os.path.realpath(os.path.join(target, "torch")) == str((sp / "torch").resolve())
    # run again after the venv changed: the folder is rebuilt, the venv's files are untouched
    (sp / "safetensors").mkdir()
    names = venv_link.link_site_packages(str(sp), target)
    assert "safetensors" in names and (sp / "torch" / "__init__.py").exists()
    # importable from the linked folder
    res = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import timm; "
                          "print(timm.NAME)", target], capture_output=True, text=True)
    assert res.stdout.strip() == "timm"


def test_venv_link_never_replaces_an_installed_folder(tmp_path):
    sp = make_site_packages(tmp_path)
    target = deps.deps_dir(str(tmp_path / "profile"))
    os.makedirs(os.path.join(target, "torch"))
    with open(os.path.join(target, "torch", "__init__.py"), "w") as fh:
        fh.write("# installed by the plugin's installer\n")
    with pytest.raises(venv_link.LinkRefused):
        venv_link.link_site_packages(str(sp), target)
    assert os.listdir(os.path.join(target, "torch")) == ["__init__.py"]
    # the command line says so and does not fail make setup
    rc = venv_link.main(["--profile", str(tmp_path / "profile"), "--site-packages", str(sp)])
    assert rc == 0 and not os.path.islink(os.path.join(target, "torch"))
