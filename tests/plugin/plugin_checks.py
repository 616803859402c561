"""Checks of a pansharpened GeoTIFF against its PAN and MS inputs (shared by the plugin tests)."""
from __future__ import annotations

import numpy as np
from osgeo import gdal, osr


def _read(path):
    ds = gdal.Open(str(path))
    assert ds is not None, f"GDAL cannot open {path}"
    return ds, ds.ReadAsArray().astype(np.float64)


def _high_pass(a: np.ndarray) -> np.ndarray:
    k = 5
    pad = np.pad(a, k // 2, mode="reflect")
    c = np.cumsum(np.cumsum(pad, 0), 1)
    c = np.pad(c, ((1, 0), (1, 0)))
    box = (c[k:, k:] - c[:-k, k:] - c[k:, :-k] + c[:-k, :-k]) / (k * k)
    return a - box


def check_pansharpened(out_path, pan_path, ms_path, bands=None, dtype="UInt16", sharpened=True):
    """Assert that ``out_path`` lies on the PAN grid, has the chosen MS bands with MS-like values and
    (when ``sharpened``) carries the PAN's spatial detail.  ``bands``: 1-based MS bands in output order."""
    out, o = _read(out_path)
    pan, p = _read(pan_path)
    ms, m = _read(ms_path)
    if m.ndim == 2:
        m = m[None]
    if o.ndim == 2:
        o = o[None]
    bands = bands or list(range(1, ms.RasterCount + 1))

    # --- grid: PAN pixel size, PAN CRS, origin on a PAN pixel corner, inside both inputs ---
    gt, pgt, mgt = out.GetGeoTransform(), pan.GetGeoTransform(), ms.GetGeoTransform()
    assert gt[1] == pgt[1] and gt[5] == pgt[5] and gt[2] == gt[4] == 0, (gt, pgt)
    ox, oy = (gt[0] - pgt[0]) / pgt[1], (gt[3] - pgt[3]) / pgt[5]
    assert abs(ox - round(ox)) < 1e-6 and abs(oy - round(oy)) < 1e-6, f"output not on the PAN grid: {ox}, {oy}"
    x0, y0 = int(round(ox)), int(round(oy))
    assert 0 <= x0 and 0 <= y0 and x0 + out.RasterXSize <= pan.RasterXSize and y0 + out.RasterYSize <= pan.RasterYSize
    assert out.RasterXSize >= pan.RasterXSize - 2 and out.RasterYSize >= pan.RasterYSize - 2, \
        (out.RasterXSize, out.RasterYSize, pan.RasterXSize, pan.RasterYSize)
    ms_x1, ms_y1 = mgt[0] + ms.RasterXSize * mgt[1], mgt[3] + ms.RasterYSize * mgt[5]
    assert gt[0] >= mgt[0] - 1e-6 and gt[3] <= mgt[3] + 1e-6
    assert gt[0] + out.RasterXSize * gt[1] <= ms_x1 + 1e-6 and gt[3] + out.RasterYSize * gt[5] >= ms_y1 - 1e-6
    s_out, s_pan = osr.SpatialReference(out.GetProjection()), osr.SpatialReference(pan.GetProjection())
    assert s_out.IsSame(s_pan), "output CRS differs from the PAN CRS"

    # --- bands, type, values in the MS range ---
    assert out.RasterCount == len(bands)
    assert gdal.GetDataTypeName(out.GetRasterBand(1).DataType) == dtype
    pan_core = p[y0:y0 + out.RasterYSize, x0:x0 + out.RasterXSize]
    for i, b in enumerate(bands):
        src = m[b - 1]
        lo, hi = src.min(), src.max()
        span = hi - lo
        q_lo, q_hi = np.percentile(o[i], [0.5, 99.5])
        assert lo - 0.1 * span <= q_lo and q_hi <= hi + 0.1 * span, \
            f"band {i + 1} (MS band {b}): 0.5-99.5 % range {q_lo:.0f}-{q_hi:.0f} outside MS range {lo:.0f}-{hi:.0f}"
        assert abs(o[i].mean() - src.mean()) <= 0.02 * src.mean(), \
            f"band {i + 1}: mean {o[i].mean():.1f} far from MS mean {src.mean():.1f}"
        assert o[i].std() > 0
        if sharpened and b <= 3:   # visible bands share the PAN's detail
            corr = np.corrcoef(_high_pass(o[i]).ravel(), _high_pass(pan_core).ravel())[0, 1]
            assert corr > 0.5, f"band {i + 1}: PAN detail not injected (high-pass correlation {corr:.2f})"
    return out
