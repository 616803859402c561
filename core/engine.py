"""The tiled fusion engine: pair the grids, prepare the method once, stream tiles, write the output.

Toolbox, dock and command line all call :func:`run_fusion`; with a CLUSTER its tiles come from Dask
(:mod:`core.dask_backend`, imported only then).
"""
from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import gdal_cache
from .disk_space import disk_space_problem, output_bytes
from .errors import Cancelled, InputError
from .methods import get_method, method_names
from .methods.base import SceneInfo, adapt_seconds
from .output_guard import check_adapted_weights_writable, check_request_outputs
from .output_values import NAN_WARNING, data_bit_depth, input_value_warnings, output_nodata, output_value_factor
from .raster_io import DTYPE_RANGES
from .scene import Scene
from .sensors import HSMS_MSI_GAIN, preset_for_bands
from .tiling import TILE_SIZE_RANGE, BlendAssembler, TileGrid, tiles_in_flight
from .version import plugin_version
from .writer import OutputRaster, check_compression, default_nodata, remove_stale_parts

ProgressFn = Callable[[float], None]      # 0..100
CancelFn = Callable[[], bool]             # True when the user asked to stop
LogFn = Callable[[str], None]


@dataclass
class FusionRequest:
    task: str                             # "pansharpen" (hr = PAN, lr = MS) or "hsms" (hr = HR-MSI, lr = LR-HSI)
    hr_path: str                          # any GDAL-readable path / URI
    lr_path: str
    output_path: str
    method: str = "auto"                  # the best classical method for the scene (core.auto_select)
    hr_bands: list[int] | None = None  # 1-based; default: band 1 for PAN, all bands for an HR-MSI
    lr_bands: list[int] | None = None  # 1-based; default: all bands
    sensor: str = "generic"
    tile_size: int = 1024                 # output pixels per tile side (without halo)
    overlap: int = 32                     # pixels blended between neighbouring tiles
    output_dtype: str | None = None    # "uint8", "uint16", "int16", "float32"; None = the LR input's type
    cog: bool = False
    compression: str = "deflate"          # "deflate", "zstd" or "none" (core.writer.COMPRESSIONS)
    method_options: dict = field(default_factory=dict)
    device: str = "auto"
    cluster: str = ""                     # "" = this process; "local[:N]" or a scheduler address = Dask


@dataclass
class FusionResult:
    output_path: str
    width: int
    height: int
    bands: int
    method: str
    seconds: float
    warnings: list[str] = field(default_factory=list)


def _value_max(dtype: str, bit_depth: int | None) -> float:
    if bit_depth:
        return float(2 ** bit_depth - 1)
    if dtype.startswith("float"):
        return 1.0
    return DTYPE_RANGES[dtype][1]


def _check_request(req: FusionRequest) -> None:
    if req.task not in ("pansharpen", "hsms"):
        raise InputError(f"Unknown task '{req.task}'.")
    if req.method not in method_names(req.task):
        raise InputError(f"'{req.method}' is not a {req.task} method. Choose one of: "
                         f"{', '.join(method_names(req.task))}.")
    lo, hi = TILE_SIZE_RANGE
    if not lo <= req.tile_size <= hi:
        raise InputError(f"The tile size must be from {lo} to {hi} pixels, not {req.tile_size}.")
    if "adapt_seconds" in req.method_options:
        adapt_seconds(req.method_options, 0.0)      # a bad budget fails before the inputs are read
    if req.overlap < 0 or req.overlap > req.tile_size // 2:
        raise InputError("The tile overlap must be between 0 and half the tile size.")
    if req.output_dtype is not None and req.output_dtype not in DTYPE_RANGES:
        raise InputError(f"Unknown output type '{req.output_dtype}'.")
    check_compression(req.compression)          # before a long prepare, not when the output is created
    check_request_outputs(req)                  # an output that is an input is refused before any work
    check_adapted_weights_writable(req)


def build_scene_info(req: FusionRequest, scene: Scene) -> SceneInfo:
    preset = preset_for_bands(req.sensor, len(scene.lr_bands))
    lr = scene.lr_info
    # The generic preset takes its radiometric depth from the data type.
    if lr.dtype.startswith("float"):
        bit_depth = None
    elif preset.name == "generic":
        bit_depth = {"uint8": 8, "int16": 15}.get(lr.dtype, 16)
    else:
        bit_depth = preset.bit_depth
    wavelengths = [md.get("wavelength") for md in (lr.band_metadata[b - 1] for b in scene.lr_bands)]
    return SceneInfo(
        task=req.task, ratio=scene.ratio, lr_bands=len(scene.lr_bands), hr_bands=len(scene.hr_bands),
        gnyq_lr=list(preset.gnyq_ms), gnyq_hr=preset.gnyq_pan if req.task == "pansharpen" else HSMS_MSI_GAIN,
        bit_depth=bit_depth or 0,
        value_max=_value_max(lr.dtype, bit_depth),
        sensor=req.sensor,
        lr_band_names=[lr.descriptions[b - 1] for b in scene.lr_bands],
        lr_wavelengths_nm=wavelengths,
        options=dict(req.method_options, device=req.device),
    )


