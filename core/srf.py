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


def estimate_srf(hsi: np.ndarray, msi: np.ndarray, wavelengths_nm=None, smooth: float = 1e-6,
                 max_pixels: int = 20000, seed: int = 0, between_bands=None) -> dict:
    """Estimate the spectral responses linking an HSI and an MSI of the same scene, from the data.

    ``hsi`` (B, N) and ``msi`` (M, N): the same N ground pixels at the same resolution (the MSI degraded to
    the HSI grid), valid pixels only.  For each MSI band k, non-negative least squares (scipy.optimize.nnls):

        min ||H^T s_k + o_k - m_k||^2 + lam ||D s_k||^2   with s_k >= 0

    D = second differences along the band axis (responses are smooth in wavelength; without it the fit of
    strongly correlated neighbouring bands is ill-posed), lam = ``smooth`` x trace(H H^T) / B; the offset o_k
    (either sign) absorbs a calibration offset between the sensors.  Bands are expected in wavelength order.

    Returns {"weights" (M, B), "offsets" (M,), "r2" (M,), "sum" (M,), and with wavelengths "centroid_nm"
    (M,) and "fwhm_nm" (M,) (the width of the estimated response above half its maximum)}.
    ``between_bands``: called before each MSI band's fit (a cancel check).
    """
    from scipy.optimize import nnls

    h = np.asarray(hsi, dtype=np.float64)
    m = np.asarray(msi, dtype=np.float64)
    if h.ndim != 2 or m.ndim != 2 or h.shape[1] != m.shape[1]:
        raise ValueError("estimate_srf: hsi (B, N) and msi (M, N) with the same N")
    bands, n = h.shape
    if n > max_pixels:
        pick = np.sort(np.random.default_rng(seed).choice(n, max_pixels, replace=False))
        h, m = h[:, pick], m[:, pick]
        n = max_pixels
    scale = float(np.sqrt(np.mean(h ** 2))) or 1.0
    a = h.T / scale                                            # (N, B), well scaled
    ones = np.ones((n, 1))
    design = np.hstack([a, ones, -ones])                       # offset = c+ - c-
    lam = smooth * float((a ** 2).sum()) / bands
    if bands >= 3 and lam > 0:
        d = np.zeros((bands - 2, bands + 2))
        for i in range(bands - 2):
            d[i, i:i + 3] = (1.0, -2.0, 1.0)
        design = np.vstack([design, np.sqrt(lam) * d])
    # ||design c - rhs|| = ||R c - Q^T rhs|| + a constant (design = Q R, Q orthonormal columns, any rank): the
    # same non-negative fit on a square system, far faster than NNLS over every pixel.
    q, r = np.linalg.qr(design)
    weights = np.zeros((m.shape[0], bands))
    offsets = np.zeros(m.shape[0])
    r2 = np.zeros(m.shape[0])
    for k in range(m.shape[0]):
        if between_bands is not None:
            between_bands()
        rhs = q[:n].T @ m[k]                   # the rows below n (the smoothness penalty) have a zero target
        coef, _res = nnls(r, rhs, maxiter=50 * design.shape[1])
        weights[k] = coef[:bands] / scale
        offsets[k] = coef[bands] - coef[bands + 1]
        pred = h.T @ weights[k] + offsets[k]
        var = float(np.var(m[k]))
        r2[k] = 1.0 - float(np.mean((pred - m[k]) ** 2)) / var if var > 0 else 0.0
    out = {"weights": weights, "offsets": offsets, "r2": r2, "sum": weights.sum(axis=1)}
    if wavelengths_nm is not None:
        wl = np.asarray(wavelengths_nm, dtype=np.float64)
        tot = np.maximum(weights.sum(axis=1), 1e-30)
        out["centroid_nm"] = (weights * wl[None]).sum(axis=1) / tot
        fw = []
        for k in range(weights.shape[0]):
            above = wl[weights[k] >= 0.5 * weights[k].max()] if weights[k].max() > 0 else wl[:1]
            fw.append(float(above.max() - above.min()))
        out["fwhm_nm"] = np.array(fw)
    return out
