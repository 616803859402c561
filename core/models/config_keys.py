"""Model configs are rebuilt from the dicts stored in weights manifests: a key the config does not have means
weights from another version or another network, and is an error rather than something to drop silently."""
from __future__ import annotations

from dataclasses import fields


def known_keys(cls, d: dict, what: str) -> dict:
    """``d`` itself when every key is a field of the dataclass ``cls``; else ValueError naming the others."""
    unknown = set(d) - {f.name for f in fields(cls)}
    if unknown:
        raise ValueError(f"unknown {what} keys: {sorted(unknown)}")
    return d
