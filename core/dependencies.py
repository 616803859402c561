"""Optional deep-learning packages (torch, timm, safetensors): detect them and install them into a folder the
plugin owns, without touching what QGIS ships.

* Detection imports the packages in a **subprocess** ("probe"): a broken torch (missing DLLs, wrong CUDA)
  then cannot crash QGIS, and its error is turned into a message.
* Installation runs ``python -m pip install --target <staging folder>`` with the plugin's pinned
  requirements.txt and a constraints file that pins the versions QGIS runs of numpy, GDAL, PyQt5 and the
  other compiled packages QGIS uses, so pip can never pick other versions of them.  ``--target`` installs
  every dependency into the folder, so the copies of those protected packages are deleted from it
  afterwards: QGIS's own ones stay the only ones.  The result is verified by a probe with the staging
  folder on sys.path, and only then replaces the previous installation.
* The plugin adds ``<QGIS profile>/python/deep_pansharpen_deps/py<X.Y>`` to sys.path at startup.

No QGIS imports: the dock's installer dialog and the tests drive :class:`Installer`.
"""
from __future__ import annotations

import functools
import importlib
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Callable

from . import triton_block

REQUIRED_MODULES = ("torch", "timm", "safetensors")
DEPS_FOLDER = "deep_pansharpen_deps"
PROBE_MARKER = "DEEP_PANSHARPEN_PROBE "
PROBE_TIMEOUT = 180

# Distributions QGIS itself (or its core plugins) imports; pinned to the running versions and never left
# in the install folder.  Compiled ones first: a second copy of these breaks QGIS (Geo-SAM#43: rtree).
PROTECTED_DISTRIBUTIONS = (
    "numpy", "GDAL", "PyQt5", "PyQt5-sip", "PyQt5-Qt5", "sip", "scipy", "Rtree", "Shapely", "pyproj",
    "pandas", "matplotlib", "h5py", "Pillow", "lxml", "psycopg2", "PyYAML", "OWSLib", "Pygments",
)
# Running versions of protected packages whose distribution metadata may be missing (OSGeo4W, macOS bundles).
_MODULE_VERSIONS = {"numpy": ("numpy", "__version__"), "GDAL": ("osgeo.gdal", "__version__"),
                    "PyQt5": ("PyQt5.QtCore", "PYQT_VERSION_STR")}

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REQUIREMENTS_FILE = os.path.join(PLUGIN_DIR, "requirements.txt")
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def canonical_name(name: str) -> str:
    """PEP 503 normalised distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


# --- where things are ---------------------------------------------------------------------------------

def deps_dir(profile_dir: str, version: Sequence[int] = sys.version_info) -> str:
    """The plugin's install folder inside a QGIS profile folder, one per Python minor version."""
    return os.path.join(profile_dir, "python", DEPS_FOLDER, f"py{version[0]}.{version[1]}")


def add_to_sys_path(folder: str) -> bool:
    """Put ``folder`` first on sys.path when it exists (protected packages were removed from it, so it
    cannot shadow QGIS's own); True when sys.path changed."""
    if not folder or not os.path.isdir(folder) or folder in sys.path:
        return False
    sys.path.insert(0, folder)
    importlib.invalidate_caches()
    return True


@functools.lru_cache(maxsize=1)
def python_executable() -> str:
    """The interpreter QGIS embeds, for pip and the probes.  sys.executable is qgis.exe / QGIS.app on Windows
    and macOS, and on Linux whatever "python3" is first on PATH (a pyenv shim, another Python): each
    candidate is asked for its version and prefix, and must match the running Python."""
    ver = f"{sys.version_info[0]}.{sys.version_info[1]}"
    exe = sys.executable or ""
    names = [exe if os.path.basename(exe).lower().startswith("python") else ""]
    for folder in (sys.exec_prefix, os.path.join(sys.exec_prefix, "bin"), os.path.dirname(exe),
                   os.path.join(os.path.dirname(exe), "bin"), os.path.join(sys.base_exec_prefix, "bin")):
        names += [os.path.join(folder, n) for n in (f"python{ver}", "python3", "python", "python.exe", "python3.exe")]
    names += [shutil.which(n) or "" for n in (f"python{ver}", "python3", "python")]
    candidates = [c for c in dict.fromkeys(names) if c and os.path.isfile(c)]
    infos = {c: _interpreter_info(c) for c in candidates}
    for key, ours in ((1, sys.prefix), (2, sys.base_prefix)):
        for c, info in infos.items():
            if info and info[0] == ver and _same_path(info[key], ours):
                return c
    return exe


