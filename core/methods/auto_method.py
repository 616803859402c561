"""Auto: per scene, the classical method that does best on a reduced-resolution check of the scene itself.

prepare() runs the check once per scene (core.auto_select) on the engine's sample blocks, logs the table of
candidates, then prepares the chosen method on the same samples; apply() is the chosen method's, so a
tiled run chooses once and fuses every tile with the same prepared method.
"""
from __future__ import annotations

import time

from .. import auto_select
from ..errors import Cancelled
from .base import FusionMethod, SceneInfo, Tile


class AutoPan(FusionMethod):
    name = "auto"
    candidates = auto_select.PAN_CANDIDATES
    fallback = auto_select.PAN_FALLBACK

    def __init__(self) -> None:
        super().__init__()
        self.chosen: FusionMethod | None = None
        self.scores: list[auto_select.CandidateScore] = []
        self.reason = ""
        self.seconds = 0.0

    @staticmethod
    def _get(name: str) -> FusionMethod:
        from . import get_method  # the registry imports this module lazily
        return get_method(name)

    @staticmethod
    def _label(name: str) -> str:
        from . import method_label
        return method_label(name)

    def halo(self, ratio: int) -> int:
        if self.chosen is not None:
            return self.chosen.halo(ratio)
        # Samples for the check: context for the candidates plus CHECK_CONTEXT LR pixels around each block.
        return max(max(self._get(n).halo(ratio) for n in self.candidates), auto_select.CHECK_CONTEXT * ratio)

    def prepare(self, samples, scene: SceneInfo) -> None:
        self.scene = scene
        t0 = time.perf_counter()
        name, self.scores = auto_select.select(self.candidates, samples, scene, self._get, self.is_cancelled)
        self.seconds = time.perf_counter() - t0
        if self.is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        if name is None:
            name = self.fallback
            self.reason = "the scene is too small for a reduced-resolution check" if not self.scores else \
                "no candidate could be scored on the check"
            self._warn(f"Auto: {self.reason}; it uses {self._label(name)}.")
        else:
            self.reason = "best on the reduced-resolution check"
            self._info(auto_select.format_table(self.scores, name, self._label))
        self._info(f"Auto chose {self._label(name)} ({self.reason}; the selection took {self.seconds:.1f} s).")
        chosen = self._get(name)
        chosen.bind(is_cancelled=self.is_cancelled, log=self.log)
        # The chosen method is prepared on the samples it would have had alone (its own, smaller halo).
        chosen.prepare([auto_select.with_halo(t, chosen.halo(scene.ratio)) for t in samples], scene)
        self.warnings.extend(w for w in chosen.warnings if w not in self.warnings)
        self.chosen = chosen
        self.exact_tiles = chosen.exact_tiles
        self.tile_threads = chosen.tile_threads

    def nodata_bands(self) -> list[int]:
        return self.chosen.nodata_bands() if self.chosen is not None else super().nodata_bands()

    def provenance(self) -> dict:
        return {"auto_choice": self.chosen.name if self.chosen is not None else "",
                "auto_reason": self.reason,
                "auto_rule": (f"lowest ERGAS on the reduced-resolution check (BDSD-PC x {auto_select.FIT_PENALTY:g}) "
                              f"among the candidates whose full-resolution HQNR is at least "
                              f"{auto_select.HQNR_GATE:g} x the best; ties within {auto_select.ERGAS_TIE:.0%}: "
                              "lowest SAM, then highest Q2n"),
                "auto_seconds": round(self.seconds, 3),
                "auto_candidates": [s.as_dict() for s in self.scores]}

    def apply(self, tile: Tile):
        return self.chosen.apply(tile)


class AutoHSMS(AutoPan):
    name = "hs_auto"
    candidates = auto_select.HSMS_CANDIDATES
    fallback = auto_select.HSMS_FALLBACK
