"""A paired HR/LR scene that cuts itself into method-ready :class:`Tile` objects.

Everything here is in global coordinates, so a tile is the same whatever tiling produced it: reads are
clamped to the rasters (filters then mirror at the true raster edge, as for the whole image), the
decimation phase and the LR-pixel mapping come from the grid pairing, and nodata is filled with
scene-wide means.
"""
from __future__ import annotations

import math

import numpy as np
from osgeo import gdal

from .errors import InputError
from .filters import upsample
from .grid import GridPairing, pair_grids
from .methods.base import Tile
from .raster_io import RasterInfo, alpha_read_as_data, check_bands, describe, mask_flags, open_raster, read_window
from .tiling import Window

LR_MARGIN = 12          # LR pixels read beyond what a tile covers (interpolator support)
# Scene statistics come from at most ~1 megapixel: scenes up to SAMPLE_WHOLE_MAX output pixels are prepared
# on the whole image, larger ones on a SAMPLE_GRID x SAMPLE_GRID grid of blocks, so memory does not grow
# with the scene.
SAMPLE_WHOLE_MAX = 1024 * 1024
SAMPLE_BLOCK = 256
SAMPLE_GRID = 4
UPSAMPLE_CHUNK_BYTES = 8 * 1024 * 1024      # upsampled LR bands made at once (core.scene._upsample_bands)
BAD_BAND_NODATA = 0.5   # an LR band that is nodata on more than this share of the sampled pixels is a bad band


