"""The one interface every fusion method implements, classical or deep.

A method is prepared once per scene (global statistics, weights, adaptation) and then applied to
tiles.  The engine builds the tiles; a method never reads files or knows about the tiling.

Arrays are float32 in the input's units (no rescaling is done by the engine):
  * ``hr``      (c, h, w)  the high-resolution input on the output grid: the PAN (c = 1) for
                           pansharpening, the HR-MSI for HS-MS fusion.
  * ``lr_up``   (b, h, w)  the low-resolution input interpolated onto the same grid with the
                           23-tap polynomial interpolator (EXP) where the ratio is a power of two,
                           cubic otherwise; geometry (half-pixel shifts) already handled.
  * ``lr``      (b, hl, wl) the low-resolution pixels that cover the tile, at their own resolution.
  * ``valid``   (h, w) bool  False where any input is nodata / masked.
"""
from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .registry import find_spec

# Default time budget of scene adaptation (PanAdapter, INFN), shared by the methods, Processing and the dock.
DEFAULT_ADAPT_SECONDS = 120
ADAPT_SECONDS_RANGE = (1.0, 36000.0)     # scene adaptation budget: 1 s to 10 h


def adapt_seconds(options: dict, default: float) -> float:
    """The ``adapt_seconds`` option (default when unset), refused unless a number within ADAPT_SECONDS_RANGE:
    NaN or infinity would otherwise slip through every comparison and give an adaptation of 0 steps."""
    value = options.get("adapt_seconds")
    if value is None or value == "":
        return float(default)
    lo, hi = ADAPT_SECONDS_RANGE
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = float("nan")
    if not (lo <= seconds <= hi):          # False for NaN
        raise InputError(f"The adaptation time must be a number of seconds from {lo:g} to {hi:g}, not {value!r}.")
    return seconds


MAX_ADAPT_STEPS = 1_000_000


def adapt_steps(options: dict) -> int | None:
    """The ``adapt_steps`` option: a fixed number of adaptation steps instead of the time budget (the same run
    on any machine, busy or not), None when unset or 0; refused unless a whole number up to MAX_ADAPT_STEPS."""
    value = options.get("adapt_steps")
    if value is None or value == "":
        return None
    try:
        steps = int(value)
        whole = float(value) == steps
    except (TypeError, ValueError, OverflowError):
        steps, whole = -1, False
    if whole and steps == 0:
        return None
    if not whole or not 0 < steps <= MAX_ADAPT_STEPS:
        raise InputError(f"The number of adaptation steps must be a whole number from 1 to {MAX_ADAPT_STEPS} "
                         f"(0 or empty: as many as the time allows), not {value!r}.")
    return steps


@dataclass
class SceneInfo:
    """What a method may know about the whole scene when it is prepared."""

    task: str                      # "pansharpen" or "hsms"
    ratio: int                     # HR pixels per LR pixel (integer, >= 1)
    lr_bands: int
    hr_bands: int
    gnyq_lr: list[float]           # MTF Nyquist gain of each LR band (sensor preset)
    gnyq_hr: float                 # MTF Nyquist gain of the HR sensor (PAN; the MSI in HS-MS fusion)
    bit_depth: int = 16            # radiometric depth, for methods that normalise
    value_max: float = 65535.0     # 2**bit_depth - 1, or the data's own maximum for float data
    sensor: str = "generic"
    lr_band_names: list[str] = field(default_factory=list)
    lr_wavelengths_nm: list[float | None] = field(default_factory=list)
    hr_wavelengths_nm: list[float | None] = field(default_factory=list)
    options: dict = field(default_factory=dict)   # method parameters chosen by the user
    lr_bad_bands: list[int] = field(default_factory=list)  # positions of unusable LR bands (hold 0; written as nodata)