@gdal_cache.bounded
def run_fusion(request: FusionRequest, progress: ProgressFn | None = None,
               is_cancelled: CancelFn | None = None, log: LogFn | None = None,
               tile_source=None, client=None) -> FusionResult:
    """Fuse and write ``request.output_path``.  Raises InputError (bad input), Cancelled, MissingDependency.
    The tiles are fused on the Dask cluster ``request.cluster`` or ``client`` (a connected
    ``distributed.Client``) when either is given; ``tile_source`` replaces the tile generator."""
    if tile_source is None and (request.cluster or client is not None):
        if client is None:
            _check_request(request)                 # bad input fails before a cluster starts
        from .dask_backend import cluster_tiles  # Dask is optional: imported only for a cluster
        with cluster_tiles(request, log, client) as tiles:
            return run_fusion(request, progress, is_cancelled, log, tile_source=tiles)
    t_start = time.perf_counter()
    progress = progress or (lambda _p: None)
    is_cancelled = is_cancelled or (lambda: False)
    log = log or (lambda _m: None)
    req = request
    _check_request(req)

    scene = Scene(req.hr_path, req.lr_path, req.hr_bands, req.lr_bands, req.task)
    for w in scene.pairing.warnings:
        log("Warning: " + w)
    _check_disk_space(req, scene, log)
    for note in scene.alpha_notes():
        log(note)
    method = get_method(req.method)
    info = build_scene_info(req, scene)
    log(f"{method.label}: ratio {scene.ratio}, output {scene.width} x {scene.height} pixels, "
        f"{info.lr_bands} band(s), sensor preset '{req.sensor}'.")
    warnings: list[str] = []

    def warn(message: str) -> None:
        warnings.append(message)
        log("Warning: " + message)

    if scene.ratio > method.max_ratio:
        warn(f"The resolution ratio is {scene.ratio}, but {method.label} is meant for ratios up to "
             f"{method.max_ratio}: the {scene.hr_role} detail is then far finer than the {scene.lr_role} "
             "pixels and the result may be unreliable. Check it against the input, or use a "
             f"{scene.hr_role} closer to the {scene.lr_role} resolution.")

    halo = method.halo(scene.ratio)
    samples = scene.sample_windows()
    info.lr_bad_bands = scene.find_bad_lr_bands(samples)
    if info.lr_bad_bands:
        log(f"{len(info.lr_bad_bands)} bad LR band(s) (flagged bad or mostly nodata) are written as nodata: "
            + ", ".join(str(scene.lr_bands[i]) for i in info.lr_bad_bands) + ".")
    scene.estimate_fill_values(samples)
    for message in input_value_warnings(scene):
        warn(message)
    pre = 100.0 * method.prepare_share(info)        # a long prepare (scene adaptation) reports its progress
    method.bind(lambda f: progress(pre * min(max(f, 0.0), 1.0)), is_cancelled, log)
    sample_tiles = []
    for w in samples:                               # many-band sample tiles take seconds to read and upsample
        if is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        sample_tiles.append(scene.read_tile(w, halo))
    method.prepare(sample_tiles, info)
    sample_tiles = None                             # what the method keeps of them, it holds itself
    halo = method.halo(scene.ratio)                 # once prepared a method may need less (Auto: its choice's)
    progress(pre)

    out_dtype = req.output_dtype or scene.lr_info.dtype
    factor = output_value_factor(scene, info, out_dtype)
    if factor != 1.0:
        log(f"The {scene.lr_role} values (up to {2 ** data_bit_depth(scene, info) - 1:g}) are rescaled to 0-255 "
            "for the "
            f"Byte output (multiplied by {factor:.6g}).")
    # The samples of a large scene may miss NaN elsewhere: a float output then writes NaN wherever an input
    # pixel turns out invalid (declared at the end); an integer output needs to know before it starts.
    unsure = scene.nonfinite_may_be_missed()
    if unsure and not out_dtype.startswith("float"):
        scene.scan_undeclared_nonfinite()
        unsure = False
    if scene.undeclared_nonfinite:
        warn(NAN_WARNING)
    nodata, mask = output_nodata(scene, out_dtype)
    skip = method.nodata_bands()                    # bands the method did not fuse
    if skip and nodata is None:
        nodata, mask = default_nodata(out_dtype), False
    stale = remove_stale_parts(req.output_path)
    if stale:
        log(f"Removed {len(stale)} temporary file(s) an interrupted earlier run of this output left: "
            + ", ".join(os.path.basename(p) for p in stale) + ".")
    out = OutputRaster(req.output_path, scene.width, scene.height, info.lr_bands, out_dtype,
                       scene.output_geotransform(), scene.output_projection(), nodata, cog=req.cog,
                       compression=req.compression, mask=mask, value_factor=factor)
    out.nan_if_invalid = unsure and nodata is None
    try:
        # Methods whose halo covers their whole receptive field give the same pixels on any tiling: no blend
        # overlap (each 256 x 256 output block is then written once, not twice, which matters for many bands).
        overlap = 0 if getattr(method, "exact_tiles", False) else req.overlap
        grid = TileGrid(scene.height, scene.width, req.tile_size, overlap)
        assembler = BlendAssembler(grid, info.lr_bands)
        n_valid = 0
        tiles = (tile_source or _fused_tiles)(scene, method, grid, halo, is_cancelled)
        done = 0
        # not enumerate(): it keeps its last item (the previous tile and its result) until the next one is ready
        for win, tile, fused in tiles:
            fused = fused[(slice(None),) + tile.core]
            if skip:
                fused[skip] = np.nan                  # written as nodata
            valid = tile.valid[tile.core]
            for y, x, block in assembler.add(win, fused):
                dy, dx = y - win.row_off, x - win.col_off
                v = valid[dy:dy + block.shape[1], dx:dx + block.shape[2]]
                n_valid += int(v.sum())
                # without overlap the blocks are the method's own results (no blend strips keep them): no copy
                out.write(y, x, block, v, scratch=overlap == 0)
            if win.col_end == grid.width:             # a tile row is done
                out.flush()
            done += 1
            progress(pre + (99.0 - pre) * done / len(grid))
            tile = fused = valid = block = None         # not kept alive while the next tiles are read and fused
        if n_valid == 0:
            raise InputError("Every output pixel is nodata: the inputs hold no valid pixels in common.")
        if out.wrote_invalid:
            warn(NAN_WARNING)
        lr = scene.lr_info
        pick = [b - 1 for b in scene.lr_bands]
        out.describe_bands([lr.descriptions[i] for i in pick], [lr.band_metadata[i] for i in pick],
                           [lr.scales[i] for i in pick], [lr.offsets[i] for i in pick])
        out.set_provenance({
            "version": plugin_version(), "method": req.method, "task": req.task,
            "hr_input": os.path.basename(req.hr_path), "lr_input": os.path.basename(req.lr_path),
            "hr_bands": scene.hr_bands, "lr_bands": scene.lr_bands, "sensor": req.sensor,
            "ratio": scene.ratio, "tile_size": req.tile_size, "overlap": overlap,
            "method_options": req.method_options, "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            **({"output_value_factor": factor} if factor != 1.0 else {}),
            **method.provenance(),
        })
        if is_cancelled():
            raise Cancelled("Cancelled by the user; no output was written.")
        out.commit()
    except BaseException:
        out.discard()
        raise
    progress(100.0)
    seconds = time.perf_counter() - t_start
    log(f"Wrote {req.output_path} in {seconds:.1f} s.")
    return FusionResult(req.output_path, scene.width, scene.height, info.lr_bands, req.method, seconds,
                        list(scene.pairing.warnings) + warnings + list(method.warnings))


