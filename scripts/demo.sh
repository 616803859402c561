#!/usr/bin/env bash
# Pansharpen the bundled Landsat 8 and WorldView-2 samples with qgis_process and print a few quality figures.
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

echo
echo ">> Very high resolution: the bundled WorldView-2 sample (SpaceNet 6, Maxar, CC BY-SA 4.0), PAN 0.5 m + MS 2 m"
WV_PAN="resources/sample/worldview2_pan_0.5m.tif"
WV_MS="resources/sample/worldview2_ms_BGRN_2m.tif"
WV_OUT="demo_output/worldview2_pansharpened.tif"
scripts/qgis_process run deeppansharpen:pansharpen -- \
  "PAN=$ROOT/$WV_PAN" "MS=$ROOT/$WV_MS" "OUTPUT=$ROOT/$WV_OUT" > demo_output/worldview2.log
"$PY" - "$ROOT" "$WV_PAN" "$WV_MS" "$WV_OUT" <<'PYEOF'
import sys
root, pan, ms, out = sys.argv[1:5]
sys.path.insert(0, root)
from osgeo import gdal
from core.assess import assess_full
ds = gdal.Open(out)
print(f"   {out}: {ds.RasterXSize} x {ds.RasterYSize} pixels, {ds.RasterCount} bands, "
      f"pixel size {ds.GetGeoTransform()[1]:.2f} m")
m = assess_full(out, pan, ms).metrics
print("   No-reference quality: " + ", ".join(f"{k} {m[k]:.4f}" for k in ("D_lambda", "D_S", "QNR", "HQNR")))
PYEOF

echo
echo ">> Comparing every classical method and GDAL's Brovey at reduced resolution (Wald protocol)"
scripts/qgis_process run deeppansharpen:compare -- \
  "PAN=$ROOT/$PAN" "MS=$ROOT/$MS" "OUTPUT_FOLDER=$ROOT/demo_output/compare" \
  "OUTPUT_TABLE=$ROOT/demo_output/compare.csv" "OUTPUT_HTML=$ROOT/demo_output/compare.html" > demo_output/compare.log
"$PY" - "$ROOT/demo_output/compare.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"   {'method':<42} {'ERGAS':>7} {'SAM':>7} {'Q2n':>7} {'PSNR':>7}")
for r in rows:
    print(f"   {r['method']:<42} {float(r['ERGAS']):7.3f} {float(r['SAM']):7.3f} {float(r['Q2n']):7.4f} {float(r['PSNR']):7.2f}")
PYEOF
echo "   report: $ROOT/demo_output/compare.html"

echo
echo ">> HS-MS fusion of the bundled Jasper Ridge pair (AVIRIS LR-HSI 120 m + simulated Sentinel-2 30 m)"
HSI="resources/sample/jasper_ridge_lrhsi_120m.tif"
MSI="resources/sample/jasper_ridge_msi_s2_30m.tif"
scripts/qgis_process run deeppansharpen:hsmsfusion -- \
  "HSI=$ROOT/$HSI" "MSI=$ROOT/$MSI" "OUTPUT=$ROOT/demo_output/jasper_ridge_fused.tif" > demo_output/hsms.log
OUTPUTS=("MTF-GLP-HS=$ROOT/demo_output/jasper_ridge_fused.tif")

# INFN (deep) adapts itself to this 198-band sensor pair first (short budget); needs torch.
if "$PY" -c 'import torch' 2>/dev/null; then
  echo ">> INFN with scene adaptation (ADAPT, 30 s budget on the CPU)"
  scripts/qgis_process run deeppansharpen:hsmsfusion -- \
    "HSI=$ROOT/$HSI" "MSI=$ROOT/$MSI" METHOD=infn ADAPT=true ADAPT_SECONDS=30 \
    "ADAPTED_WEIGHTS=$ROOT/demo_output/jasper_ridge_infn_adapted.safetensors" \
    "OUTPUT=$ROOT/demo_output/jasper_ridge_infn.tif" > demo_output/hsms_infn.log 2>&1 \
    && OUTPUTS+=("INFN (adapted)=$ROOT/demo_output/jasper_ridge_infn.tif") \
    || echo "   INFN failed: see demo_output/hsms_infn.log"
  grep -h "INFN adaptation:" demo_output/hsms_infn.log | sed 's/^/   /' || true
else
  echo ">> INFN skipped (torch is not installed)"
fi
"$PY" - "$ROOT" "${OUTPUTS[@]}" <<'PYEOF'
import os, sys
import numpy as np
import scipy.io
from osgeo import gdal
root = sys.argv[1]
sys.path.insert(0, root)
from core import metrics
truth = os.path.join(root, "..", "shared", "data", "jasper_ridge", "jasperRidge2_R198.mat")
cube = None
if os.path.exists(truth):
    cube = scipy.io.loadmat(truth)["Y"].T.reshape(100, 100, 198, order="F").transpose(2, 0, 1)[:, 1:, 1:]
    cube = cube.astype(np.float64)
    print(f"   {'method':<16} {'PSNR':>7} {'SAM':>6} {'ERGAS':>7}   (against the true 30 m cube)")
for item in sys.argv[2:]:
    name, out = item.split("=", 1)
    ds = gdal.Open(out)
    fused = ds.ReadAsArray().astype(np.float64)
    if cube is None:
        print(f"   {name}: {out} ({ds.RasterXSize} x {ds.RasterYSize} pixels, {ds.RasterCount} bands, "
              f"band 50 at {ds.GetRasterBand(50).GetMetadataItem('wavelength')} nm)")
        continue
    print(f"   {name:<16} {metrics.psnr(fused, cube, 5000.0):7.2f} {metrics.sam(fused, cube):6.2f} "
          f"{metrics.ergas(fused, cube, 4):7.3f}   {os.path.basename(out)}, {ds.RasterCount} bands, "
          f"band 50 at {ds.GetRasterBand(50).GetMetadataItem('wavelength')} nm")
PYEOF

