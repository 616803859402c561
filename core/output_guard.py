"""Refusing outputs that would overwrite an input, checked before any work (toolbox, dock and command line
all pass through :func:`check_request_outputs` or :func:`check_not_inputs`).

"The same file" means the same file on disk: another spelling of the path, a symbolic link or a hard link
to an input all count.  Paths GDAL reads through a virtual file system (``/vsizip/``, URLs) are never
written by the plugin, so they are compared by their spelling only.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

from .errors import InputError

WEIGHTS_SUFFIX = ".safetensors"     # = core.models.weights.WEIGHTS_SUFFIX (no torch import here)
MANIFEST_SUFFIX = ".json"


def _is_virtual(path: str) -> bool:
    return path.startswith("/vsi") or "://" in path


def _key(path: str) -> tuple | None:
    """What identifies the file ``path`` names: (device, inode) when it exists, else its real path."""
    if not path or _is_virtual(path):
        return None
    path = os.path.expanduser(path)
    try:
        st = os.stat(path)
        return ("inode", st.st_dev, st.st_ino)
    except OSError:
        return ("path", os.path.normcase(os.path.realpath(path)))


def same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name the same file (links and other spellings included)."""
    if not a or not b:
        return False
    if _is_virtual(a) or _is_virtual(b):
        return a == b
    ka, kb = _key(a), _key(b)
    return ka is not None and ka == kb


def gdal_file(path: str) -> str:
    """The file behind a GDAL data source string (QGIS may add ``|layername=...`` options)."""
    return (path or "").split("|")[0]


def weights_files(path: str) -> list[str]:
    """The files a weights path stands for: the .safetensors file and its .json manifest, for every way
    the methods complete a name without the suffix (``x`` -> ``x.safetensors``, ``x.pt`` -> ``x.safetensors``)."""
    if not path:
        return []
    path = os.path.expanduser(str(path))
    if path.endswith(WEIGHTS_SUFFIX):
        stems = [path[:-len(WEIGHTS_SUFFIX)]]
    elif path.endswith(MANIFEST_SUFFIX):
        stems = [path[:-len(MANIFEST_SUFFIX)]]
    else:
        stems = [path, os.path.splitext(path)[0]]
    out = []
    for s in dict.fromkeys(stems):
        out += [s + WEIGHTS_SUFFIX, s + MANIFEST_SUFFIX]
    return out


def check_not_inputs(output: str, what: str, inputs: Iterable[tuple[str, str]]) -> None:
    """InputError when ``output`` (described as ``what``) is the same file as one of ``inputs``
    ((description, path) pairs)."""
    for role, path in inputs:
        if path and same_file(output, gdal_file(path)):
            raise InputError(f"The {what} '{output}' is the {role} '{path}': it would be overwritten. "
                             f"Choose another file name for the {what}.")


def _bundled_weights() -> list[tuple[str, str]]:
    from .models.weights import BUNDLED_DIR  # the manifest index needs no torch
    if not os.path.isdir(BUNDLED_DIR):
        return []
    return [("bundled model file", os.path.join(BUNDLED_DIR, n)) for n in sorted(os.listdir(BUNDLED_DIR))]


def check_request_outputs(req) -> None:
    """Refuse a :class:`core.engine.FusionRequest` whose output (or saved adapted weights) would replace one of
    its inputs (the two rasters, the weights file and its manifest) or a bundled model."""
    hr_role, lr_role = ("PAN", "MS") if req.task == "pansharpen" else ("HR-MSI", "LR-HSI")
    rasters = [(f"{hr_role} input", req.hr_path), (f"{lr_role} input", req.lr_path)]
    opts = req.method_options or {}
    weights = [("weights file", p) for p in weights_files(opts.get("weights") or "") if os.path.exists(p)]
    check_not_inputs(req.output_path, "output", rasters + weights)
    saved = opts.get("adapted_weights")
    if saved:
        for target in weights_files(saved):
            check_not_inputs(target, "file for the adapted model", rasters + weights + _bundled_weights()
                             + [("output", req.output_path)])


def writable_problem(path: str) -> str | None:
    """Why the file ``path`` cannot be written (created or replaced), or None."""
    path = os.path.expanduser(path)
    if os.path.isdir(path):
        return f"'{path}' is a folder"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        # Created when saving (os.makedirs): the nearest existing parent must be writable.
        parent = folder
        while parent and not os.path.exists(parent):
            up = os.path.dirname(parent)
            parent = up if up != parent else ""
        if not parent or not os.path.isdir(parent):
            return f"the folder '{folder}' cannot be created"
        folder = parent
    try:
        # Creating a file is the only test that also catches read-only file systems and full quotas.
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        return f"the folder '{folder}' is not writable ({exc.strerror or exc})"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return f"'{path}' exists and is read-only"
    return None


def check_adapted_weights_writable(req) -> None:
    """Refuse, before a long adaptation, an ADAPTED_WEIGHTS file that cannot be written."""
    saved = (req.method_options or {}).get("adapted_weights")
    if not saved:
        return
    for target in weights_files(saved)[:2]:
        problem = writable_problem(target)
        if problem:
            raise InputError(f"The adapted model cannot be saved to '{saved}': {problem}. Choose another file "
                             "for the adapted model (or leave it empty) before adapting.")
