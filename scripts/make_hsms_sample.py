"""Build the bundled HS-MS demo pair from AVIRIS Jasper Ridge (public domain, ../shared/data/jasper_ridge).

  LR-HSI: the 100x100x198 cube blurred with the sensor-like Gaussian MTF (gain 0.3 at Nyquist) and
          decimated by 4 (25x25, 120 m on a local grid), reflectance x 5000 as uint16; its grid is
          shifted by half an HR pixel so that LR pixel k is centred on the HR pixel 4k+2 it was taken at.
  HR-MSI: Sentinel-2A bands B02-B08, B8A, B11, B12 simulated from the full-resolution cube with the
          Sentinel-2A spectral responses (../shared/data/srf/pyrsr), 30 m on the same local grid.
Band wavelengths: AVIRIS channel i (1-based, of 224) ~ 380 + (i - 1) * (2500 - 380) / 223 nm.

Usage: .venv/bin/python scripts/make_hsms_sample.py [--shared ../shared] [--out resources/sample]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np
import scipy.io
from osgeo import gdal, osr

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from core.filters import decimate, mtf_filter  # noqa: E402
from core.shared_data import SHARED  # noqa: E402
from core.srf import read_pyrsr_sensor, simulate_msi  # noqa: E402

RATIO = 4
HR_PIXEL = 30.0
ORIGIN = (500000.0, 4150000.0)     # local grid in UTM 10N (Jasper Ridge lies in zone 10)
S2_BANDS = ["2", "3", "4", "5", "6", "7", "8", "8A", "11", "12"]


def write(path, arr, pixel, band_names, band_md, shift=0.0):
    ds = gdal.GetDriverByName("GTiff").Create(path, arr.shape[2], arr.shape[1], arr.shape[0], gdal.GDT_UInt16,
                                              options=["COMPRESS=DEFLATE", "PREDICTOR=2", "INTERLEAVE=BAND"])
    ds.SetGeoTransform((ORIGIN[0] + shift, pixel, 0, ORIGIN[1] - shift, 0, -pixel))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32610)
    ds.SetProjection(srs.ExportToWkt())
    for i in range(arr.shape[0]):
        band = ds.GetRasterBand(i + 1)
        band.WriteArray(np.clip(np.rint(arr[i]), 0, 65535).astype(np.uint16))
        band.SetDescription(band_names[i])
        band.SetMetadata(band_md[i])
    ds.SetMetadata({"SOURCE": "AVIRIS Jasper Ridge (NASA/JPL, public domain), built by scripts/make_hsms_sample.py",
                    "REFLECTANCE_SCALE": "5000"})
    ds = None


def read_jasper_ridge(data_dir: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(cube (198, 100, 100) float64, AVIRIS channel numbers, band wavelengths in nm) of
    ``data_dir``/jasper_ridge/jasperRidge2_R198.mat; the wavelengths from the channels, linearly (module
    docstring)."""
    mat = scipy.io.loadmat(os.path.join(data_dir, "jasper_ridge", "jasperRidge2_R198.mat"))
    cube = mat["Y"].T.reshape(100, 100, 198, order="F").transpose(2, 0, 1).astype(np.float64)
    channels = mat["SlectBands"].ravel().astype(float)
    return cube, channels, 380.0 + (channels - 1.0) * (2500.0 - 380.0) / 223.0


def main() -> None:
    ap = argparse.ArgumentParser()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--shared", default=SHARED)
    ap.add_argument("--out", default=os.path.join(root, "resources", "sample"))
    args = ap.parse_args()
    cube, channels, wavelengths = read_jasper_ridge(os.path.join(args.shared, "data"))
    fwhm = np.full_like(wavelengths, 10.0)

    lr = decimate(mtf_filter(cube, 0.3, RATIO), RATIO)
    srfs = read_pyrsr_sensor(os.path.join(args.shared, "data", "srf", "pyrsr", "Sentinel-2A", "MSI"), S2_BANDS)
    msi, names = simulate_msi(cube, wavelengths, srfs)
    os.makedirs(args.out, exist_ok=True)
    write(os.path.join(args.out, "jasper_ridge_lrhsi_120m.tif"), lr, HR_PIXEL * RATIO,
          [f"AVIRIS channel {int(c)} ({w:.1f} nm)" for c, w in zip(channels, wavelengths)],
          [{"wavelength": f"{w:.2f}", "wavelength_units": "Nanometers", "fwhm": f"{f:.1f}"}
           for w, f in zip(wavelengths, fwhm)],
          # Decimation keeps HR pixel r*k + r//2; georeference LR pixel k so that its centre is there.
          shift=(RATIO // 2 - (RATIO - 1) / 2.0) * HR_PIXEL)
    write(os.path.join(args.out, "jasper_ridge_msi_s2_30m.tif"), msi, HR_PIXEL,
          [f"Sentinel-2A B{n.zfill(2) if n.isdigit() else n} (simulated)" for n in names],
          [{"srf": f"Sentinel-2A MSI band {n}"} for n in names])
    print("wrote", args.out)


if __name__ == "__main__":
    main()
