"""CAVE under the UESTC MHIF protocol (../shared/docs/cave_protocol.md): loading, LR-HSI / HR-MSI
simulation, a fixed train / validation split of the 14 available scenes, patch sampling, augmentation.

* HR-HSI: the 31 PNG bands (400-700 nm, 10 nm) / 65535 (not a per-image maximum), float32 (31, 512, 512).
* HR-MSI: HR-HSI x the Nikon D700 response, rows R, G, B of nikon_d700_cave_31bands_rownorm.csv (each row
  sums to one, so the MSI stays in [0, 1]); no blur, no noise.
* LR-HSI: 3x3 Gaussian (sigma 0.5, the same kernel at every ratio), then keep pixels r//2, r//2 + r, ...
  (core.filters.decimate); LR pixel i is centred on HR pixel r*i + r//2 (the "origin" r//2).
* upsampled LR-HSI: core.filters.upsample (the engine's interpolator: 23-tap for powers of two, cubic
  spline otherwise), so the network is trained on exactly what the engine gives it at inference.

The published 11 test scenes are not in ../shared/data/cave, so VALIDATION_SCENES are set aside from the
14 available ones; report numbers on them as "validation", not as the literature's test set.
numpy / scipy (+ GDAL or Pillow for the PNGs) only, no torch: the batches are numpy arrays.
"""
from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from ..filters import decimate, upsample
from ..shared_data import SHARED

DEFAULT_ROOT = os.path.join(SHARED, "data", "cave")
DEFAULT_RESPONSE = os.path.join(SHARED, "data", "srf", "nikon_d700_cave_31bands_rownorm.csv")

BANDS = 31
WAVELENGTHS_NM = [400.0 + 10.0 * i for i in range(BANDS)]
MSI_ORDER = ("R", "G", "B")
SCALE = 65535.0
BLUR_SIGMA = 0.5

# The 14 CAVE scenes in ../shared/data/cave (all from the literature's 20-scene training list).
CAVE_SCENES = (
    "beads", "egyptian_statue", "fake_and_real_food", "fake_and_real_peppers", "fake_and_real_sushi",
    "glass_tiles", "oil_painting", "paints", "photo_and_face", "pompoms", "real_and_fake_apples",
    "sponges", "stuffed_toys", "thread_spools",
)
# Held out for validation (never trained on): a food / colour scene, a face with a printed photo, and a
# fine-texture scene, so that spectral and spatial errors both show.
VALIDATION_SCENES = ("fake_and_real_peppers", "photo_and_face", "thread_spools")
TRAIN_SCENES = tuple(s for s in CAVE_SCENES if s not in VALIDATION_SCENES)


# ------------------------------------------------------------------------------------------------
# Loading and simulation
# ------------------------------------------------------------------------------------------------

def scene_files(root: str, name: str) -> list[str]:
    return [os.path.join(root, name, f"{name}_ms_{i:02d}.png") for i in range(1, BANDS + 1)]