@dataclass
class Tile:
    hr: np.ndarray
    lr_up: np.ndarray
    lr: np.ndarray
    valid: np.ndarray
    ratio: int
    # (row, col) in this tile of an HR pixel that sits on an LR pixel centre (the decimation phase,
    # 0 <= phase < ratio).  Methods that decimate must use hr[..., prow::r, pcol::r] so that all tiles
    # pick the same pixels as the whole image would.
    phase: tuple[int, int] = (0, 0)
    # Position (row, col) on this tile's HR grid of the centre of lr[:, 0, 0] (may be fractional).
    lr_origin: tuple[float, float] = (0.0, 0.0)
    # Part of the tile away from the halo, where filtered quantities are exact; use it for statistics.
    core: tuple[slice, slice] = (slice(None), slice(None))

    @property
    def pan(self) -> np.ndarray:
        """The PAN band (2-D) for pansharpening methods."""
        return self.hr[0]

    @property
    def ms_up(self) -> np.ndarray:
        return self.lr_up

    def valid_core(self) -> np.ndarray:
        """Boolean mask of the pixels to use for statistics."""
        mask = np.zeros(self.valid.shape, dtype=bool)
        mask[self.core] = self.valid[self.core]
        return mask


class FusionMethod(ABC):
    """Base class: subclasses set the class attributes and implement prepare/apply."""

    name: str = ""                 # the method's id in core.methods.registry, e.g. "mtf_glp_hpm"
    tile_threads: int | None = None    # tiles fused at once; None = engine default, 1 for torch methods
    exact_tiles: bool = False          # halo covers the receptive field: tiles need no blend overlap
    # Largest change a tiling may make to an output pixel, as a share of the output's value range: 0 when the
    # halo covers all a pixel depends on (tiles then give the whole-image output up to float rounding).
    tile_tolerance: float = 0.0
    # Largest resolution ratio the method is meant for: the pansharpening literature and benchmarks (V15, V21)
    # work at ratios 2-6, and the deep models were trained at 2-8; above it the engine warns.
    max_ratio: int = 8
    # Attributes a run sets beside what prepare() decides: the callbacks, and state the method rebuilds itself
    # (RUN_STATE, with the value it starts from).  A pickled method travels without RUN_STATE, and the Dask
    # resume key (core.dask_backend.method_fingerprint) ignores both.
    CALLBACKS = ("report_progress", "is_cancelled", "log", "warnings")
    RUN_STATE: dict = {}

    # label, task and needs_torch come from the registry entry of ``name`` (one place for them); a method
    # without an entry (tests) sets them as class attributes.
    @property
    def label(self) -> str:
        spec = find_spec(self.name)
        return spec.label if spec else self.name

    @property
    def task(self) -> str:
        spec = find_spec(self.name)
        return spec.task if spec else "pansharpen"

    @property
    def needs_torch(self) -> bool:
        spec = find_spec(self.name)
        return bool(spec and spec.needs_torch)

    def __init__(self) -> None:
        self.scene: SceneInfo | None = None
        self.warnings: list[str] = []        # for the user, returned in FusionResult.warnings
        self.bind()

    def bind(self, progress=None, is_cancelled=None, log=None) -> None:
        """Callbacks for a long prepare() (scene adaptation): progress(fraction 0..1 of prepare),
        is_cancelled() -> bool, log(message).  Set by the engine; no-ops by default."""
        self.report_progress = progress or (lambda _f: None)
        self.is_cancelled = is_cancelled or (lambda: False)
        self.log = log or (lambda _m: None)

    def _warn(self, msg: str) -> None:
        """A warning for the user: kept in ``warnings``, logged, and passed to the run's log callback."""
        self.warnings.append(msg)
        logging.getLogger(type(self).__module__).warning(msg)
        self.log("Warning: " + msg)

    def _info(self, msg: str) -> None:
        logging.getLogger(type(self).__module__).info(msg)
        self.log(msg)

    def prepare_share(self, scene: SceneInfo) -> float:
        """Share of the progress bar that prepare() takes (a deep method that adapts itself takes more)."""
        return 0.05

    def nodata_bands(self) -> list[int]:
        """Positions of the output bands to write as nodata (after prepare): the scene's bad bands."""
        return list(self.scene.lr_bad_bands) if self.scene is not None else []

    def provenance(self) -> dict:
        """Extra items for the output's metadata (after prepare), e.g. the weights used."""
        return {}

    def halo(self, ratio: int) -> int:
        """HR pixels of context a tile needs on each side so that its interior is exact."""
        return 8 * ratio + 32

    def prepare(self, samples: Sequence[Tile], scene: SceneInfo) -> None:
        """Estimate scene-wide quantities once, from tiles covering the scene or a sample of it."""
        self.scene = scene

    @abstractmethod
    def apply(self, tile: Tile) -> np.ndarray:
        """Return the fused tile, float32 of shape (lr_bands, h, w), in the input's units."""