class Scene:
    def __init__(self, hr_path: str, lr_path: str, hr_bands: list[int] | None, lr_bands: list[int] | None,
                 task: str = "pansharpen"):
        hr_role, lr_role = ("PAN", "MS") if task == "pansharpen" else ("HR-MSI", "LR-HSI")
        self.hr_role, self.lr_role = hr_role, lr_role
        self.hr_ds = open_raster(hr_path, hr_role)
        lr_ds = open_raster(lr_path, lr_role)
        self.hr_info: RasterInfo = describe(self.hr_ds, hr_path, hr_role)
        lr_info = describe(lr_ds, lr_path, lr_role)
        self.hr_bands = check_bands(self.hr_info, hr_bands, default_all=(task != "pansharpen"))
        self.lr_bands = check_bands(lr_info, lr_bands, default_all=True)
        if task == "pansharpen" and len(self.hr_bands) != 1:
            raise InputError("Pansharpening takes exactly one PAN band.")
        self.pairing: GridPairing = pair_grids(self.hr_info, lr_ds, lr_info, hr_role, lr_role)
        self.lr_ds = self.pairing.lr_dataset
        self.lr_info = self.pairing.lr_info
        self.ratio = self.pairing.ratio
        self.hr_fill = np.zeros(len(self.hr_bands), np.float32)
        self.lr_fill = np.zeros(len(self.lr_bands), np.float32)
        self.lr_bad: list[int] = []           # positions in lr_bands of bad bands (see find_bad_lr_bands)
        self._lr_mask_bands = None            # LR band numbers whose masks define validity (None = all)
        # Filled by estimate_fill_values from the sampled valid pixels: per-band (min, max), and the count of
        # non-finite (NaN / inf) pixels in float bands that declare no nodata, read as nodata all the same.
        self.hr_range = np.zeros((len(self.hr_bands), 2))
        self.lr_range = np.zeros((len(self.lr_bands), 2))
        self.undeclared_nonfinite = 0
        self.samples_cover_scene = False

    # --- geometry -------------------------------------------------------------------------------
    @property
    def height(self) -> int:
        return self.pairing.height

    @property
    def width(self) -> int:
        return self.pairing.width

    def output_geotransform(self) -> tuple:
        gt = self.hr_info.geotransform
        p = self.pairing
        return (gt[0] + p.x0 * gt[1], gt[1], 0.0, gt[3] + p.y0 * gt[5], 0.0, gt[5])

    def output_projection(self) -> str:
        return self.hr_info.crs.ExportToWkt() if self.hr_info.crs is not None else ""

    def has_masks(self) -> bool:
        """Whether any input band declares nodata, a mask or alpha, or an undeclared NaN was found (so the
        output needs nodata)."""
        return self.undeclared_nonfinite > 0 or any(
            mask_flags(ds, b, bands) != gdal.GMF_ALL_VALID
            for ds, bands in ((self.hr_ds, self.hr_bands), (self.lr_ds, self.lr_bands)) for b in bands)

    def alpha_notes(self) -> list[str]:
        """Notes for inputs whose band tagged alpha is among the bands fused (read as data, not as a mask)."""
        return [f"The {role} band {b} is tagged alpha (GDAL does so for the 4th band of 4-band 8-bit GeoTIFFs); "
                "it is fused as a data band, not used as a mask. To use it as a mask, leave it out of the bands."
                for role, ds, bands in ((self.hr_role, self.hr_ds, self.hr_bands),
                                        (self.lr_role, self.lr_ds, self.lr_bands))
                if alpha_read_as_data(ds, bands)
                for b in bands if ds.GetRasterBand(b).GetColorInterpretation() == gdal.GCI_AlphaBand]

    def _undeclared_float_bands(self) -> list[tuple[gdal.Dataset, list[int]]]:
        """(dataset, its float bands that declare no nodata, mask or alpha) for the two inputs."""
        out = []
        for ds, bands in ((self.hr_ds, self.hr_bands), (self.lr_ds, self.lr_bands)):
            picked = [b for b in bands if ds.GetRasterBand(b).DataType in (gdal.GDT_Float32, gdal.GDT_Float64)
                      and mask_flags(ds, b, bands) == gdal.GMF_ALL_VALID]
            if picked:
                out.append((ds, picked))
        return out

    def nonfinite_may_be_missed(self) -> bool:
        """Whether undeclared NaN could hide outside the samples: float bands without nodata, no mask anywhere,
        and samples that did not cover the whole scene."""
        return not self.has_masks() and not self.samples_cover_scene and bool(self._undeclared_float_bands())

    def scan_undeclared_nonfinite(self, rows: int = 512) -> int:
        """Count the NaN / inf pixels of the float input bands that declare no nodata over the whole rasters
        (the samples of a large scene may miss them).  Only needed when they decide the output's nodata."""
        count = 0
        for ds, bands in self._undeclared_float_bands():
            for y in range(0, ds.RasterYSize, rows):
                h = min(rows, ds.RasterYSize - y)
                _d, v = read_window(ds, bands, 0, y, ds.RasterXSize, h)
                count += v.size - int(v.sum())
        self.undeclared_nonfinite = max(self.undeclared_nonfinite, count)
        return count

    # --- statistics -------------------------------------------------------------------------------
    def sample_windows(self) -> list[Window]:
        """The whole output if small enough, else a regular grid of blocks spread over it."""
        if self.height * self.width <= SAMPLE_WHOLE_MAX:
            return [Window(0, 0, self.height, self.width)]
        bh, bw = min(SAMPLE_BLOCK, self.height), min(SAMPLE_BLOCK, self.width)
        ys = np.linspace(0, self.height - bh, SAMPLE_GRID).astype(int)
        xs = np.linspace(0, self.width - bw, SAMPLE_GRID).astype(int)
        return [Window(int(y), int(x), bh, bw) for y in sorted(set(ys)) for x in sorted(set(xs))]

    def find_bad_lr_bands(self, windows: list[Window]) -> list[int]:
        """LR bands that cannot be used: flagged bad in their metadata (``bbl`` = 0, as ENVI / EnMAP write it)
        or nodata on more than BAD_BAND_NODATA of the sampled pixels (e.g. EnMAP's water-vapour bands).
        They are left out of the validity mask (so they do not blank the whole output), hold 0 in the tiles
        and are written as nodata.  Returns their positions in ``lr_bands``."""
        md = self.lr_info.band_metadata
        bad = {i for i, b in enumerate(self.lr_bands) if str(md[b - 1].get("bbl", "1")).strip() in ("0", "0.0")}
        invalid = np.zeros(len(self.lr_bands))
        total = 0
        for w in windows:
            p = self.pairing
            ly0, lx0, lh, lw = self._lr_block(p.y0 + w.row_off, p.x0 + w.col_off, w.height, w.width, margin=0)
            for i, b in enumerate(self.lr_bands):
                _d, v = read_window(self.lr_ds, [b], lx0, ly0, lw, lh)
                invalid[i] += v.size - int(v.sum())
            total += lh * lw
        bad |= {i for i in range(len(self.lr_bands)) if total and invalid[i] > BAD_BAND_NODATA * total}
        if len(bad) >= len(self.lr_bands):          # nothing usable: leave the masks alone (clear error later)
            bad = set()
        self.lr_bad = sorted(bad)
        self._lr_mask_bands = {b for i, b in enumerate(self.lr_bands) if i not in bad} if bad else None
        return self.lr_bad

    def _read_lr(self, x0: int, y0: int, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
        lr, lv = read_window(self.lr_ds, self.lr_bands, x0, y0, w, h, mask_bands=self._lr_mask_bands)
        if self.lr_bad:
            lr[self.lr_bad] = 0.0
        return lr, lv

    def estimate_fill_values(self, windows: list[Window]) -> None:
        """Scene means of the valid pixels, used to fill nodata before filtering (tile-independent)."""
        hr_sum = np.zeros(len(self.hr_bands))
        lr_sum = np.zeros(len(self.lr_bands))
        hr_range = np.tile([np.inf, -np.inf], (len(self.hr_bands), 1))
        lr_range = np.tile([np.inf, -np.inf], (len(self.lr_bands), 1))
        n_hr = n_lr = 0
        undeclared = {id(ds): bands for ds, bands in self._undeclared_float_bands()}
        nonfinite = 0
        for w in windows:
            p = self.pairing
            hr, hv = read_window(self.hr_ds, self.hr_bands, p.x0 + w.col_off, p.y0 + w.row_off, w.width, w.height)
            hr_sum += hr[:, hv].sum(axis=1, dtype=np.float64)
            n_hr += int(hv.sum())
            _update_range(hr_range, hr, hv)
            ly0, lx0, lh, lw = self._lr_block(p.y0 + w.row_off, p.x0 + w.col_off, w.height, w.width, margin=0)
            lr, lv = self._read_lr(lx0, ly0, lw, lh)
            lr_sum += lr[:, lv].sum(axis=1, dtype=np.float64)
            n_lr += int(lv.sum())
            _update_range(lr_range, lr, lv)
            for data, bands, picked in ((hr, self.hr_bands, undeclared.get(id(self.hr_ds), [])),
                                        (lr, self.lr_bands, undeclared.get(id(self.lr_ds), []))):
                for b in picked:
                    nonfinite += int((~np.isfinite(data[bands.index(b)])).sum())
        self.undeclared_nonfinite = nonfinite
        self.samples_cover_scene = len(windows) == 1 and windows[0].height == self.height \
            and windows[0].width == self.width
        if n_hr == 0 or n_lr == 0:
            which = self.hr_role if n_hr == 0 else self.lr_role
            raise InputError(f"The {which} raster holds only nodata where the two images overlap.")
        self.hr_fill = (hr_sum / n_hr).astype(np.float32)
        self.lr_fill = (lr_sum / n_lr).astype(np.float32)
        self.hr_range, self.lr_range = hr_range, lr_range

    # --- tiles ------------------------------------------------------------------------------------
    def _lr_block(self, Y0: int, X0: int, h: int, w: int, margin: int = LR_MARGIN) -> tuple[int, int, int, int]:
        """LR window (row0, col0, height, width) covering HR raster rows Y0..Y0+h, cols X0..X0+w."""
        r = self.ratio
        cr, cc = self.pairing.lr_origin
        r0 = max(0, math.floor((Y0 - cr) / r) - margin)
        r1 = min(self.lr_info.height - 1, math.ceil((Y0 + h - 1 - cr) / r) + margin)
        c0 = max(0, math.floor((X0 - cc) / r) - margin)
        c1 = min(self.lr_info.width - 1, math.ceil((X0 + w - 1 - cc) / r) + margin)
        return r0, c0, r1 - r0 + 1, c1 - c0 + 1

    def read_tile(self, win: Window, halo: int) -> Tile:
        """The tile for output window ``win`` with ``halo`` HR pixels of context (clamped to the raster)."""
        p, r = self.pairing, self.ratio
        Y0 = max(0, p.y0 + win.row_off - halo)
        X0 = max(0, p.x0 + win.col_off - halo)
        Y1 = min(self.hr_info.height, p.y0 + win.row_end + halo)
        X1 = min(self.hr_info.width, p.x0 + win.col_end + halo)
        h, w = Y1 - Y0, X1 - X0
        hr, hv = read_window(self.hr_ds, self.hr_bands, X0, Y0, w, h)
        ly0, lx0, lh, lw = self._lr_block(Y0, X0, h, w)
        lr, lv = self._read_lr(lx0, ly0, lw, lh)
        _fill(hr, hv, self.hr_fill)
        _fill(lr, lv, self.lr_fill)
        cr, cc = p.lr_origin
        origin = (cr + r * ly0 - Y0, cc + r * lx0 - X0)       # centre of lr[:, 0, 0] in tile pixels
        lr_up = _upsample_bands(lr, r, (h, w), origin)
        # An HR pixel is valid when it and its nearest LR pixel are.
        rows = np.clip(np.rint((np.arange(h) - origin[0]) / r).astype(int), 0, lh - 1)
        cols = np.clip(np.rint((np.arange(w) - origin[1]) / r).astype(int), 0, lw - 1)
        valid = hv & lv[np.ix_(rows, cols)]
        ar, ac = p.phase_anchor
        core = (slice(p.y0 + win.row_off - Y0, p.y0 + win.row_end - Y0),
                slice(p.x0 + win.col_off - X0, p.x0 + win.col_end - X0))
        return Tile(hr=hr, lr_up=lr_up, lr=lr, valid=valid, ratio=r,
                    phase=((ar - Y0) % r, (ac - X0) % r), lr_origin=origin, core=core)


def _upsample_bands(lr: np.ndarray, ratio: int, shape: tuple[int, int], origin) -> np.ndarray:
    """upsample() of ``lr`` as float32, a few bands at a time into the result: the interpolator's temporaries
    are a few times its output, so many bands at once would hold several copies of the tile (bands are
    interpolated independently: the values are the same)."""
    step = max(1, UPSAMPLE_CHUNK_BYTES // (4 * shape[0] * shape[1]))
    if step >= lr.shape[0]:
        return upsample(lr, ratio, shape, offset=origin).astype(np.float32, copy=False)
    out = np.empty((lr.shape[0],) + tuple(shape), np.float32)
    for b in range(0, lr.shape[0], step):
        out[b:b + step] = upsample(lr[b:b + step], ratio, shape, offset=origin)
    return out


def _update_range(rng: np.ndarray, data: np.ndarray, valid: np.ndarray) -> None:
    """Widen the per-band (min, max) ``rng`` by the valid pixels of ``data``."""
    if valid.any():
        vals = data[:, valid]
        np.minimum(rng[:, 0], vals.min(axis=1), out=rng[:, 0])
        np.maximum(rng[:, 1], vals.max(axis=1), out=rng[:, 1])


def _fill(data: np.ndarray, valid: np.ndarray, values: np.ndarray) -> None:
    if not valid.all():
        for b in range(data.shape[0]):
            data[b][~valid] = values[b]
