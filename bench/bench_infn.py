#!/usr/bin/env python3
"""INFN benchmark: CAVE validation quality, scene-adapted INFN on EnMAP, CPU throughput through the engine.

Parts (``--parts``, default all; results are merged into bench/results/infn_results.json and the table
bench/results/infn_quality.md is rebuilt from it, so parts can be rerun separately):

  cave        the validation scenes of core.training.train_infn (--val-scenes default, never trained on),
              x4 and x8, CAVE protocol (../shared/docs/cave_protocol.md: values / 65535, LR = 3x3 Gaussian
              sigma 0.5 + decimation at r//2, RGB = D700 x HSI, metrics on the whole 512 x 512 image, peak 1,
              output clipped to [0, 1]): bicubic (MATLAB imresize, the papers' "Bicubic"), every classical
              HS-MS method (bench_hsms_classical.METHODS) and INFN with the given weights (guard off; a
              base-refining model picks its base as in a user's run), each method applied on the whole image as
              one engine tile; published anchors (11 test scenes, so not the same images) next to them.
  real        every real pair (real_pairs): EnMAP L2A tiles of ../shared/data/enmap_potsdam mosaicked into
              three contiguous scenes, a Sentinel-2-like MSI (B02-B08, B8A, B11, B12) simulated from the EnMAP
              cube with the Sentinel-2A responses (../shared/data/srf/pyrsr) at 30 m, the LR-HSI = EnMAP
              MTF-filtered (Nyquist gain 0.3) and decimated by 3 (Wald: S2 10 m / EnMAP 30 m), its water-vapour
              bands nodata; and the bundled Jasper Ridge pair (ratio 4) against its 30 m AVIRIS cube; then the
              same four scenes with a Landsat-8 OLI MSI (bands 1-7) simulated the same way instead (added after
              the blend, hs_blend, was designed on the Sentinel-2 pairs: its held-out test).  Every
              classical HS-MS method, INFN with ADAPT and the guard off (the network) and INFN with ADAPT and the
              guard on (what a user gets), through run_fusion (GeoTIFFs); scored on the good bands (SAM degrees,
              ERGAS with the ratio, PSNR with peak 10000 / 5000 = reflectance 1, SSIM).
  throughput  a 31-band LR-HSI + 3-band HR-MSI of 2048 x 2048 HR pixels (4 MP at x4) built from the CAVE
              validation scenes, as uint16 and as float32 (reflectance 0-1); run_fusion with INFN (CPU) end to
              end (read, interpolate, network, GeoTIFF write) in a fresh process per run (its own peak RSS),
              for each output compression (guard off: the network's pixels; best of --repeat runs) and once
              with the default options (guard on); an EnMAP-like 218-band scene at ratio 3 with a model adapted
              to it; the network alone on an in-memory 1024 x 1024 image for comparison; --profile writes a
              cProfile of one engine run.

Usage:
  .venv/bin/python bench/bench_infn.py [--weights W.safetensors] [--parts cave real throughput]
                                       [--adapt-seconds 120] [--profile]
Default weights: resources/weights/infn_cave_x4x8.safetensors, else build/infn_cave_x4x8/*.safetensors.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import glob
import io
import json
import os
import platform
import pstats
import sys
import time

import numpy as np
from osgeo import gdal, osr

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
for _p in (ROOT, HERE):          # the plugin's core, and the bench's own helpers when imported from elsewhere
    if _p not in sys.path:
        sys.path.insert(0, _p)

from proc_memory import peak_rss_gb, rss_gb  # noqa: E402

from core import metrics  # noqa: E402
from core.engine import FusionRequest, run_fusion  # noqa: E402
from core.filters import imresize_bicubic, mtf_filter_decimate  # noqa: E402
from core.methods import SceneInfo, Tile, get_method  # noqa: E402
from core.sensors import HSMS_MSI_GAIN, preset_for_bands  # noqa: E402
from core.shared_data import DATA  # noqa: E402
from core.srf import band_weights, read_pyrsr_sensor, simulate_msi  # noqa: E402
from scripts.make_hsms_sample import read_jasper_ridge  # noqa: E402

gdal.UseExceptions()
WORK = os.path.join(ROOT, "build", "bench_infn")
RESULTS = os.path.join(HERE, "results")
S2_BANDS = ["2", "3", "4", "5", "6", "7", "8", "8A", "11", "12"]
L8_BANDS = ["1", "2", "3", "4", "5", "6", "7"]          # OLI without the PAN and cirrus bands
# (pyrsr folder, bands, file tag, name in labels, band name): the MSI simulated for each real pair
MSI_SENSORS = {"s2": ("Sentinel-2A/MSI", S2_BANDS, "s2", "sim. S2", "S2A B{} (simulated)"),
               "l8": ("Landsat-8/OLI_TIRS", L8_BANDS, "l8", "sim. Landsat-8 OLI", "L8 OLI B{} (simulated)")}
ENMAP_RATIO = 3
ANCHORS = {4: {"Bicubic": (34.33, 4.45, 7.21, 0.944), "MTF-GLP-HS": (37.69, None, None, None),
               "BDT": (52.30, 1.93, 1.02, 0.997)},
           8: {"Bicubic": (29.96, 5.89, 5.56, 0.887)}}


def default_weights() -> str:
    for pattern in (os.path.join(ROOT, "resources", "weights", "infn_cave_x4x8.safetensors"),
                    os.path.join(ROOT, "resources", "weights", "infn_cave*.safetensors"),
                    os.path.join(ROOT, "build", "infn_cave_x4x8", "*.safetensors")):
        hits = sorted(glob.glob(pattern))
        if hits:
            return hits[0]
    return os.path.join(ROOT, "resources", "weights", "infn_cave_x4x8.safetensors")


def weights_tag(path: str) -> str:
    """'<file> (sha256 <12 hex>, step <n>, val x4 <PSNR>)' from the manifest."""
    from core.models import weights as W
    man = W.read_manifest(path)
    tr = man.get("training", {})
    val = (tr.get("validation_fp16") or tr.get("validation") or {}).get("4", {})
    extra = f", training step {tr['step']}" if tr.get("step") else ""
    extra += f", its x4 validation {val['PSNR']:.2f} dB" if val.get("PSNR") else ""
    return f"{os.path.basename(path)} (sha256 {man['weights']['sha256'][:12]}{extra})"


def _scene_info(lr_bands, hr_bands, ratio, value_max, options=None, wavelengths=None) -> SceneInfo:
    preset = preset_for_bands("generic", lr_bands)
    return SceneInfo(task="hsms", ratio=ratio, lr_bands=lr_bands, hr_bands=hr_bands, gnyq_lr=list(preset.gnyq_ms),
                     gnyq_hr=HSMS_MSI_GAIN, bit_depth=16, value_max=value_max,
                     lr_wavelengths_nm=list(wavelengths or []), options=dict(options or {}, device="cpu"))


def _whole_tile(lr, msi, up, ratio) -> Tile:
    p = ratio // 2
    return Tile(hr=msi, lr_up=up, lr=lr, valid=np.ones(msi.shape[-2:], bool), ratio=ratio, phase=(p, p),
                lr_origin=(float(p), float(p)))


def _scores(fused, ref, ratio, peak, mask=None) -> dict:
    return {"PSNR": metrics.psnr(fused, ref, peak, mask=mask), "SAM": metrics.sam(fused, ref, mask=mask),
            "ERGAS": metrics.ergas(fused, ref, ratio, mask=mask), "SSIM": metrics.ssim(fused, ref, peak, mask=mask)}


# ------------------------------------------------------------------------------------------------
# CAVE validation
# ------------------------------------------------------------------------------------------------

def part_cave(weights: str) -> dict:
    from bench_hsms_classical import METHODS as CLASSICAL

    from core.training import cave
    out = {"weights": weights_tag(weights), "scenes": list(cave.VALIDATION_SCENES), "ratios": {}, "bases": {}}
    scenes = cave.load_scenes(cave.VALIDATION_SCENES, [4, 8])
    for r in (4, 8):
        per = {m: [] for m in ("bicubic", *CLASSICAL, "infn")}
        times = {m: 0.0 for m in per}
        for sc in scenes:
            lr, msi, up, ref = sc.lr[r], sc.msi, sc.lr_up[r], sc.hr
            t0 = time.perf_counter()
            per["bicubic"].append(_scores(np.clip(imresize_bicubic(lr, r), 0, 1), ref, r, 1.0))
            times["bicubic"] += time.perf_counter() - t0
            for name in (*CLASSICAL, "infn"):
                t0 = time.perf_counter()
                m = get_method(name)
                tile = _whole_tile(lr, msi, up, r)
                # the network alone (guard off); a base-refining model picks its base as in a user's run
                m.prepare([tile], _scene_info(31, 3, r, 1.0, {"weights": weights, "guard": False}
                                              if name == "infn" else None))
                fused = np.clip(m.apply(tile), 0, 1)
                times[name] += time.perf_counter() - t0
                per[name].append(_scores(fused, ref, r, 1.0))
                if name == "infn" and getattr(m, "base_choice", None):
                    out["bases"].setdefault(str(r), {})[sc.name] = m.base_choice["base"]
            print(f"  cave x{r} {sc.name}: " + ", ".join(f"{k} {v[-1]['PSNR']:.2f}" for k, v in per.items()),
                  flush=True)
        out["ratios"][str(r)] = {m: {k: float(np.mean([s[k] for s in v])) for k in v[0]} | {"seconds": times[m]}
                                 for m, v in per.items()}
    return out


# ------------------------------------------------------------------------------------------------
# EnMAP + simulated Sentinel-2
# ------------------------------------------------------------------------------------------------

def _enmap_mosaics() -> list[tuple[str, str]]:
    """Three contiguous mosaics of the 32 x 32 tiles (VRTs): (name, path)."""
    files = sorted(glob.glob(os.path.join(DATA, "enmap_potsdam", "enmap_potsdam_tile_*.tif")))
    if not files:
        raise SystemExit(f"no EnMAP tiles in {DATA}/enmap_potsdam")
    gts = {f: gdal.Open(f).GetGeoTransform() for f in files}
    x0 = min(g[0] for g in gts.values())
    y0 = max(g[3] for g in gts.values())
    pos = {f: (int(round((y0 - g[3]) / 30)), int(round((g[0] - x0) / 30))) for f, g in gts.items()}   # (row, col)
    blocks = {"A": ((0, 64), (0, 96)), "B": ((96, 160), (32, 96)), "C": ((64, 192), (96, 160))}
    os.makedirs(WORK, exist_ok=True)
    out = []
    for name, ((r0, r1), (c0, c1)) in blocks.items():
        members = [f for f, (r, c) in pos.items() if r0 <= r < r1 and c0 <= c < c1]
        path = os.path.join(WORK, f"enmap_{name}.vrt")
        gdal.BuildVRT(path, members, options=gdal.BuildVRTOptions(srcNodata=-32768, VRTNodata=-32768))
        out.append((name, path))
    return out


def _write(path, arr, gt, wkt, nodata=None, band_md=None, names=None):
    ds = gdal.GetDriverByName("GTiff").Create(path, arr.shape[2], arr.shape[1], arr.shape[0], gdal.GDT_Float32,
                                              options=["COMPRESS=DEFLATE", "INTERLEAVE=BAND"])
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    for i in range(arr.shape[0]):
        b = ds.GetRasterBand(i + 1)
        b.WriteArray(arr[i])
        if nodata is not None:
            b.SetNoDataValue(nodata)
        if band_md:
            b.SetMetadata(band_md[i])
        if names:
            b.SetDescription(names[i])
    ds = None
    return path


def _msi_srfs(msi_sensor: str) -> dict:
    """The spectral responses of the MSI_SENSORS entry ``msi_sensor`` (../shared/data/srf/pyrsr)."""
    folder, bands = MSI_SENSORS[msi_sensor][:2]
    return read_pyrsr_sensor(os.path.join(DATA, "srf", "pyrsr", *folder.split("/")), bands)


def build_enmap_pair(name: str, vrt: str, msi_sensor: str = "s2") -> dict:
    tag, band_name = MSI_SENSORS[msi_sensor][2], MSI_SENSORS[msi_sensor][4]
    r = ENMAP_RATIO
    ds = gdal.Open(vrt)
    cube = ds.ReadAsArray().astype(np.float32)
    h, w = cube.shape[1] // r * r, cube.shape[2] // r * r
    cube = cube[:, :h, :w]
    src = gdal.Open(ds.GetFileList()[1]) if len(ds.GetFileList()) > 1 else ds
    md = [src.GetRasterBand(i + 1).GetMetadata() for i in range(cube.shape[0])]
    names = [src.GetRasterBand(i + 1).GetDescription() for i in range(cube.shape[0])]
    wl = np.array([float(m["wavelength"]) for m in md])
    bad = np.array([(cube[i] == -32768).mean() > 0.5 or m.get("bbl") == "0" for i, m in enumerate(md)])
    good = ~bad
    valid = (cube[good] != -32768).all(axis=0)
    if not valid.all():
        raise SystemExit(f"EnMAP mosaic {name} has nodata in good bands")
    srfs = _msi_srfs(msi_sensor)
    msi, msi_names = simulate_msi(cube[good].astype(np.float64), wl[good], srfs)
    true_w = np.stack([band_weights(wl[good], srfs[b]) for b in msi_names])
    true_centroids = [round(float(c), 1) for c in (true_w * wl[good]).sum(1) / true_w.sum(1)]
    lr = np.full((cube.shape[0], h // r, w // r), -32768, np.float32)
    lr[good] = mtf_filter_decimate(cube[good], 0.3, r)
    gt = ds.GetGeoTransform()
    wkt = ds.GetProjection()
    lr_gt = (gt[0], gt[1] * r, 0.0, gt[3], 0.0, gt[5] * r)        # odd ratio: LR pixel k centred on HR r*k + r//2
    base = os.path.join(WORK, f"enmap_{name}")
    return {"name": name, "size": (h, w), "true_centroids": true_centroids, "bands": int(cube.shape[0]), "good": good,
            "ref": cube, "wl": wl,
            "hsi": _write(base + "_lrhsi_90m.tif", lr, lr_gt, wkt, -32768, md, names),
            "msi": _write(base + f"_{tag}_30m.tif", msi.astype(np.float32), gt, wkt,
                          names=[band_name.format(n) for n in msi_names])}


def _jasper_l8_msi() -> str:
    """The Jasper Ridge cube seen by Landsat-8 OLI (simulated as scripts/make_hsms_sample.py simulates the
    bundled Sentinel-2 MSI, rounded as its uint16 values), on the bundled MSI's grid."""
    cube, _channels, wavelengths = read_jasper_ridge(DATA)
    tag, band_name = MSI_SENSORS["l8"][2], MSI_SENSORS["l8"][4]
    msi, names = simulate_msi(cube, wavelengths, _msi_srfs("l8"))
    s2 = gdal.Open(os.path.join(ROOT, "resources", "sample", "jasper_ridge_msi_s2_30m.tif"))
    os.makedirs(WORK, exist_ok=True)
    return _write(os.path.join(WORK, f"jasper_msi_{tag}_30m.tif"), np.rint(msi).astype(np.float32),
                  s2.GetGeoTransform(), s2.GetProjection(), names=[band_name.format(n) for n in names])


