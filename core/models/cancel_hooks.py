"""Cancelling inside a network's forward pass: during a scene adaptation one forward over a large region or
batch can take many seconds, longer than a user waits for Cancel to act."""
from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Callable

from ..errors import Cancelled

CHECK_EVERY = 0.2           # seconds between two calls of is_cancelled (each may ask the Qt feedback)


@contextlib.contextmanager
def cancellable(model, is_cancelled: Callable[[], bool] | None) -> Iterator[None]:
    """While active, every submodule of ``model`` checks ``is_cancelled`` (at most every CHECK_EVERY s) before it
    runs and raises Cancelled; the hooks are removed on exit (a prepared, pickled method carries none)."""
    if is_cancelled is None:
        yield
        return
    last = [time.perf_counter()]

    def hook(_module, _inputs):
        now = time.perf_counter()
        if now - last[0] >= CHECK_EVERY:
            last[0] = now
            if is_cancelled():
                raise Cancelled("Cancelled by the user; no output was written.")

    handles = [m.register_forward_pre_hook(hook) for m in model.modules()]
    try:
        yield
    finally:
        for h in handles:
            h.remove()
