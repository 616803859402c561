"""Model weights on disk: safetensors + a JSON manifest, for every deep engine (INFN, PanAdapter).

A model is two files side by side::

    <name>.safetensors     the tensors (never pickle: nothing here calls torch.load)
    <name>.json            the manifest: what the weights are, how they were made, and the SHA-256 of the
                           weights file

Manifest keys (``format`` 1):

    format        1
    name          short identifier, e.g. "infn_cave_rgb"
    engine        "infn", "panadapter", ...
    config        the network's config dict (the engine rebuilds the network from it)
    bands         band layout, e.g. {"lr_bands": 31, "hr_bands": 3, "hr_order": ["R", "G", "B"],
                  "lr_wavelengths_nm": [...]} (lr = the input to sharpen, hr = the guide)
    ratios        ratios the weights were trained for, e.g. [4, 8]
    any_ratio     true when the engine can run other ratios (implicit models)
    value_range   what 1.0 means at the input, e.g. "[0, 1]: 16-bit / 65535"
    training      data, scenes, settings, validation figures, time (free-form dict)
    weights       {"file": "<name>.safetensors", "sha256": "...", "bytes": n, "dtype": "float16"}

Loading reads the whole file, checks its SHA-256 against the manifest and only then parses the bytes, so
what is checked is what is loaded.  The manifest index functions (:func:`read_manifest`,
:func:`list_models`, :func:`find_models`) need neither torch nor safetensors.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable

from ..errors import InputError

MANIFEST_FORMAT = 1
# The licence of weights this project trains on open data (CC0 imagery, or CAVE for research): the plugin's own.
PLUGIN_WEIGHTS_LICENCE = "GPL-2.0 (the plugin's LICENSE)"
WEIGHTS_SUFFIX = ".safetensors"
MANIFEST_SUFFIX = ".json"
BUNDLED_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "resources", "weights")

_REQUIRED_KEYS = ("format", "name", "engine", "config", "bands", "ratios", "weights")


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weights_file(path: str) -> str:
    """``path`` with the weights suffix: ``x.safetensors`` unchanged, ``x.pt`` or ``x`` -> ``x.safetensors``."""
    return path if path.endswith(WEIGHTS_SUFFIX) else os.path.splitext(path)[0] + WEIGHTS_SUFFIX


def manifest_path(weights_path: str) -> str:
    """``x.safetensors`` -> ``x.json`` (a manifest path is returned unchanged)."""
    if weights_path.endswith(MANIFEST_SUFFIX):
        return weights_path
    root = weights_path[:-len(WEIGHTS_SUFFIX)] if weights_path.endswith(WEIGHTS_SUFFIX) else weights_path
    return root + MANIFEST_SUFFIX


# ------------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------------

def save_weights(path: str, tensors: dict, manifest: dict, dtype: str | None = "float16") -> dict:
    """Write ``path`` (.safetensors) and its manifest; returns the manifest as written.

    ``tensors``: name -> torch tensor (a state_dict).  Floating tensors are cast to ``dtype``
    ("float16", "float32" or None = as they are).  ``manifest`` must hold at least name, engine, config,
    bands and ratios; format, weights (file, hash, size, dtype) and created are filled in here.
    """
    import torch
    from safetensors.torch import save as st_save

    if not path.endswith(WEIGHTS_SUFFIX):
        raise ValueError(f"weights file name must end with {WEIGHTS_SUFFIX}: {path}")
    cast = {"float16": torch.float16, "float32": torch.float32, None: None}[dtype]
    out = {}
    for k, v in tensors.items():
        v = v.detach().cpu()
        if cast is not None and v.is_floating_point():
            v = v.to(cast)
        out[k] = v.contiguous()
    data = st_save(out, metadata={"engine": str(manifest.get("engine", "")), "name": str(manifest.get("name", ""))})
    man = dict(manifest)
    man["format"] = MANIFEST_FORMAT
    man.setdefault("created", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    man["weights"] = {"file": os.path.basename(path), "sha256": sha256_bytes(data), "bytes": len(data),
                      "dtype": dtype or "mixed", "tensors": len(out)}
    missing = [k for k in _REQUIRED_KEYS if k not in man]
    if missing:
        raise ValueError(f"manifest lacks {missing}")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    _atomic_write(path, data)
    _atomic_write(manifest_path(path), (json.dumps(man, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return man


def _atomic_write(path: str, data: bytes) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------------
# Reading
# ------------------------------------------------------------------------------------------------

def read_manifest(path: str) -> dict:
    """The manifest of a weights file (``x.safetensors`` or ``x.json``), with ``path`` (absolute path of the
    weights file) added.  InputError when it is missing or malformed."""
    mpath = manifest_path(path)
    if not os.path.isfile(mpath):
        raise InputError(f"The model weights '{os.path.basename(path)}' have no manifest "
                         f"('{os.path.basename(mpath)}' is missing next to them), so they cannot be verified.")
    try:
        with open(mpath, encoding="utf-8") as f:
            man = json.load(f)
    except (OSError, ValueError) as exc:
        raise InputError(f"The model manifest '{mpath}' cannot be read: {exc}") from None
    missing = [k for k in _REQUIRED_KEYS if k not in man] if isinstance(man, dict) else list(_REQUIRED_KEYS)
    if missing:
        raise InputError(f"The model manifest '{mpath}' is incomplete (missing: {', '.join(missing)}).")
    if man["format"] != MANIFEST_FORMAT:
        raise InputError(f"The model manifest '{mpath}' has format {man['format']}; this plugin reads "
                         f"format {MANIFEST_FORMAT}. Update the plugin or the weights.")
    wfile = man["weights"].get("file") or (os.path.basename(mpath)[:-len(MANIFEST_SUFFIX)] + WEIGHTS_SUFFIX)
    man["path"] = os.path.join(os.path.dirname(os.path.abspath(mpath)), os.path.basename(wfile))
    return man


def verify_weights(path: str, engine: str | None = None) -> tuple[bytes, dict]:
    """(file bytes, manifest) of a weights file whose SHA-256 matches its manifest: the one check of
    corruption every loader runs before it trusts anything else in the manifest (bands, config).

    InputError when the manifest is missing, belongs to another engine, or the hash does not match.
    """
    man = read_manifest(path)
    if engine is not None and man["engine"] != engine:
        raise InputError(f"The weights '{os.path.basename(man['path'])}' are for the '{man['engine']}' "
                         f"engine, not '{engine}'.")
    wpath = man["path"]
    try:
        with open(wpath, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise InputError(f"The model weights '{wpath}' cannot be read: {exc}") from None
    expected = str(man["weights"].get("sha256", "")).lower()
    actual = sha256_bytes(data)
    if not expected or actual != expected:
        raise InputError(
            f"The model weights '{os.path.basename(wpath)}' do not match their manifest: SHA-256 {actual[:16]}... "
            f"instead of {expected[:16] or '(none)'}... The file is corrupted or was replaced; it was not "
            "loaded. Reinstall the plugin (bundled weights) or use the original weights file and its manifest.")
    return data, man


def load_weights(path: str, engine: str | None = None, device: str = "cpu") -> tuple[dict, dict]:
    """(tensors, manifest) of a weights file, after :func:`verify_weights`."""
    from safetensors.torch import load as st_load

    data, man = verify_weights(path, engine)
    wpath = man["path"]
    try:
        tensors = st_load(data)
    except Exception as exc:                       # malformed file with a matching (forged) hash
        raise InputError(f"The model weights '{wpath}' are not a valid safetensors file: {exc}") from None
    if device != "cpu":
        tensors = {k: v.to(device) for k, v in tensors.items()}
    return tensors, man


# ------------------------------------------------------------------------------------------------
# Index of available models
# ------------------------------------------------------------------------------------------------

def list_models(folders: Iterable[str] | None = None) -> list[dict]:
    """Manifests of all models in ``folders`` (default: the bundled resources/weights); unreadable
    manifests are skipped (they cannot be chosen automatically)."""
    out = []
    for folder in (folders if folders is not None else [BUNDLED_DIR]):
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(MANIFEST_SUFFIX):
                continue
            try:
                out.append(read_manifest(os.path.join(folder, name)))
            except InputError:
                continue
    return out


def find_models(engine: str, lr_bands: int, hr_bands: int, ratio: float,
                folders: Iterable[str] | None = None) -> list[dict]:
    """Models of ``engine`` whose band layout matches, best first: trained for this exact ratio first, then
    (for ``any_ratio`` models) by distance to the nearest trained ratio."""
    hits = []
    for man in list_models(folders):
        b = man.get("bands", {})
        if man["engine"] != engine or b.get("lr_bands") != lr_bands or b.get("hr_bands") != hr_bands:
            continue
        ratios = [float(r) for r in man.get("ratios", [])]
        if float(ratio) in ratios:
            hits.append((0.0, man))
        elif man.get("any_ratio") and ratios:
            hits.append((min(abs(float(ratio) - r) for r in ratios), man))
    hits.sort(key=lambda t: (t[0], t[1]["name"]))
    return [m for _d, m in hits]