def _check_disk_space(req: FusionRequest, scene: Scene, log: LogFn) -> None:
    """Refuse an output that cannot fit on its disk before the work starts (the input doctor warns the same)."""
    size = output_bytes(scene.width, scene.height, len(scene.lr_bands), req.output_dtype or scene.lr_info.dtype)
    found = disk_space_problem(os.path.dirname(os.path.abspath(req.output_path)), size, req.compression, req.cog)
    if found and found[0] == "error":
        raise InputError(f"{found[1]} {found[2]}")
    if found:
        log(f"Warning: {found[1]}")


def tile_bytes(tile) -> int:
    """A tile's inputs and a result the size of its interpolated LR bands."""
    return int(tile.hr.nbytes + tile.lr.nbytes + 2 * tile.lr_up.nbytes + tile.valid.nbytes)


def _fused_tiles(scene: Scene, method, grid: TileGrid, halo: int, is_cancelled: CancelFn):
    """Yield (window, tile, fused) in order.  Tiles are read here (GDAL handles are not shared between
    threads) and fused on a small thread pool: numpy and scipy release the GIL, so two cores help."""
    workers = method.tile_threads or min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        todo = iter(grid)
        in_flight = workers + 1
        while True:
            while len(pending) < in_flight:
                win = next(todo, None)
                if win is None:
                    break
                if is_cancelled():
                    for _w, _t, fut in pending:
                        fut.cancel()
                    raise Cancelled("Cancelled by the user; no output was written.")
                tile = scene.read_tile(win, halo)
                if not pending:                         # the first tile tells how large they are
                    in_flight = tiles_in_flight(workers, tile_bytes(tile))
                pending.append((win, tile, pool.submit(method.apply, tile)))
            if not pending:
                return
            win, tile, fut = pending.popleft()
            yield win, tile, fut.result()
            tile = fut = None                           # the consumer is done with it: free it before the next read
