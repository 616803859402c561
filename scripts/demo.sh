#!/usr/bin/env bash
# Pansharpen the bundled Landsat 8 sample with qgis_process and print a few quality figures.
#   make demo        (or: bash scripts/demo.sh, after `make setup`)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PAN="resources/sample/landsat8_pan_B8_15m.tif"
MS="resources/sample/landsat8_ms_B2-B5_30m.tif"
OUT="demo_output/landsat8_pansharpened.tif"
PY="$ROOT/.venv/bin/python"
[[ -x "$PY" ]] || PY=/usr/bin/python3

mkdir -p demo_output
echo ">> Pansharpening $MS with $PAN (method MTF-GLP-HPM, the default)"
scripts/qgis_process run deeppansharpen:pansharpen -- \
  "PAN=$ROOT/$PAN" "MS=$ROOT/$MS" "OUTPUT=$ROOT/$OUT"

echo
echo ">> Output: $ROOT/$OUT"
echo ">> Quality figures"
"$PY" - "$ROOT" "$PAN" "$MS" "$OUT" <<'PYEOF' || gdalinfo -stats "$OUT"
import sys

root, pan, ms, out = sys.argv[1:5]
sys.path.insert(0, root)
from osgeo import gdal
import numpy as np

ds = gdal.Open(out)
gt = ds.GetGeoTransform()
print(f"   {ds.RasterXSize} x {ds.RasterYSize} pixels, {ds.RasterCount} bands, "
      f"{gdal.GetDataTypeName(ds.GetRasterBand(1).DataType)}, pixel size {gt[1]:g} m")
ms_ds = gdal.Open(ms)
for b in range(1, ds.RasterCount + 1):
    a = ds.GetRasterBand(b).ReadAsArray().astype(float)
    m = ms_ds.GetRasterBand(b).ReadAsArray().astype(float)
    name = ds.GetRasterBand(b).GetDescription() or f"band {b}"
    print(f"   {name:>10}: min {a.min():8.0f}  max {a.max():8.0f}  mean {a.mean():9.1f}  (MS mean {m.mean():9.1f})")
try:
    from core.assess import assess_full
except Exception as exc:  # the quality module may not be there yet
    print(f"   (no-reference quality indices unavailable: {exc})")
else:
    try:
        report = assess_full(out, pan, ms)
    except Exception as exc:
        print(f"   (no-reference quality indices failed: {exc})")
    else:
        print("   No-reference quality (full resolution; QNR/HQNR: 1 = best, D: 0 = best):")
        for key, value in report.metrics.items():
            if isinstance(value, (int, float)):
                print(f"   {key:>12}: {value:.4f}")
PYEOF
