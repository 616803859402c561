"""The "input doctor": checks a fusion's inputs before it runs and says what is wrong in plain words,
with the fix.

Checks: readable inputs and bands, sensor preset, coordinate reference systems, overlap, resolution
ratio, pixel-grid alignment (the two standard layouts and anything else), nodata, and a rough memory /
time / disk estimate.  It reads only raster headers and a decimated sample, so it is fast enough to run
whenever the dock's inputs change.  No QGIS imports: the dock renders the findings.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace

import numpy as np
from osgeo import gdal, osr

from .disk_space import disk_space_problem, format_size, output_bytes
from .errors import InputError
from .i18n import N_
from .methods.registry import find_spec
from .raster_io import RasterInfo, check_bands, describe, mask_flags, open_raster
from .scipy_check import SCIPY_INSTALL, SCIPY_REASON, scipy_problem
from .sensors import get_sensor, preset_for_bands
from .tiling import SLIVER, tiles_in_flight

LEVELS = ("ok", "info", "warning", "error")
ALIGN_TOLERANCE = 0.01          # HR pixels
RATIO_TOLERANCE = 0.01          # relative, as in core.grid
SAMPLE_PIXELS = 512             # nodata check: longest side of the decimated read of a small raster,
SAMPLE_WHOLE_PIXELS = 4096 * 4096   # up to this size; larger rasters are sampled in a grid of windows
SAMPLE_GRID, SAMPLE_WINDOW = 12, 48
ZERO_FRACTION_WARNING = 0.01

# Seconds per output megapixel and band come from the method's registry entry; these are for methods
# without a measured speed.
CLASSICAL_DEFAULT = 0.4
DEEP_CPU_DEFAULT = 1.0          # the deep engines aim at >= 0.5 PAN MP/s for 4 bands on 2 cores
DEEP_GPU_FACTOR = 0.1
DEEP_MODEL_BYTES = 1.5e9        # weights, activations and the torch runtime, a deliberately high guess
DEFAULT_HALO = 8                # FusionMethod.halo(r) = 8 r + 32


@dataclass
class Finding:
    code: str           # "input", "bands", "sensor", "crs", "overlap", "ratio", "alignment", "nodata",
                        # "resources", "disk", "dependencies", "device"
    level: str          # one of LEVELS
    message: str
    fix: str = ""


@dataclass
class DoctorRequest:
    task: str                               # "pansharpen" or "hsms"
    hr_path: str                            # PAN / HR-MSI
    lr_path: str                            # MS / LR-HSI
    hr_bands: list[int] | None = None
    lr_bands: list[int] | None = None
    sensor: str = "generic"
    method: str = ""
    method_label: str = ""                  # "" / None: from the method's registry entry
    needs_torch: bool | None = None
    seconds_per_mp_band: float | None = None
    tile_size: int = 1024
    overlap: int = 32
    output_dtype: str | None = None
    output_folder: str | None = None
    compression: str = "deflate"
    cog: bool = False
    device: str = "auto"
    missing_packages: list[str] | None = None   # None = not known yet
    cuda_available: bool | None = None
    adapt_seconds: float = 0.0


@dataclass
class DoctorReport:
    findings: list[Finding] = field(default_factory=list)
    output_size: tuple[int, int] | None = None      # (width, height) in HR pixels
    estimated_seconds: float | None = None
    estimated_bytes: float | None = None

    @property
    def has_errors(self) -> bool:
        return any(f.level == "error" for f in self.findings)

    def get(self, code: str) -> list[Finding]:
        return [f for f in self.findings if f.code == code]

    def add(self, code: str, level: str, message: str, fix: str = "") -> None:
        self.findings.append(Finding(code, level, message, fix))


def _roles(task: str) -> tuple[str, str]:
    return ("PAN", "MS") if task == "pansharpen" else ("HR-MSI", "LR-HSI")


def _usable_crs(srs: osr.SpatialReference | None) -> osr.SpatialReference | None:
    """None for a missing CRS and for GDAL's placeholder LOCAL_CS["unnamed"] (a file without one)."""
    if srs is None or (srs.IsLocal() and not srs.GetAuthorityCode(None)):
        return None
    return srs


def _crs_name(srs: osr.SpatialReference | None) -> str:
    if srs is None:
        return "no CRS"
    auth, code = srs.GetAuthorityName(None), srs.GetAuthorityCode(None)
    name = srs.GetName() or "unnamed CRS"
    return f"{auth}:{code} ({name})" if auth and code else name