def real_pairs():
    """(key, label, msi path, hsi path, reference (good bands), good-band mask, ratio, PSNR peak, true MSI
    centroids) of every real pair: the three EnMAP scenes and the bundled Jasper Ridge sample against its 30 m
    cube, each with a simulated Sentinel-2 MSI, then the same four with a simulated Landsat-8 OLI MSI (added
    after the blend, hs_blend, was designed on the Sentinel-2 pairs: its held-out test)."""
    sample = os.path.join(ROOT, "resources", "sample")
    for sensor in ("s2", "l8"):
        suffix = "" if sensor == "s2" else "_l8"
        what = MSI_SENSORS[sensor][3]
        for name, vrt in _enmap_mosaics():
            pair = build_enmap_pair(name, vrt, sensor)
            good = pair["good"]
            yield (f"enmap_{name}{suffix}", f"EnMAP {name} + {what} (x3, {pair['size'][0]} x {pair['size'][1]} x "
                   f"{int(good.sum())})", pair["msi"], pair["hsi"], pair["ref"][good].astype(np.float64), good,
                   ENMAP_RATIO, 10000.0, pair["true_centroids"])
        truth = read_jasper_ridge(DATA)[0][:, 1:, 1:]
        msi = os.path.join(sample, "jasper_ridge_msi_s2_30m.tif") if sensor == "s2" else _jasper_l8_msi()
        yield (f"jasper{suffix}", f"Jasper Ridge AVIRIS + {what} (x4, 99 x 99 x 198)", msi,
               os.path.join(sample, "jasper_ridge_lrhsi_120m.tif"), truth, np.ones(198, bool), 4, 5000.0, None)