def _read_png(path: str) -> np.ndarray:
    """A 16-bit greyscale PNG as a 2-D array (GDAL, or Pillow where GDAL is not installed, e.g. a GPU box)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"CAVE band missing: {path}")
    try:
        from osgeo import gdal
    except ImportError:
        from PIL import Image
        with Image.open(path) as im:
            arr = np.array(im)
    else:
        ds = gdal.Open(path)
        if ds is None:
            raise FileNotFoundError(f"CAVE band unreadable: {path}")
        arr = ds.ReadAsArray()
    if arr.ndim != 2:                      # a few CAVE copies store grey + alpha; keep the grey band
        arr = arr[0] if arr.shape[0] <= 4 else arr[..., 0]
    return arr


def load_scene(root: str, name: str) -> np.ndarray:
    """HR-HSI (31, H, W) float32 in [0, 1] (16-bit PNG / 65535)."""
    return np.stack([_read_png(p).astype(np.float32) / np.float32(SCALE) for p in scene_files(root, name)])


def read_response(path: str = DEFAULT_RESPONSE) -> np.ndarray:
    """(3, 31) camera response, rows in MSI_ORDER (R, G, B), each row summing to one."""
    rows = {}
    with open(path, newline="") as f:
        for rec in csv.reader(f):
            if rec and rec[0] in MSI_ORDER:
                rows[rec[0]] = [float(v) for v in rec[1:]]
    resp = np.array([rows[c] for c in MSI_ORDER], dtype=np.float64)
    if resp.shape != (3, BANDS):
        raise ValueError(f"{path}: expected 3 rows of {BANDS} values, got {resp.shape}")
    return resp / resp.sum(axis=1, keepdims=True)


def simulate_msi(cube: np.ndarray, response: np.ndarray) -> np.ndarray:
    """HR-MSI (3, H, W) = response (3, 31) x cube (31, H, W)."""
    return np.tensordot(response, cube, axes=(1, 0)).astype(np.float32)


def gaussian_kernel(sigma: float = BLUR_SIGMA, size: int = 3) -> np.ndarray:
    """MATLAB fspecial('gaussian', [size size], sigma)."""
    x = np.arange(size) - (size - 1) / 2.0
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * sigma ** 2))
    return g / g.sum()


def simulate_lr(cube: np.ndarray, ratio: int) -> np.ndarray:
    """LR-HSI: 3x3 Gaussian blur (sigma 0.5) then decimation at phase ratio // 2."""
    k = gaussian_kernel().astype(np.float32)
    blurred = ndimage.correlate(cube.astype(np.float32), k[None], mode="nearest")
    return np.ascontiguousarray(decimate(blurred, ratio))


def upsample_lr(lr: np.ndarray, ratio: int, hr_shape: Sequence[int]) -> np.ndarray:
    """The LR-HSI on the HR grid, as the engine interpolates it (LR pixel i centred on HR r*i + r//2)."""
    return upsample(lr, ratio, tuple(hr_shape[-2:])).astype(np.float32)


@dataclass
class SimulatedScene:
    name: str
    hr: np.ndarray                       # (31, H, W) reference HR-HSI
    msi: np.ndarray                      # (3, H, W)
    lr: dict = field(default_factory=dict)       # ratio -> (31, H/r, W/r)
    lr_up: dict = field(default_factory=dict)    # ratio -> (31, H, W)
    bases: dict = field(default_factory=dict)    # ratio -> {classical method id: (31, H, W)}, see add_bases

    @staticmethod
    def origin(ratio: int) -> tuple[int, int]:
        """HR (row, col) of the centre of LR pixel (0, 0)."""
        return ratio // 2, ratio // 2


def simulate_scene(name: str, cube: np.ndarray, ratios: Iterable[int], response: np.ndarray) -> SimulatedScene:
    h, w = cube.shape[-2:]
    ratios = list(ratios)
    for r in ratios:
        if h % r or w % r:
            raise ValueError(f"{name}: {h} x {w} is not a multiple of ratio {r}")
    sc = SimulatedScene(name, cube, simulate_msi(cube, response))
    for r in ratios:
        sc.lr[r] = simulate_lr(cube, r)
        sc.lr_up[r] = upsample_lr(sc.lr[r], r, cube.shape)
    return sc


def load_scenes(names: Iterable[str], ratios: Iterable[int], root: str = DEFAULT_ROOT,
                response_path: str = DEFAULT_RESPONSE) -> list[SimulatedScene]:
    response = read_response(response_path)
    ratios = list(ratios)
    return [simulate_scene(n, load_scene(root, n), ratios, response) for n in names]


def add_bases(scenes: Iterable[SimulatedScene], names: Sequence[str]) -> None:
    """Each scene's classical fusions ``names`` (registry ids of HS-MS methods) at each of its ratios, run as
    the plugin runs them on a CAVE-like scene (generic sensor preset): what a base-refining INFN refines."""
    from ..methods.array_fusion import classical_hsms_fusion
    from ..sensors import HSMS_MSI_GAIN, SENSORS

    generic = SENSORS["generic"]
    for sc in scenes:
        for r, up in sc.lr_up.items():
            sc.bases[r] = {n: classical_hsms_fusion(n, up, sc.msi, r, generic.gnyq_ms[0], HSMS_MSI_GAIN)
                           for n in names}


# ------------------------------------------------------------------------------------------------
# Patches
# ------------------------------------------------------------------------------------------------

