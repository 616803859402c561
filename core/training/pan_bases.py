"""The classical bases PanScet learns to correct, computed on whole training pairs.

The network is trained with a base drawn at random among BASES for every crop, so that it serves whichever
one the method picks for a scene (the manifest lists them; the method's choice ranks these same methods as
Auto does).  Each base is computed once per pair on the whole reduced image with the plugin's own methods
(core.methods.array_fusion).
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..methods.array_fusion import classical_fusion
from ..methods.pan_scet_method import DEFAULT_BASES as BASES


def pair_bases(ms_up: np.ndarray, pan: np.ndarray, ratio: int, gnyq_ms, gnyq_pan: float,
               names: Sequence[str] = BASES) -> dict[str, np.ndarray]:
    """{name: base} for one pair."""
    return {n: classical_fusion(n, ms_up, pan, ratio, gnyq_ms, gnyq_pan) for n in names}