def _bounds(gt, width: int, height: int) -> tuple[float, float, float, float]:
    xs = (gt[0], gt[0] + gt[1] * width)
    ys = (gt[3], gt[3] + gt[5] * height)
    return min(xs), min(ys), max(xs), max(ys)


def _a(role: str) -> str:
    """The article for a role name read letter by letter ("an MS", "an HR-MSI", "a PAN")."""
    return "an" if role[:1] in "AEFHILMNORSX" else "a"


def _units(srs: osr.SpatialReference | None) -> str:
    if srs is None or not srs.IsProjected():
        return "" if srs is None else "°"
    name = srs.GetLinearUnitsName() or ""
    return " m" if name.lower() in ("metre", "meter", "metres", "meters") else f" {name}"


def _distance_to_integer(v: float) -> float:
    return abs(v - round(v))


def _fmt_seconds(s: float) -> str:
    if s < 1:
        return N_("under a second")
    if s < 90:
        return N_("about {seconds:.0f} s", seconds=s)
    if s < 5400:
        return N_("about {minutes:.0f} min", minutes=s / 60)
    return N_("about {hours:.1f} h", hours=s / 3600)


def available_memory() -> float | None:
    """Bytes of memory available to a new process (Linux MemAvailable, else free physical pages)."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


# --- the checks ------------------------------------------------------------------------------------

def _with_method_facts(req: DoctorRequest) -> DoctorRequest:
    """The request with the label, torch need and speed of its method filled in from the registry."""
    spec = find_spec(req.method)
    return replace(
        req, method_label=req.method_label or (spec.label if spec else req.method),
        needs_torch=bool(spec and spec.needs_torch) if req.needs_torch is None else req.needs_torch,
        seconds_per_mp_band=req.seconds_per_mp_band if req.seconds_per_mp_band is not None
        else (spec.seconds_per_mp_band if spec else None))


def check_inputs(req: DoctorRequest) -> DoctorReport:
    req = _with_method_facts(req)
    report = DoctorReport()
    hr_role, lr_role = _roles(req.task)
    try:
        hr_ds = open_raster(req.hr_path, hr_role)
        lr_ds = open_raster(req.lr_path, lr_role)
        hr, lr = describe(hr_ds, req.hr_path, hr_role), describe(lr_ds, req.lr_path, lr_role)
        hr.crs, lr.crs = _usable_crs(hr.crs), _usable_crs(lr.crs)
    except InputError as exc:
        report.add("input", "error", str(exc), N_('Choose a raster file that GDAL can read for the {hr_role} and the '
                                                  '{lr_role}.', hr_role=hr_role, lr_role=lr_role))
        return report
    if os.path.abspath(req.hr_path) == os.path.abspath(req.lr_path):
        report.add("input", "error", N_('The same raster is chosen as {hr_role} and {lr_role}.',
                                        hr_role=hr_role, lr_role=lr_role),
                   N_('Choose the high-resolution {hr_role} image and the low-resolution {lr_role} image.',
                      hr_role=hr_role, lr_role=lr_role))
        return report

    if _looks_swapped(report, hr, lr, lr_ds):
        return report                     # the cause of every other finding: say it alone
    bands = _check_bands(report, req, hr, lr)
    _check_dependencies(report, req)
    for info in (hr, lr):
        gt = info.geotransform
        if gt[2] != 0 or gt[4] != 0:
            report.add("input", "error", N_('The {role} raster is rotated (its geotransform has rotation terms).',
                                            role=info.role),
                       N_('Warp it to a north-up grid first (Raster > Projections > Warp (Reproject)).'))
            return report
    geometry = _check_crs_and_geometry(report, req, hr, hr_ds, lr, lr_ds)
    if geometry is None:
        return report
    ratio, out_w, out_h = geometry
    report.output_size = (out_w, out_h)
    if bands is not None:
        _check_sensor_ratio(report, req, ratio)
        _check_nodata(report, hr_ds, hr, bands[0])
        _check_nodata(report, lr_ds, lr, bands[1])
        _estimate_resources(report, req, lr, len(bands[0]), len(bands[1]), ratio, out_w, out_h)
    return report


def _looks_swapped(report: DoctorReport, hr: RasterInfo, lr: RasterInfo, lr_ds: gdal.Dataset) -> bool:
    """High- and low-resolution inputs exchanged: the low-resolution one has the smaller pixels.  Checked
    first, as it makes the band, sensor and ratio checks fail too."""
    if any(info.geotransform[2] != 0 or info.geotransform[4] != 0 for info in (hr, lr)):
        return False
    try:
        _bounds_, lr_px, lr_py = _lr_geometry_in_hr_crs(hr, lr, lr_ds)
    except (InputError, RuntimeError):
        return False
    hpx, hpy = hr.pixel_size
    if lr_px >= hpx * (1 - RATIO_TOLERANCE) or lr_py >= hpy * (1 - RATIO_TOLERANCE):
        return False
    units = _units(hr.crs)
    if hr.count > lr.count:
        message = N_("The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the "
                     "{lr} pixels ({lr_px:g}{units}) and the {hr} has {hr_count} bands, the {lr} {lr_count}.",
                     hr=hr.role, lr=lr.role, hpx=hpx, lr_px=lr_px, units=units, hr_count=hr.count,
                     lr_count=lr.count)
    else:
        message = N_("The {hr} and {lr} are probably swapped: the {hr} pixels ({hpx:g}{units}) are larger than the "
                     "{lr} pixels ({lr_px:g}{units}).", hr=hr.role, lr=lr.role, hpx=hpx, lr_px=lr_px, units=units)
    report.add("ratio", "error", message,
               N_("Exchange them: choose the high-resolution image as {hr} and the low-resolution one as {lr}.",
                  hr=hr.role, lr=lr.role))
    return True


def _check_bands(report: DoctorReport, req: DoctorRequest, hr: RasterInfo, lr: RasterInfo):
    try:
        hr_bands = check_bands(hr, req.hr_bands, default_all=(req.task != "pansharpen"))
        lr_bands = check_bands(lr, req.lr_bands, default_all=True)
    except InputError as exc:
        report.add("bands", "error", str(exc), N_('Choose existing bands in the band lists.'))
        return None
    if req.task == "pansharpen" and len(hr_bands) != 1:
        report.add("bands", "error", N_('Pansharpening takes exactly one PAN band.'), N_('Choose one PAN band.'))
        return None
    if req.task == "pansharpen" and hr.count > 1 and not req.hr_bands:
        report.add("bands", "info", N_('The PAN file has {count} bands; band 1 is used as the PAN.',
                                       count=hr.count),
                   N_('Choose another PAN band if band 1 is not the panchromatic one.'))
    if req.task == "pansharpen" and len(lr_bands) < 2:
        report.add("bands", "warning", N_('Only one MS band is chosen: the output will be a single sharpened band.'))
    if req.task == "hsms" and len(hr_bands) < 2:
        report.add("bands", "error", N_('The HR-MSI has a single band: it looks like a panchromatic image, and HS-MS '
                                        'fusion needs a multispectral one.'),
                   N_('For a PAN and MS pair switch the mode to Pansharpening (PAN + MS); for HS-MS fusion choose'
                      ' a multi-band HR-MSI.'))
        return None
    if req.task == "hsms" and len(lr_bands) <= len(hr_bands):
        report.add("bands", "error", N_('The LR-HSI has {value} band(s), not more than the HR-MSI ({value2}): HS-MS '
                                        'fusion sharpens a hyperspectral image with more bands than the multispectral '
                                        'one.',
                                        value=len(lr_bands), value2=len(hr_bands)),
                   N_('Choose the hyperspectral image as LR-HSI, or switch the mode to Pansharpening (PAN + MS).'))
        return None
    try:
        preset_for_bands(req.sensor, len(lr_bands))
    except InputError as exc:
        # The message already says what to do.
        report.add("sensor", "error", str(exc))
    return hr_bands, lr_bands


def _check_dependencies(report: DoctorReport, req: DoctorRequest) -> None:
    label = req.method_label or req.method
    if scipy_problem():
        report.add("dependencies", "error", N_("{reason} No fusion method can run without it.", reason=SCIPY_REASON),
                   SCIPY_INSTALL)
    if req.needs_torch:
        if req.missing_packages:
            report.add("dependencies", "error",
                       N_("{label} is a deep-learning method and needs the Python package(s) {value}, which QGIS's "
                          'Python cannot import.',
                          label=label, value=', '.join(req.missing_packages)),
                       N_("Click 'Install dependencies…' in the dock (or see the README, 'Deep-learning "
                          "dependencies'), or choose a classical method."))
        if req.device == "cuda" and req.cuda_available is False:
            report.add("device", "warning", N_('CUDA was chosen but no usable NVIDIA GPU was found; the method will '
                                               'run on the CPU (slower).'),
                       N_("Choose 'Automatic' or 'CPU', or install the CUDA build of PyTorch."))
    elif req.device == "cuda":
        report.add("device", "info", N_('{label} is a classical method: it always runs on the CPU.',
                                        label=label))


def _lr_geometry_in_hr_crs(hr: RasterInfo, lr: RasterInfo, lr_ds: gdal.Dataset):
    """(bounds, pixel size x, pixel size y) of the LR raster in the HR CRS."""
    if hr.crs is None or lr.crs is None or hr.crs.IsSame(lr.crs):
        return _bounds(lr.geotransform, lr.width, lr.height), lr.pixel_size[0], lr.pixel_size[1]
    vrt = gdal.AutoCreateWarpedVRT(lr_ds, None, hr.crs.ExportToWkt())
    if vrt is None:
        raise InputError("cannot transform")
    gt = vrt.GetGeoTransform()
    return _bounds(gt, vrt.RasterXSize, vrt.RasterYSize), abs(gt[1]), abs(gt[5])


def _centres_inside(origin: float, size: float, count: int, lo: float, hi: float) -> int:
    """How many of ``count`` pixels starting at ``origin`` have their centre strictly inside (lo, hi): the
    output is the HR grid restricted to those pixels (core.grid)."""
    first = max(0, math.floor((lo - origin) / size - 0.5 + ALIGN_TOLERANCE) + 1)
    last = min(count - 1, math.ceil((hi - origin) / size - 0.5 - ALIGN_TOLERANCE) - 1)
    return max(0, last - first + 1)


def _check_crs_and_geometry(report, req, hr, hr_ds, lr, lr_ds):
    """CRS, overlap, ratio and alignment; returns (ratio, output width, output height) or None."""
    hr_role, lr_role = hr.role, lr.role
    if (hr.crs is None) != (lr.crs is None):
        missing = hr if hr.crs is None else lr
        report.add("crs", "error", N_('The {role} raster has no coordinate reference system, the other has {value}.',
                                      role=missing.role, value=_crs_name((lr if missing is hr else hr).crs)),
                   N_('Assign the missing one (Raster > Projections > Assign Projection).'))
        return None
    same_crs = hr.crs is None or bool(hr.crs.IsSame(lr.crs))
    if hr.crs is None:
        report.add("crs", "warning", N_('Neither raster has a coordinate reference system; their pixel coordinates '
                                        'are assumed to be in the same units.'),
                   N_('Assign the right CRS to both (Raster > Projections > Assign Projection).'))
    elif same_crs:
        report.add("crs", "ok", N_('Both rasters are in {value}.',
                                   value=_crs_name(hr.crs)))
    else:
        report.add("crs", "warning",
                   N_('The {hr_role} is in {value} but the {lr_role} is in {value2}. The {lr_role} will be '
                      'reprojected onto the {hr_role} grid (cubic), which blurs it a little.',
                      hr_role=hr_role, value=_crs_name(hr.crs), lr_role=lr_role, value2=_crs_name(lr.crs)),
                   N_("For the best result reproject the {lr_role} to the {hr_role}'s CRS yourself with the "
                      "{hr_role}'s pixel grid (Raster > Projections > Warp), or get both in the same CRS.",
                      lr_role=lr_role, hr_role=hr_role))
    try:
        lr_bounds, lr_px, lr_py = _lr_geometry_in_hr_crs(hr, lr, lr_ds)
    except (InputError, RuntimeError):
        report.add("crs", "error", N_("The {lr_role} cannot be transformed into the {hr_role}'s CRS.",
                                      lr_role=lr_role, hr_role=hr_role),
                   N_('Check the coordinate reference systems of both rasters.'))
        return None

    hr_bounds = _bounds(hr.geotransform, hr.width, hr.height)
    ix0, iy0 = max(hr_bounds[0], lr_bounds[0]), max(hr_bounds[1], lr_bounds[1])
    ix1, iy1 = min(hr_bounds[2], lr_bounds[2]), min(hr_bounds[3], lr_bounds[3])
    hpx, hpy = hr.pixel_size
    if ix1 - ix0 <= 0 or iy1 - iy0 <= 0:
        gap = math.hypot(max(0.0, ix0 - ix1), max(0.0, iy0 - iy1))
        report.add("overlap", "error",
                   N_('The {hr_role} and {lr_role} do not overlap: their extents are {gap:,.0f}{value} apart.',
                      hr_role=hr_role, lr_role=lr_role, gap=gap, value=_units(hr.crs) or ' units'),
                   N_('Check that both images show the same place (the same scene, the same tile), and that their'
                      ' coordinate reference systems are right.'))
        return None
    hr_area = (hr_bounds[2] - hr_bounds[0]) * (hr_bounds[3] - hr_bounds[1])
    share = (ix1 - ix0) * (iy1 - iy0) / hr_area if hr_area > 0 else 1.0
    out_w = _centres_inside(hr_bounds[0], hpx, hr.width, ix0, ix1)
    out_h = _centres_inside(hr_bounds[1], hpy, hr.height, iy0, iy1)
    if share < 0.99:
        report.add("overlap", "info", N_('The {lr_role} covers {share:.0%} of the {hr_role}; only the overlap '
                                         '(about {out_w} x {out_h} pixels) is written.',
                                         lr_role=lr_role, share=share, hr_role=hr_role, out_w=out_w, out_h=out_h))
    else:
        report.add("overlap", "ok", N_('The {lr_role} covers the whole {hr_role}.',
                                       lr_role=lr_role, hr_role=hr_role))

    rx, ry = lr_px / hpx, lr_py / hpy
    if rx < 1 - RATIO_TOLERANCE or ry < 1 - RATIO_TOLERANCE:
        report.add("ratio", "error", N_('The {lr_role} pixels ({lr_px:g}) are smaller than the {hr_role} pixels '
                                        '({hpx:g}): the resolution ratio is {rx:.3g}.',
                                        lr_role=lr_role, lr_px=lr_px, hr_role=hr_role, hpx=hpx, rx=rx),
                   N_('The {hr_role} and {lr_role} are probably swapped: exchange them.',
                      hr_role=hr_role, lr_role=lr_role))
        return None
    if abs(rx - ry) > RATIO_TOLERANCE * max(rx, ry):
        report.add("ratio", "error", N_('The resolution ratio differs between x ({rx:.4g}) and y ({ry:.4g}).',
                                        rx=rx, ry=ry),
                   N_('Warp the inputs to square pixels first (Raster > Projections > Warp).'))
        return None
    ratio = int(round(rx))
    integer = abs(rx - ratio) <= RATIO_TOLERANCE * ratio
    if integer and ratio == 1:
        report.add("ratio", "error", N_('Both rasters have the same pixel size ({hpx:g}): there is nothing to sharpen.',
                                        hpx=hpx),
                   N_('Choose the original low-resolution {lr_role}, not one already resampled to the {hr_role} '
                      'grid.',
                      lr_role=lr_role, hr_role=hr_role))
        return None
    if not integer:
        report.add("ratio", "warning",
                   N_('The resolution ratio is {rx:.3f}, not a whole number: the {lr_role} will be resampled '
                      '(cubic) to exactly {ratio}x the {hr_role} pixel size first.',
                      rx=rx, lr_role=lr_role, ratio=ratio, hr_role=hr_role),
                   N_('If the files were resampled, use the originals; else resample the {lr_role} yourself to '
                      "{value:g} units per pixel on the {hr_role}'s grid (Raster > Projections > Warp).",
                      lr_role=lr_role, value=hpx * ratio, hr_role=hr_role))
    else:
        values = dict(ratio=ratio, hr_role=hr_role, lr_role=lr_role, hpx=hpx, lr_px=lr_px, units=_units(hr.crs))
        if ratio <= 8:
            report.add("ratio", "ok", N_("Resolution ratio {ratio} ({hr_role} pixels {hpx:g}{units}, {lr_role} pixels "
                                         "{lr_px:g}{units}).", **values))
        else:
            report.add("ratio", "warning", N_("Resolution ratio {ratio} ({hr_role} pixels {hpx:g}{units}, {lr_role} "
                                              "pixels {lr_px:g}{units}). Fusion methods are designed for ratios 2 "
                                              "to 4; expect a blurry result.", **values))
    if same_crs and integer:
        _check_alignment(report, hr, lr, ratio)
    else:
        report.add("alignment", "info", N_('The {lr_role} is resampled onto the {hr_role} grid, so the grids are '
                                           'aligned by construction.',
                                           lr_role=lr_role, hr_role=hr_role))
    return ratio, out_w, out_h


def _check_alignment(report: DoctorReport, hr: RasterInfo, lr: RasterInfo, ratio: int) -> None:
    """Corner-aligned (pixel edges coincide) and centre-aligned (Landsat: every LR pixel centre on an HR
    pixel centre, the HR grid starting half an HR pixel outside) are the two standard layouts."""
    hgt, lgt = hr.geotransform, lr.geotransform
    edge = ((lgt[0] - hgt[0]) / hgt[1], (lgt[3] - hgt[3]) / hgt[5])          # in HR pixels
    centre = tuple(e + ratio / 2.0 - 0.5 for e in edge)                       # LR centre in HR positions
    d_edge = [_distance_to_integer(e) for e in edge]
    d_centre = [_distance_to_integer(c) for c in centre]
    hr_role, lr_role = hr.role, lr.role
    if max(d_edge) <= ALIGN_TOLERANCE:
        report.add("alignment", "ok", N_('The pixel grids are corner-aligned: every {lr_role} pixel covers exactly '
                                         '{ratio} x {ratio} {hr_role} pixels.',
                                         lr_role=lr_role, ratio=ratio, hr_role=hr_role))
    elif max(d_centre) <= ALIGN_TOLERANCE:
        report.add("alignment", "ok", N_('The pixel grids are centre-aligned (the Landsat layout): every {lr_role} '
                                         'pixel centre sits on {value} {hr_role} pixel centre and the {hr_role} grid '
                                         'starts half {value} {hr_role} pixel outside. This is handled.',
                                         lr_role=lr_role, value=_a(hr_role), hr_role=hr_role))
    else:
        shift = [min(a, b) for a, b in zip(d_edge, d_centre)]
        report.add("alignment", "warning",
                   N_('The {lr_role} grid is shifted by {value:.2f} x {value2:.2f} {hr_role} pixels from both '
                      'standard layouts. The shift is taken into account, but it often means one image was '
                      'resampled or is misregistered; misregistration of half a pixel or more visibly degrades '
                      'the result.',
                      lr_role=lr_role, value=shift[0], value2=shift[1], hr_role=hr_role),
                   N_('Use the original, unresampled files; if edges look doubled in the output, co-register the '
                      '{lr_role} to the {hr_role} first.',
                      lr_role=lr_role, hr_role=hr_role))


def _check_sensor_ratio(report: DoctorReport, req: DoctorRequest, ratio: int) -> None:
    try:
        preset = get_sensor(req.sensor)
    except InputError:
        return
    if preset.name != "generic" and preset.ratio != ratio:
        report.add("sensor", "warning", N_('The {label} preset expects a resolution ratio of {ratio}, the data have '
                                           '{ratio2}.', label=preset.label, ratio=preset.ratio, ratio2=ratio),
                   N_('Check the sensor preset, or use Generic.'))


def _sample(ds: gdal.Dataset, band: int, mask: bool = False) -> np.ndarray:
    """A cheap sample of a band (or its mask): the whole band decimated when it is small, else a grid of
    small windows, so that the check stays fast on large scenes without overviews."""
    b = ds.GetRasterBand(band)
    if mask:
        b = b.GetMaskBand()
    w, h = ds.RasterXSize, ds.RasterYSize
    if w * h <= SAMPLE_WHOLE_PIXELS:
        scale = min(1.0, SAMPLE_PIXELS / max(w, h))
        return b.ReadAsArray(buf_xsize=max(1, int(w * scale)), buf_ysize=max(1, int(h * scale))).ravel()
    side = SAMPLE_WINDOW
    xs = np.linspace(0, w - side, SAMPLE_GRID).astype(int)
    ys = np.linspace(0, h - side, SAMPLE_GRID).astype(int)
    return np.concatenate([b.ReadAsArray(int(x), int(y), side, side).ravel() for y in ys for x in xs])


def _check_nodata(report: DoctorReport, ds: gdal.Dataset, info: RasterInfo, bands: list[int]) -> None:
    declared = [info.nodata[b - 1] for b in bands if info.nodata[b - 1] is not None]
    masked = any(mask_flags(ds, b, bands) != gdal.GMF_ALL_VALID for b in bands)
    zero = None
    valid = None
    for b in bands:
        is_zero = _sample(ds, b) == 0
        zero = is_zero if zero is None else zero & is_zero
        if masked:
            ok = _sample(ds, b, mask=True) > 0
            valid = ok if valid is None else valid & ok
    if masked:
        share = 1.0 - float(valid.mean())
        if share >= 0.999:
            report.add("nodata", "error", N_('The {role} holds only nodata.',
                                             role=info.role), N_('Check the nodata value of the file.'))
            return
        if declared:
            report.add("nodata", "ok", N_("The {role} declares nodata value {nodata:g}; {share:.0%} of its pixels are "
                                          "nodata and are left out of the statistics and written as nodata.",
                                          role=info.role, nodata=declared[0], share=share))
        else:
            report.add("nodata", "ok", N_("The {role} declares a mask; {share:.0%} of its pixels are nodata and are "
                                          "left out of the statistics and written as nodata.",
                                          role=info.role, share=share))
        return
    zero_share = float(zero.mean())
    if zero_share >= ZERO_FRACTION_WARNING:
        report.add("nodata", "warning",
                   N_('{zero_share:.0%} of the {role} pixels are 0 in every band, but the file declares no nodata'
                      ' value. If they are an empty border they will darken the result and bias the statistics.',
                      zero_share=zero_share, role=info.role),
                   N_("Declare 0 as nodata: Layer Properties > Transparency > 'No data value', or gdal_edit "
                      '-a_nodata 0 {value}.',
                      value=os.path.basename(info.path)))


def _estimate_resources(report, req, lr: RasterInfo, hr_bands: int, lr_bands: int, ratio: int,
                        out_w: int, out_h: int) -> None:
    out_dtype = req.output_dtype or lr.dtype
    tile = max(64, int(req.tile_size))
    halo = DEFAULT_HALO * ratio + 32
    big = tile + tile // SLIVER                           # the last tile row / column may be this large
    tile_px = (min(big, out_h) + 2 * halo) * (min(big, out_w) + 2 * halo)
    planes = hr_bands + 2 * lr_bands                      # hr, lr_up and the fused tile
    stride = max(1, tile - max(0, req.overlap))
    n_tiles = math.ceil(out_h / stride) * math.ceil(out_w / stride)
    in_flight = min(tiles_in_flight(2, tile_px * planes * 4), n_tiles) + 1   # + the one being blended
    tiles_bytes = tile_px * planes * 4 * in_flight
    strip_bytes = max(0, req.overlap) * out_w * lr_bands * 4 * 2
    sample_px = out_w * out_h if out_w * out_h <= 2048 * 2048 else 16 * (512 + 2 * halo) ** 2
    sample_bytes = sample_px * planes * 4
    memory = tiles_bytes + strip_bytes + sample_bytes + (DEEP_MODEL_BYTES if req.needs_torch else 0)

    mp = out_w * out_h / 1e6
    per = req.seconds_per_mp_band
    if per is None:
        per = DEEP_CPU_DEFAULT if req.needs_torch else CLASSICAL_DEFAULT
    if req.needs_torch and req.device != "cpu" and req.cuda_available:
        per *= DEEP_GPU_FACTOR
    seconds = mp * lr_bands * per + (req.adapt_seconds if req.needs_torch else 0.0)
    report.estimated_seconds, report.estimated_bytes = seconds, memory
    out_bytes = output_bytes(out_w, out_h, lr_bands, out_dtype)

    values = dict(width=out_w, height=out_h, bands=lr_bands, dtype=out_dtype, disk=format_size(out_bytes),
                  memory=format_size(memory), time=_fmt_seconds(seconds))
    text = N_("Output about {width} x {height} pixels x {bands} band(s) ({dtype}, at most {disk} on disk); memory "
              "about {memory}; time {time} (rough estimate).", **values)
    avail = available_memory()
    if avail is not None and memory > 0.8 * avail:
        report.add("resources", "warning", N_("Output about {width} x {height} pixels x {bands} band(s) ({dtype}, "
                                              "at most {disk} on disk); memory about {memory}; time {time} (rough "
                                              "estimate). Only {available} of memory is available.",
                                              available=format_size(avail), **values),
                   N_('Lower the tile size (Advanced), close other programs, or run on a machine with more '
                      'memory.'))
    else:
        report.add("resources", "info", text)
    if req.output_folder:
        found = disk_space_problem(req.output_folder, out_bytes, req.compression, req.cog)
        if found:
            report.add("disk", *found)