def dihedral(arr: np.ndarray, transpose: bool, flip_y: bool, flip_x: bool) -> np.ndarray:
    if flip_y:
        arr = arr[..., ::-1, :]
    if flip_x:
        arr = arr[..., :, ::-1]
    if transpose:
        arr = np.swapaxes(arr, -1, -2)
    return arr


@dataclass
class Batch:
    lr: np.ndarray           # (B, 31, n, n)
    msi: np.ndarray          # (B, 3, n*r, n*r)
    lr_up: np.ndarray        # (B, 31, n*r, n*r)  what the network refines: the interpolated LR-HSI or a base
    target: np.ndarray       # (B, 31, n*r, n*r)
    ratio: int
    origin: tuple[int, int]
    bases: tuple = ()        # the classical base of each patch ("" = the interpolated LR-HSI)


def flip_shift(ratio: int) -> int:
    """HR shift that keeps the decimation phase under a flip.

    Flipping an HR patch of n*r pixels moves the LR centres from phase p = r//2 to r - 1 - p; cutting
    the HR patch d = 2p - r + 1 pixels later (1 for even r, 0 for odd r) before flipping brings them
    back to p, so every augmented patch has the protocol's geometry exactly.
    """
    return 2 * (ratio // 2) - ratio + 1


def sample_batch(scenes: Sequence[SimulatedScene], ratio: int, batch: int, lr_patch: int,
                 rng: np.random.Generator, augment: bool = True, bases: Sequence[str] = ()) -> Batch:
    """``batch`` random patches (LR lr_patch x lr_patch, HR lr_patch*ratio) from random scenes, with a random
    dihedral transform each (flips and transposes, i.e. all rot90 / flip combinations) when ``augment``.
    With ``bases`` each patch's ``lr_up`` is one of these classical fusions (see add_bases), drawn per patch."""
    r, n = int(ratio), int(lr_patch)
    p_hr = n * r
    d = flip_shift(r)
    out = {k: [] for k in ("lr", "msi", "lr_up", "target")}
    drawn = []
    for _ in range(batch):
        sc = scenes[int(rng.integers(len(scenes)))]
        hl, wl = sc.lr[r].shape[-2:]
        # one LR pixel kept free at the far side so that a flip's HR shift stays inside the image
        i = int(rng.integers(0, hl - n))
        j = int(rng.integers(0, wl - n))
        if augment:
            tr, fy, fx = (bool(v) for v in rng.integers(0, 2, size=3))
        else:
            tr = fy = fx = False
        y0, x0 = r * i + (d if fy else 0), r * j + (d if fx else 0)
        hr_sl = (slice(None), slice(y0, y0 + p_hr), slice(x0, x0 + p_hr))
        name = str(bases[int(rng.integers(len(bases)))]) if bases else ""
        drawn.append(name)
        up = sc.bases[r][name] if name else sc.lr_up[r]
        items = {"lr": sc.lr[r][:, i:i + n, j:j + n], "msi": sc.msi[hr_sl],
                 "lr_up": up[hr_sl], "target": sc.hr[hr_sl]}
        for k, v in items.items():
            out[k].append(dihedral(v, tr, fy, fx))
    arrays = {k: np.ascontiguousarray(np.stack(v), dtype=np.float32) for k, v in out.items()}
    return Batch(ratio=r, origin=SimulatedScene.origin(r), bases=tuple(drawn), **arrays)


def centre_crop(sc: SimulatedScene, ratio: int, size: int | None, base: str = "") -> tuple[np.ndarray, ...]:
    """(lr, msi, lr_up, hr) of a scene, or of its central crop of ``size`` HR pixels (rounded down to a
    multiple of the ratio, aligned to the LR grid) when ``size`` is given; ``base``: that classical fusion
    (add_bases) in place of lr_up."""
    r = ratio
    lr, msi, up, hr = sc.lr[r], sc.msi, (sc.bases[r][base] if base else sc.lr_up[r]), sc.hr
    if not size:
        return lr, msi, up, hr
    n = max(1, int(size) // r)
    hl, wl = lr.shape[-2:]
    i0, j0 = max(0, (hl - n) // 2), max(0, (wl - n) // 2)
    hs = (slice(None), slice(r * i0, r * (i0 + n)), slice(r * j0, r * (j0 + n)))
    return lr[:, i0:i0 + n, j0:j0 + n], msi[hs], up[hs], hr[hs]
