"""Spectral response functions: reading pyrsr-style tables and simulating a multispectral image from
a hyperspectral cube."""
from __future__ import annotations

import os

import numpy as np


def read_pyrsr_band(path: str) -> tuple[np.ndarray, np.ndarray]:
    """(wavelength_nm, response) from a pyrsr band file: a header line, then 'wavelength response' rows."""
    data = np.loadtxt(path, skiprows=1)
    wl = data[:, 0]
    if wl.max() < 50:          # micrometres
        wl = wl * 1000.0
    return wl, data[:, 1]


def read_pyrsr_sensor(folder: str, bands: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {b: read_pyrsr_band(os.path.join(folder, f"band_{b}")) for b in bands}


def band_weights(hsi_wavelengths_nm: np.ndarray, srf: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Weights (summing to one) of each HSI band for one MSI band: the SRF sampled at the HSI band centres."""
    wl, resp = srf
    w = np.interp(hsi_wavelengths_nm, wl, resp, left=0.0, right=0.0)
    total = w.sum()
    if total <= 0:
        raise ValueError("The spectral response does not overlap the hyperspectral bands.")
    return w / total


def simulate_msi(cube: np.ndarray, hsi_wavelengths_nm: np.ndarray,
                 srfs: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, list[str]]:
    """MSI (msi_bands, h, w) = SRF-weighted sums of the HSI bands; bands outside the HSI range are skipped."""
    names, rows = [], []
    for name, srf in srfs.items():
        try:
            rows.append(band_weights(hsi_wavelengths_nm, srf))
            names.append(name)
        except ValueError:
            continue
    weights = np.stack(rows)
    return np.tensordot(weights, cube, axes=(1, 0)), names