def _run_infn(msi, hsi, out, weights, adapt_seconds, guard) -> tuple[np.ndarray, dict, float]:
    t0 = time.perf_counter()
    run_fusion(FusionRequest("hsms", msi, hsi, out, method="infn", output_dtype="float32", device="cpu",
                             method_options={"weights": weights, "adapt": True, "adapt_seconds": adapt_seconds,
                                             "guard": guard}), log=lambda _m: None)
    secs = time.perf_counter() - t0
    o = gdal.Open(out)
    md = {k: o.GetMetadataItem(k) for k in ("DEEPPANSHARPEN_INFN_ADAPTATION", "DEEPPANSHARPEN_INFN_SRF_ESTIMATE",
                                            "DEEPPANSHARPEN_INFN_BASE", "DEEPPANSHARPEN_DEEP_GUARD",
                                            "DEEPPANSHARPEN_PRODUCED_BY")}
    return o.ReadAsArray().astype(np.float64), md, secs


def part_real(weights: str, adapt_seconds: float) -> dict:
    """Every real pair: every classical HS-MS method, INFN adapted with the guard off (the network itself) and
    INFN as a user runs it (ADAPT, guard on: what the output holds and who made it)."""
    import torch
    from bench_hsms_classical import METHODS as CLASSICAL, _fuse_and_score
    res = {"adapt_seconds": adapt_seconds, "weights": weights_tag(weights), "torch_threads": torch.get_num_threads(),
           "pairs": {}}
    os.makedirs(WORK, exist_ok=True)
    for key, label, msi, hsi, ref, good, ratio, peak, centroids in real_pairs():
        rows = {m: _fuse_and_score(msi, hsi, m, ref, good, ratio, peak, key) for m in CLASSICAL}
        for tag, guard in (("infn", False), ("infn_guarded", True)):
            fused, md, secs = _run_infn(msi, hsi, os.path.join(WORK, f"{key}_{tag}.tif"), weights, adapt_seconds,
                                        guard)
            bad_ok = bool(np.all(np.isnan(fused[~good]))) if (~good).any() else True
            row = _scores(fused[good], ref, ratio, peak) | {"seconds": secs, "bad_bands_nodata": bad_ok}
            ad = json.loads(md["DEEPPANSHARPEN_INFN_ADAPTATION"] or "{}")
            row["adaptation"] = {k: ad.get(k) for k in ("steps", "seconds", "error_interpolated", "error_before",
                                                        "error_after", "notes", "kept")}
            row["base"] = json.loads(md["DEEPPANSHARPEN_INFN_BASE"] or "{}").get("base")
            row["srf_centroids_nm"] = json.loads(md["DEEPPANSHARPEN_INFN_SRF_ESTIMATE"] or "{}").get(
                "msi_band_centroid_nm")
            row["produced_by"] = md["DEEPPANSHARPEN_PRODUCED_BY"]
            if guard:
                g = json.loads(md["DEEPPANSHARPEN_DEEP_GUARD"] or "{}")
                row["guard"] = {k: g.get(k) for k in ("result", "best_classical", "network", "independent")}
            rows[tag] = row
        for m, v in rows.items():
            print(f"  {key} {m}: ERGAS {v['ERGAS']:.4f} SAM {v['SAM']:.4f} PSNR {v['PSNR']:.2f}", flush=True)
        res["pairs"][key] = {"label": label, "ratio": ratio, "peak": peak, "methods": rows,
                             "true_centroids_nm": centroids}
    return res