def _interpreter_info(python: str) -> tuple[str, str, str] | None:
    code = "import sys; print('%d.%d' % sys.version_info[:2]); print(sys.prefix); print(sys.base_prefix)"
    try:
        res = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=30, **_no_window())
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = res.stdout.strip().splitlines()
    return (lines[0], lines[1], lines[2]) if res.returncode == 0 and len(lines) == 3 else None


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def read_requirements(path: str = REQUIREMENTS_FILE) -> list[str]:
    """Requirement lines of a requirements file (comments and blank lines dropped)."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


# --- protecting QGIS's packages -------------------------------------------------------------------------

def protected_pins(names: Iterable[str] = PROTECTED_DISTRIBUTIONS) -> dict[str, str]:
    """{distribution: running version} for every protected distribution this Python can import."""
    pins: dict[str, str] = {}
    for name in names:
        version = None
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            module, attr = _MODULE_VERSIONS.get(name, (None, None))
            if module:
                try:
                    version = getattr(importlib.import_module(module), attr, None)
                except ImportError:
                    version = None
        if version:
            pins[name] = str(version).split("+")[0]
    return pins


def write_constraints(path: str, pins: dict[str, str]) -> str:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("# QGIS's own packages: pip must keep the versions QGIS runs.\n")
        for name, version in sorted(pins.items()):
            fh.write(f"{name}=={version}\n")
    return path


def protected_entries(folder: str, protected: Iterable[str]) -> dict[str, set[str]]:
    """{distribution: top-level entries of ``folder`` it owns (its RECORD's files and its metadata
    folder)} for the distributions named in ``protected`` that are installed in ``folder``."""
    wanted = {canonical_name(n) for n in protected}
    found: dict[str, set[str]] = {}
    if not os.path.isdir(folder):
        return found
    for entry in sorted(os.listdir(folder)):
        if not entry.endswith((".dist-info", ".egg-info")):
            continue
        name = canonical_name(entry.rsplit(".", 1)[0].split("-")[0])
        if name not in wanted:
            continue
        tops = found.setdefault(name, set())
        tops.add(entry)
        record = os.path.join(folder, entry, "RECORD")
        if os.path.isfile(record):
            with open(record, encoding="utf-8") as fh:
                for line in fh:
                    rel = line.split(",", 1)[0].strip()
                    if rel and not rel.startswith(".."):
                        tops.add(rel.replace("\\", "/").split("/", 1)[0])
    return found


def prune_protected(target: str, protected: Iterable[str]) -> list[str]:
    """Delete from ``target`` the distributions named in ``protected`` (files listed in their RECORD and
    their metadata folder); returns the names removed."""
    removed = []
    for name, tops in protected_entries(target, protected).items():
        for top in sorted(tops):
            p = os.path.join(target, top)
            if os.path.isdir(p) and not p.endswith(("bin", "Scripts")):
                shutil.rmtree(p, ignore_errors=True)
            elif os.path.isfile(p):
                os.remove(p)
        removed.append(name)
    return removed


# --- the probe ------------------------------------------------------------------------------------------

_PROBE_CODE = r'''
import importlib, importlib.util, json, sys
mods = sys.argv[1].split(",")
out = {"python": "%d.%d.%d" % sys.version_info[:3], "modules": {}, "paths": {}, "errors": {}}
if len(sys.argv) > 2 and sys.argv[2]:
    spec = importlib.util.spec_from_file_location("_dp_triton_block", sys.argv[2])
    guard = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(guard)
    out["triton"] = guard.block_triton()
for name in mods:
    try:
        m = importlib.import_module(name)
        out["modules"][name] = str(getattr(m, "__version__", "unknown"))
        out["paths"][name] = getattr(m, "__file__", None) or ""
    except BaseException as exc:
        out["errors"][name] = "%s: %s" % (type(exc).__name__, exc)
if "torch" in out["modules"]:
    try:
        import torch
        out["cuda"] = bool(torch.cuda.is_available())
        out["gpu"] = torch.cuda.get_device_name(0) if out["cuda"] else None
        out["torch_cuda"] = torch.version.cuda
    except BaseException as exc:
        out["cuda"], out["cuda_error"] = False, "%s: %s" % (type(exc).__name__, exc)
if "numpy" in sys.modules:
    out["paths"]["numpy"] = sys.modules["numpy"].__file__
print("''' + PROBE_MARKER + r'''" + json.dumps(out), flush=True)
'''


@dataclass
class ProbeResult:
    versions: dict[str, str] = field(default_factory=dict)     # importable module -> version
    errors: dict[str, str] = field(default_factory=dict)       # module -> why it failed
    paths: dict[str, str] = field(default_factory=dict)
    python: str = ""
    cuda: bool = False
    gpu_name: str | None = None
    crashed: str = ""                                           # set when the interpreter itself failed

    @property
    def missing(self) -> list[str]:
        return sorted(self.errors)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.crashed

    def summary(self) -> str:
        if self.crashed:
            return self.crashed
        if self.errors:
            return "; ".join(f"{m}: {e}" for m, e in sorted(self.errors.items()))
        found = ", ".join(f"{m} {v}" for m, v in sorted(self.versions.items()))
        dev = f"; CUDA GPU: {self.gpu_name}" if self.cuda and self.gpu_name else "; no CUDA GPU (CPU only)" \
            if "torch" in self.versions else ""
        return found + dev


def probe_environment(extra_paths: Sequence[str] = (), preload: Sequence[str] = ()) -> dict[str, str]:
    """Environment for a subprocess that sees the packages this Python sees, ``extra_paths`` first, with the
    shared libraries ``preload`` loaded before anything else (LD_PRELOAD)."""
    paths = [p for p in list(extra_paths) + [p for p in sys.path if p] if os.path.isdir(p) or p.endswith(".zip")]
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYTHONNOUSERSITE"] = "1"
    env.pop("PYTHONSTARTUP", None)
    if preload:
        env["LD_PRELOAD"] = " ".join(dict.fromkeys(list(preload) + env.get("LD_PRELOAD", "").split()))
    return env


def probe(modules: Sequence[str] = REQUIRED_MODULES, extra_paths: Sequence[str] = (),
          python: str | None = None, timeout: float = PROBE_TIMEOUT,
          preload: Sequence[str] | None = None) -> ProbeResult:
    """Import ``modules`` in a fresh interpreter under the conditions of this process: the same triton
    block the plugin applies, and the LLVM libraries this process has loaded (``preload``, by default read
    from /proc/self/maps; Mesa's in QGIS Desktop), so a package that would crash QGIS crashes the probe
    instead.  Never raises."""
    python = python or python_executable()
    preload = triton_block.loaded_llvm_libraries() if preload is None else list(preload)
    cmd = [python, "-c", _PROBE_CODE, ",".join(modules), os.path.abspath(triton_block.__file__)]
    try:
        res = subprocess.run(cmd, env=probe_environment(extra_paths, preload), capture_output=True, text=True,
                             timeout=timeout, **_no_window())
    except subprocess.TimeoutExpired:
        return ProbeResult(errors={m: "timed out" for m in modules},
                           crashed=f"Importing {', '.join(modules)} took more than {timeout:.0f} s.")
    except OSError as exc:
        return ProbeResult(errors={m: str(exc) for m in modules},
                           crashed=f"Cannot start the Python interpreter {python}: {exc}")
    return parse_probe_output(res.stdout, res.returncode, res.stderr, modules)


def parse_probe_output(stdout: str, returncode: int, stderr: str = "",
                       modules: Sequence[str] = REQUIRED_MODULES) -> ProbeResult:
    lines = [ln for ln in (stdout or "").splitlines() if ln.startswith(PROBE_MARKER)]
    if not lines:
        tail = (stderr or "").strip().splitlines()[-3:]
        hint = (" On Windows this usually means a missing Microsoft Visual C++ Redistributable, or a PyTorch "
                "build that does not fit this computer.") if os.name == "nt" else ""
        return ProbeResult(errors={m: "the interpreter crashed" for m in modules},
                           crashed=f"Python stopped while importing {', '.join(modules)} ({_exit_reason(returncode)})."
                                   f"{hint} {' '.join(tail)}".strip())
    data = json.loads(lines[-1][len(PROBE_MARKER):])
    return ProbeResult(versions=data.get("modules", {}), errors=data.get("errors", {}), paths=data.get("paths", {}),
                       python=data.get("python", ""), cuda=bool(data.get("cuda")), gpu_name=data.get("gpu"))


def _exit_reason(returncode: int) -> str:
    """"exit code 1", or the signal that killed the interpreter ("crashed with SIGSEGV")."""
    if returncode < 0:
        try:
            return f"crashed with {signal.Signals(-returncode).name}"
        except ValueError:
            pass
    return f"exit code {returncode}"


def _no_window() -> dict:
    """Keep Windows from flashing a console for each subprocess."""
    return {"creationflags": 0x08000000} if os.name == "nt" else {}


# --- installing -----------------------------------------------------------------------------------------

@dataclass
class InstallOptions:
    torch_build: str = "default"              # "default" (PyPI) or "cpu" (CPU-only wheels, much smaller)
    find_links: str | None = None          # a folder of wheels, for offline sites
    no_index: bool = False                    # only use find_links
    index_url: str | None = None           # a mirror of PyPI
    proxy: str | None = None


def pip_install_command(python: str, target: str, requirements: str, constraints: str,
                        options: InstallOptions | None = None) -> list[str]:
    options = options if options is not None else InstallOptions()
    cmd = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
           "--no-warn-script-location", "--prefer-binary", "--target", target,
           "--constraint", constraints, "--requirement", requirements]
    if options.no_index:
        cmd.append("--no-index")
    elif options.index_url:
        cmd += ["--index-url", options.index_url]
    if options.torch_build == "cpu" and not options.no_index:
        cmd += ["--extra-index-url", TORCH_CPU_INDEX]
    if options.find_links:
        cmd += ["--find-links", options.find_links]
    if options.proxy:
        cmd += ["--proxy", options.proxy]
    return cmd


@dataclass
class InstallResult:
    ok: bool
    message: str
    target: str
    probe: ProbeResult | None = None
    cancelled: bool = False
    removed: list[str] = field(default_factory=list)


class Installer:
    """Install the requirements into ``target`` (staged, verified, then swapped in).  :meth:`run` blocks:
    call it from a worker thread; ``on_line`` receives pip's output line by line; :meth:`cancel` stops pip."""

    def __init__(self, target: str, requirements: str = REQUIREMENTS_FILE,
                 modules: Sequence[str] = REQUIRED_MODULES, options: InstallOptions | None = None,
                 python: str | None = None, on_line: Callable[[str], None] = lambda _l: None,
                 protected: Iterable[str] = PROTECTED_DISTRIBUTIONS):
        self.target = os.path.abspath(target)
        self.staging = self.target + ".new"
        self.requirements = requirements
        self.modules = tuple(modules)
        self.options = options if options is not None else InstallOptions()
        self.python = python or python_executable()
        self.on_line = on_line
        self.protected = tuple(protected)
        self._proc: subprocess.Popen | None = None
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        self._cancelled.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()

    def command(self, constraints: str) -> list[str]:
        return pip_install_command(self.python, self.staging, self.requirements, constraints, self.options)

    def run(self) -> InstallResult:
        try:
            return self._run()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)

    def _fail(self, message: str, **kw) -> InstallResult:
        self.on_line(message)
        return InstallResult(False, message, self.target, **kw)

    def _run(self) -> InstallResult:
        if not os.path.isfile(self.requirements):
            return self._fail(f"The requirements file {self.requirements} is missing from the plugin.")
        pip = subprocess.run([self.python, "-m", "pip", "--version"], capture_output=True, text=True, **_no_window())
        if pip.returncode != 0:
            return self._fail(f"pip is not available for QGIS's Python ({self.python}). Install pip for it "
                              "(Debian/Ubuntu: sudo apt install python3-pip; OSGeo4W: the python3-pip package), "
                              "or install the packages by hand as the README explains.")
        self.on_line(pip.stdout.strip())
        shutil.rmtree(self.staging, ignore_errors=True)
        os.makedirs(self.staging)
        pins = protected_pins(self.protected)
        constraints = write_constraints(self.staging + ".constraints.txt", pins)
        try:
            cmd = self.command(constraints)
            self.on_line("Protected (kept at QGIS's versions): "
                         + ", ".join(f"{k} {v}" for k, v in sorted(pins.items())))
            self.on_line("$ " + " ".join(cmd))
            rc = self._stream(cmd)
        finally:
            os.remove(constraints)
        if self._cancelled.is_set():
            return self._fail("Installation cancelled; nothing was changed.", cancelled=True)
        if rc != 0:
            return self._fail(f"pip failed (exit code {rc}); nothing was changed. See the log above: a line "
                              "'ResolutionImpossible' or 'conflict' means a package needs another version of a "
                              "package QGIS ships, which is not allowed.")
        removed = prune_protected(self.staging, pins)
        if removed:
            self.on_line("Removed copies of QGIS's own packages from the install folder: " + ", ".join(removed))
        self.on_line("Verifying: importing " + ", ".join(self.modules) + " in a separate Python…")
        result = probe(self.modules, extra_paths=[self.staging], python=self.python)
        if not result.ok:
            return self._fail("The packages were installed but do not import: " + result.summary(), probe=result)
        if "numpy" in pins and result.paths.get("numpy", "").startswith(self.staging):
            return self._fail("The install folder would hide QGIS's own numpy; it was not used.", probe=result)
        self._swap()
        message = "Installed and verified: " + result.summary()
        self.on_line(message)
        return InstallResult(True, message, self.target, probe=result, removed=removed)

    def _stream(self, cmd: list[str]) -> int:
        env = dict(os.environ, PYTHONNOUSERSITE="1", PIP_NO_INPUT="1")
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                      bufsize=1, env=env, **_no_window())
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.on_line(line.rstrip())
        return self._proc.wait()

    def _swap(self) -> None:
        """Replace the previous installation; an old folder that cannot be removed (files in use on
        Windows) is renamed aside and removed at the next install."""
        os.makedirs(os.path.dirname(self.target), exist_ok=True)
        for old in [p for p in os.listdir(os.path.dirname(self.target))
                    if p.startswith(os.path.basename(self.target) + ".old")]:
            shutil.rmtree(os.path.join(os.path.dirname(self.target), old), ignore_errors=True)
        if os.path.exists(self.target):
            aside = f"{self.target}.old{int(time.time())}"
            os.rename(self.target, aside)
            shutil.rmtree(aside, ignore_errors=True)
        os.rename(self.staging, self.target)