# ------------------------------------------------------------------------------------------------
# Throughput
# ------------------------------------------------------------------------------------------------

def build_throughput_pair(size: int = 2048, ratio: int = 4, dtype: str = "uint16") -> tuple[str, str]:
    """(MSI, LR-HSI) GeoTIFFs of ``size`` HR pixels from the CAVE validation scenes: uint16 (reflectance x 65535)
    or float32 (reflectance 0-1, no nodata, as a user's float product)."""
    from core.training import cave
    os.makedirs(WORK, exist_ok=True)
    tag = "" if dtype == "uint16" else f"_{dtype}"
    hsi_path = os.path.join(WORK, f"tp_{size}{tag}_lrhsi.tif")
    msi_path = os.path.join(WORK, f"tp_{size}{tag}_msi.tif")
    if os.path.exists(hsi_path) and os.path.exists(msi_path):
        return msi_path, hsi_path
    cubes = [cave.load_scene(cave.DEFAULT_ROOT, n) for n in cave.VALIDATION_SCENES]
    reps = size // 512
    rows = []
    k = 0
    for i in range(reps):
        row = []
        for j in range(reps):
            c = cubes[k % len(cubes)]
            row.append(c[:, ::-1] if (i + j) % 2 else c)
            k += 1
        rows.append(np.concatenate(row, axis=2))
    cube = np.concatenate(rows, axis=1)
    msi = cave.simulate_msi(cube, cave.read_response())
    lr = cave.simulate_lr(cube, ratio)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32633)
    wkt = srs.ExportToWkt()

    def write(path, arr, px):
        ds = gdal.GetDriverByName("GTiff").Create(path, arr.shape[2], arr.shape[1], arr.shape[0],
                                                  gdal.GDT_UInt16 if dtype == "uint16" else gdal.GDT_Float32,
                                                  options=["TILED=YES", "COMPRESS=DEFLATE"])
        shift = (ratio // 2 - (ratio - 1) / 2.0) * 10.0 if px > 10 else 0.0
        ds.SetGeoTransform((500000.0 + shift, px, 0, 5000000.0 - shift, 0, -px))
        ds.SetProjection(wkt)
        for b in range(arr.shape[0]):
            if dtype == "uint16":
                ds.GetRasterBand(b + 1).WriteArray(np.clip(np.rint(arr[b] * 65535), 0, 65535).astype(np.uint16))
            else:
                ds.GetRasterBand(b + 1).WriteArray(arr[b].astype(np.float32))
            if arr.shape[0] == 31:
                ds.GetRasterBand(b + 1).SetMetadataItem("wavelength", str(400 + 10 * b))
        ds = None
    write(hsi_path, lr, 10.0 * ratio)
    write(msi_path, msi, 10.0)
    return msi_path, hsi_path


ENMAP_LIKE_SIZE = 1026          # HR pixels per side of the EnMAP-like throughput scene (ratio 3: 342 LR pixels)
COMPRESSIONS = ("deflate", "zstd", "none")


def build_enmap_like_pair(size: int = ENMAP_LIKE_SIZE) -> tuple[str, str]:
    """(MSI, LR-HSI) of an EnMAP-like scene: the 218-band EnMAP mosaic A and its simulated Sentinel-2 (10 bands,
    part enmap's pair, 30 m) mirrored out to ``size`` x ``size`` HR pixels; LR-HSI at ratio 3 with its
    water-vapour bands nodata, as EnMAP delivers them.  For timing: the content repeats."""
    msi_path = os.path.join(WORK, f"tp_enmap_{size}_msi.tif")
    hsi_path = os.path.join(WORK, f"tp_enmap_{size}_lrhsi.tif")
    if os.path.exists(msi_path) and os.path.exists(hsi_path):
        return msi_path, hsi_path
    name, vrt = _enmap_mosaics()[0]
    pair = build_enmap_pair(name, vrt)
    r = ENMAP_RATIO
    src_msi, src_lr = gdal.Open(pair["msi"]), gdal.Open(pair["hsi"])
    lr_size = size // r

    def mirror(a, n):
        # symmetric (edge-mirrored) repeats: HR and LR mirror about the same ground edges, so they stay paired
        reps = [(0, 0)] + [(0, max(0, n - s)) for s in a.shape[1:]]
        while any(p[1] for p in reps):
            a = np.pad(a, [(0, min(p[1], s)) for p, s in zip(reps, a.shape)], mode="symmetric")
            reps = [(0, 0)] + [(0, max(0, n - s)) for s in a.shape[1:]]
        return a[:, :n, :n]

    msi = mirror(src_msi.ReadAsArray().astype(np.float32), size)
    lr = mirror(src_lr.ReadAsArray().astype(np.float32), lr_size)
    gt_hr, gt_lr = src_msi.GetGeoTransform(), src_lr.GetGeoTransform()
    md = [src_lr.GetRasterBand(i + 1).GetMetadata() for i in range(lr.shape[0])]
    names = [src_lr.GetRasterBand(i + 1).GetDescription() for i in range(lr.shape[0])]
    _write(hsi_path, lr, gt_lr, src_lr.GetProjection(), -32768, md, names)
    _write(msi_path, msi, gt_hr, src_msi.GetProjection(),
           names=[src_msi.GetRasterBand(i + 1).GetDescription() for i in range(msi.shape[0])])
    return msi_path, hsi_path


def time_one_run(spec: dict) -> dict:
    """One run_fusion in this (fresh) process, as the plugin runs it (its modules already imported): seconds as
    the engine reports them, the process's peak RSS (imports included) and the RSS after the imports."""
    import resource

    from core.methods import get_method
    get_method("infn")                                  # torch and the method module, as in a QGIS session
    base = rss_gb()
    req = FusionRequest("hsms", spec["msi"], spec["hsi"], spec["out"], method="infn", compression=spec["compression"],
                        tile_size=spec["tile_size"], method_options=spec["options"], device="cpu")
    ru = resource.getrusage(resource.RUSAGE_SELF)
    res = run_fusion(req)
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    ds = gdal.Open(spec["out"])
    md = ds.GetMetadata()
    return {"seconds": res.seconds, "hr_megapixels": res.width * res.height / 1e6, "bands": res.bands,
            "cpu_seconds": ru1.ru_utime + ru1.ru_stime - ru.ru_utime - ru.ru_stime,
            "peak_rss_gb": peak_rss_gb(), "import_rss_gb": base,
            "bytes": os.path.getsize(spec["out"]), "produced_by": md.get("DEEPPANSHARPEN_PRODUCED_BY", "infn"),
            "output_dtype": gdal.GetDataTypeName(ds.GetRasterBand(1).DataType)}


def _child(spec: dict) -> dict:
    """time_one_run in a child process: each row's peak RSS is that run's own."""
    import subprocess
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"throughput child failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _best(spec: dict, repeat: int) -> dict:
    runs = [_child(spec) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["seconds"])
    return dict(best, runs=[r["seconds"] for r in runs], peak_rss_gb=max(r["peak_rss_gb"] for r in runs),
                mp_per_s=best["hr_megapixels"] / best["seconds"])


def network_only(weights: str, threads=None) -> dict:
    """The network alone, in memory, 1024 x 1024 HR pixels, one call with the free cores as torch threads (two
    threads on a busy core would time OpenMP's waiting, not the network)."""
    import torch

    from core.methods.deep_base import cpu_threads
    from core.models import weights as W
    from core.models.infn import INFN, InfnConfig
    tensors, man = W.load_weights(weights, engine="infn")
    net = INFN(InfnConfig.from_dict(man["config"]))
    net.load_state_dict({k: v.float() for k, v in tensors.items()})
    net.eval()
    g = torch.Generator().manual_seed(0)
    lr = torch.rand(1, 31, 256, 256, generator=g)
    hr = torch.rand(1, 3, 1024, 1024, generator=g)
    up = torch.nn.functional.interpolate(lr, scale_factor=4, mode="bilinear")
    saved = torch.get_num_threads()
    torch.set_num_threads(cpu_threads(threads))
    try:
        with torch.inference_mode():
            net(lr[..., :64, :64], hr[..., :256, :256], up[..., :256, :256], 4)
            t0 = time.perf_counter()
            net(lr, hr, up, 4)
            return {"network_only_mp_per_s": 1.048576 / (time.perf_counter() - t0),
                    "network_only_threads": torch.get_num_threads()}
    finally:
        torch.set_num_threads(saved)


def part_throughput(weights: str, repeat: int, profile: bool, tile_size: int, threads=None) -> dict:
    opts = {"weights": weights, "guard": False}        # the network's own pixels (the guard may pick a classical one)
    if threads:
        opts["threads"] = threads
    rows = []
    for dtype in ("uint16", "float32"):
        msi, hsi = build_throughput_pair(dtype=dtype)
        for comp in COMPRESSIONS:
            spec = {"msi": msi, "hsi": hsi, "out": os.path.join(WORK, "tp_out.tif"), "compression": comp,
                    "tile_size": tile_size, "options": opts}
            row = _best(spec, repeat)
            rows.append(dict(row, input=f"31 x {dtype}", ratio=4, compression=comp, guard=False))
            print(f"  throughput {dtype} {comp}: {row['mp_per_s']:.2f} MP/s, peak {row['peak_rss_gb']:.2f} GB",
                  flush=True)
        # The default options: the guard scores the classical methods and the network on the scene first
        spec = {"msi": msi, "hsi": hsi, "out": os.path.join(WORK, "tp_out.tif"), "compression": "deflate",
                "tile_size": tile_size, "options": {"weights": weights, **({"threads": threads} if threads else {})}}
        row = _best(spec, 1)
        rows.append(dict(row, input=f"31 x {dtype}", ratio=4, compression="deflate", guard=True))
        print(f"  throughput {dtype} guard on: {row['mp_per_s']:.2f} MP/s ({row['produced_by']})", flush=True)
    # EnMAP-like: 218 bands, ratio 3.  No bundled model has this band layout, so a run starts with a scene
    # adaptation (ADAPT, 120 s budget by default); the row times a model adapted once to the scene and saved
    # (ADAPTED_WEIGHTS), then given as WEIGHTS: the per-megapixel cost of the fusion itself.
    msi, hsi = build_enmap_like_pair()
    adapted = os.path.join(WORK, "tp_enmap_adapted.safetensors")
    if not os.path.exists(adapted):
        run_fusion(FusionRequest("hsms", msi, hsi, os.path.join(WORK, "tp_enmap_adapt.tif"), method="infn",
                                 output_dtype="float32", device="cpu",
                                 method_options={"weights": weights, "adapt": True, "adapt_steps": 30,
                                                 "adapted_weights": adapted, "guard": False}))
    enmap = {"weights": "adapted once to the scene (ADAPT_STEPS 30), saved and given as WEIGHTS"}
    for tile, comp in ((tile_size, "deflate"), (512, "deflate"), (512, "zstd")):
        spec = {"msi": msi, "hsi": hsi, "out": os.path.join(WORK, "tp_out.tif"), "compression": comp,
                "tile_size": tile, "options": {"weights": adapted, "guard": False,
                                               **({"threads": threads} if threads else {})}}
        row = _best(spec, 1)
        rows.append(dict(row, input="224 x float32 (EnMAP-like, 218 good)", ratio=3, compression=comp, guard=False,
                         tile_size=tile))
        print(f"  throughput EnMAP-like {comp}: {row['mp_per_s']:.3f} MP/s, peak {row['peak_rss_gb']:.2f} GB",
              flush=True)
    result = {"rows": rows, "tile_size": tile_size, "enmap_like": enmap, "cpus": os.cpu_count(),
              "threads": threads or "free cores (cpu_threads)", "repeat": repeat}
    result.update(network_only(weights, threads))
    if profile:
        msi, hsi = build_throughput_pair()
        req = FusionRequest("hsms", msi, hsi, os.path.join(WORK, "tp_out.tif"), method="infn", tile_size=tile_size,
                            method_options=opts, device="cpu")
        prof = cProfile.Profile()
        prof.enable()
        run_fusion(req)
        prof.disable()
        s = io.StringIO()
        pstats.Stats(prof, stream=s).sort_stats("tottime").print_stats(25)
        with open(os.path.join(RESULTS, "profile_infn.txt"), "w") as f:
            f.write(f"cProfile of one run_fusion (INFN, 31 x uint16, tile {tile_size}), sorted by own time\n")
            f.write(s.getvalue())
    return result


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def _label(m: str) -> str:
    from core.methods import method_label
    return {"bicubic": "Bicubic (MATLAB imresize)", "infn": "INFN (network)",
            "infn_guarded": "INFN (as run: guard on)"}.get(m) or method_label(m)


def _f(v, nd=2):
    return "-" if v is None else f"{v:.{nd}f}"


def render(res: dict, name: str = "infn") -> str:
    L = ["# INFN benchmark", "",
         "Generated by `make bench-infn` (`bench/bench_infn.py`" + ("" if name == "infn" else f" --results {name}")
         + f"); raw numbers in `{name}_results.json`. See the script's docstring for the exact protocol.", ""]
    env = res.get("environment", {})
    if env:
        L += [f"Machine: {env.get('cpu')}, {env.get('cpus')} CPU cores, torch {env.get('torch')}, "
              f"{env.get('date')}.", ""]
    cave = res.get("cave")
    if cave:
        L += ["## CAVE validation scenes (x4, x8)", "",
              f"Scenes: {', '.join(cave['scenes'])} (held out from training; the published anchors are the "
              f"mean over the literature's 11 test scenes, which are not in our data, so compare trends, not "
              f"decimals). Weights: `{cave['weights']}`. PSNR in dB (peak 1, band mean), SAM in degrees, ERGAS "
              "with the ratio, SSIM x255 convention.", "",
              "| ratio | method | PSNR | SAM | ERGAS | SSIM | published (PSNR / SAM / ERGAS / SSIM) |",
              "|---|---|---|---|---|---|---|"]
        for r, rows in cave["ratios"].items():
            for m, v in rows.items():
                anchor = ANCHORS.get(int(r), {}).get({"bicubic": "Bicubic", "mtf_glp_hs": "MTF-GLP-HS"}.get(m, ""))
                a = " / ".join(_f(x, 3 if i == 3 else 2) for i, x in enumerate(anchor)) if anchor else ""
                L.append(f"| x{r} | {_label(m)} | {v['PSNR']:.2f} | {v['SAM']:.2f} | {v['ERGAS']:.2f} | "
                         f"{v['SSIM']:.4f} | {a} |")
            if int(r) == 4:
                L.append("| x4 | BDT (published) | | | | | 52.30 / 1.93 / 1.02 / 0.997 |")
        if cave.get("bases"):
            per = "; ".join(f"x{r}: " + ", ".join(f"{k} {v}" for k, v in b.items()) for r, b in cave["bases"].items())
            L += ["", f"INFN's base per scene (the trained base its network refines best on the scene's check): {per}."]
        L.append("")
    real = res.get("real")
    if real:
        L += ["## Real sensor pairs, reduced resolution (Wald)", "",
              f"Every classical HS-MS method, INFN adapted to the pair with the guard off (`INFN (network)`: what the "
              f"network itself makes) and INFN as a user runs it (`ADAPT`, guard on). Adaptation budget "
              f"{real['adapt_seconds']:.0f} s on the CPU with {real.get('torch_threads', '?')} torch thread(s), from "
              f"`{real['weights']}`. EnMAP: PSNR peak 10000, bad bands (130-135) excluded from the scores; Jasper "
              "Ridge: PSNR peak 5000. *Gap* = ERGAS / best classical ERGAS - 1.", "",
              "| pair | method | ERGAS | SAM | PSNR | SSIM | gap | seconds |", "|---|---|---|---|---|---|---|---|"]
        wins, beyond_base = [], []
        for p in real["pairs"].values():
            ms = p["methods"]
            classical = {m: v for m, v in ms.items() if not m.startswith("infn")}
            best = min(classical, key=lambda m: classical[m]["ERGAS"])
            for m, v in ms.items():
                mark = " **(best classical)**" if m == best else ""
                L.append(f"| {p['label']} | {_label(m)}{mark} | {v['ERGAS']:.4f} | {v['SAM']:.4f} | {v['PSNR']:.2f} | "
                         f"{v['SSIM']:.4f} | {v['ERGAS'] / classical[best]['ERGAS'] - 1:+.1%} | {v['seconds']:.0f} |")
            net = ms["infn"]
            wins.append(all(net["SAM"] < c["SAM"] and net["ERGAS"] < c["ERGAS"] for c in classical.values()))
            # the same count without the network's own base (what the network adds, apart)
            others = [c for m, c in classical.items() if m != net.get("base")]
            beyond_base.append(all(net["SAM"] < c["SAM"] and net["ERGAS"] < c["ERGAS"] for c in others))
        bases = sorted({str(p["methods"]["infn"].get("base")) for p in real["pairs"].values()})
        L += ["", f"INFN (network) has a lower ERGAS and SAM than every classical method on {sum(wins)} of "
                  f"{len(wins)} pairs; than every classical method but its own base ({', '.join(bases)}) on "
                  f"{sum(beyond_base)} of {len(beyond_base)}.", ""]
        for p in real["pairs"].values():
            for tag in ("infn", "infn_guarded"):
                v = p["methods"][tag]
                ad = v.get("adaptation") or {}
                g = v.get("guard") or {}
                L.append(f"* {p['label']}, {_label(tag)}: base {v.get('base')}; {ad.get('steps')} adaptation steps in "
                         f"{ad.get('seconds')} s, reduced-resolution RMSE (scaled units) interpolation "
                         f"{_f((ad.get('error_interpolated') or {}).get('rmse'), 4)}, start "
                         f"{_f((ad.get('error_before') or {}).get('rmse'), 4)}, adapted "
                         f"{_f((ad.get('error_after') or {}).get('rmse'), 4)}; pixels made by {v.get('produced_by')}"
                         + (f"; guard: {g.get('result')} (network check ERGAS {(g.get('network') or {}).get('ergas')}, "
                            f"best classical {g.get('best_classical')}, independent check {g.get('independent')})"
                            if g else "") + ".")
        L.append("")
    tp = res.get("throughput")
    if tp and tp.get("rows"):
        L += ["## CPU throughput and memory, end to end through the engine", "",
              f"Each row is a fresh process running run_fusion (its modules imported first, as in a QGIS session): "
              f"read, interpolate, network, write the GeoTIFF (output type = input type); seconds as the engine "
              f"reports them, best of the runs; peak RSS = that process's own peak, the "
              f"{_f(min(r['import_rss_gb'] for r in tp['rows']))} GB "
              f"of importing torch and the plugin included. Tile {tp['tile_size']}, threads: {tp['threads']}, "
              f"on {tp['cpus']} cores. Targets (issue 22): >= 0.5 HR MP/s for 31 bands at x4, peak RSS <= 2 GB. "
              "`guard` off: the network's own pixels are timed; on (the default): the guard first scores the "
              "classical methods and the network on the scene, and `pixels by` says which one it returned.", "",
              "| input (bands x type) | ratio | HR MP | tile | guard | output compression | runs (s) | MP/s | "
              "CPU s (best run) | peak RSS (GB) | file (MB) | pixels by |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in tp["rows"]:
            comp = r["compression"].upper() + (" (default)" if r["compression"] == "deflate" else "")
            L.append(f"| {r['input']} | {r['ratio']} | {r['hr_megapixels']:.1f} | "
                     f"{r.get('tile_size', tp['tile_size'])} | {'on' if r['guard'] else 'off'} | "
                     f"{comp} | {', '.join(f'{x:.1f}' for x in r['runs'])} | **{r['mp_per_s']:.2f}** | "
                     f"{r.get('cpu_seconds', 0):.1f} | {r['peak_rss_gb']:.2f} | {r['bytes'] / 1e6:.0f} | "
                     f"{r['produced_by']} |")
        L += ["", f"The network alone (in memory, 1024 x 1024 HR, {tp.get('network_only_threads')} torch threads): "
              f"{tp['network_only_mp_per_s']:.2f} MP/s.", "",
              f"EnMAP-like rows: 224 bands, 218 good (EnMAP mosaic A with its simulated Sentinel-2, 10 bands, "
              f"mirrored out to {ENMAP_LIKE_SIZE} x {ENMAP_LIKE_SIZE} HR pixels), ratio 3; no bundled model has this "
              "band layout, so a "
              f"default run first adapts one to the scene (ADAPT, 120 s budget by default, on top of the time "
              f"here); these rows time the model {tp['enmap_like']['weights']}: the fusion itself.", ""]
        if tp.get("note"):
            L += [tp["note"], ""]
    return "\n".join(L) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--weights", default=default_weights())
    ap.add_argument("--parts", nargs="+", default=["cave", "real", "throughput"],
                    choices=["cave", "real", "throughput"])
    ap.add_argument("--adapt-seconds", type=float, default=120.0)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tile-size", type=int, default=1024)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--threads", type=int, default=None,
                    help="CPU threads of the INFN tiles (option THREADS; default: the free cores)")
    ap.add_argument("--note", default="", help="free text added to the throughput section (e.g. machine load)")
    ap.add_argument("--results", default="infn",
                    help="results name: bench/results/<name>_results.json and <name>_quality.md (another model's "
                         "figures without touching the bundled model's)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)      # one timed run (part throughput)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(time_one_run(json.loads(args.child))))
        return 0
    if not os.path.isfile(args.weights):
        raise SystemExit(f"INFN weights not found: {args.weights} (give --weights)")
    os.makedirs(RESULTS, exist_ok=True)
    json_out = os.path.join(RESULTS, f"{args.results}_results.json")
    md_out = os.path.join(RESULTS, f"{args.results}_quality.md")
    res = json.load(open(json_out)) if os.path.exists(json_out) else {}
    import torch
    res["environment"] = {"cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
                          "torch": torch.__version__,
                          "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    for part in args.parts:
        print(f">> {part}", flush=True)
        if part == "cave":
            res["cave"] = part_cave(args.weights)
        elif part == "real":
            res["real"] = part_real(args.weights, args.adapt_seconds)
            res.pop("enmap", None)                       # the EnMAP-only part this replaced
        else:
            res["throughput"] = part_throughput(args.weights, args.repeat, args.profile, args.tile_size, args.threads)
            if args.note:
                res["throughput"]["note"] = args.note
        with open(json_out, "w") as f:
            json.dump(res, f, indent=1, default=float)
        with open(md_out, "w") as f:
            f.write(render(res, args.results))
    print(open(md_out).read())
    return 0


if __name__ == "__main__":
    sys.exit(main())
