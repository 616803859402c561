"""Shared parts of the Deep Pansharpen Processing algorithms.

Every fusion algorithm (pansharpen now; HS-MS fusion, degrade, assess later) takes a sharp
("high-resolution", HR) raster and a coarse ("low-resolution", LR) raster, writes one GeoTIFF and
calls :func:`core.engine.run_fusion`.  This module holds what they have in common: the parameter
definitions (method, sensor, tiling, output type, COG, device), the plain-language checks of the
inputs and the output, and the mapping of engine errors to ``QgsProcessingException``.

Nothing here imports torch/timm; the engine is imported only when an algorithm runs.
"""
from __future__ import annotations

import os
import tempfile
from typing import Optional

from qgis.core import (
    QgsMapLayer,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
    QgsProperty,
    QgsRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core.methods import method_label, method_names
from ..core.tiling import TILE_SIZE_RANGE
from ..core.sensors import SENSORS

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ICON_PATH = os.path.join(PLUGIN_DIR, "resources", "icon.svg")

GEOTIFF_EXTENSIONS = (".tif", ".tiff")

# (value passed to the engine, label shown to the user); the enum index is the position in the list.
OUTPUT_TYPES: list[tuple[Optional[str], str]] = [
    (None, "Same as the low-resolution input"),
    ("uint8", "Byte (8-bit unsigned integer)"),
    ("uint16", "UInt16 (16-bit unsigned integer)"),
    ("int16", "Int16 (16-bit signed integer)"),
    ("float32", "Float32 (32-bit floating point)"),
]
DEVICES: list[tuple[str, str]] = [
    ("auto", "Automatic (GPU if available, else CPU)"),
    ("cpu", "CPU"),
    ("cuda", "CUDA GPU"),
]
COMPRESSION_CHOICES: list[tuple[str, str]] = [
    ("deflate", "DEFLATE (small files, read everywhere)"),
    ("zstd", "ZSTD (faster, slightly larger; GDAL 2.3 or newer)"),
    ("none", "None (fastest, largest files)"),
]


def tr(text: str) -> str:
    return QCoreApplication.translate("DeepPansharpen", text)


def _advanced(param: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param


def _describe_value(value) -> str:
    """A readable text for a raw parameter value (path, layer, property ...)."""
    if isinstance(value, QgsMapLayer):
        return value.name() or value.source()
    if isinstance(value, QgsProperty):
        return str(value.staticValue()) if value.propertyType() == QgsProperty.StaticProperty \
            else value.expressionString()
    return "" if value is None else str(value)


def _is_gdal_virtual(path: str) -> bool:
    """A GDAL virtual file system path or URL rather than a local file."""
    return path.startswith("/vsi") or "://" in path


def _gdal_open_error(path: str) -> Optional[str]:
    """None when GDAL opens ``path`` as a raster, else GDAL's reason."""
    from osgeo import gdal

    from ..core.raster_io import quiet_gdal
    try:
        with quiet_gdal():
            ds = gdal.OpenEx(path, gdal.OF_RASTER | gdal.OF_READONLY)
    except RuntimeError as exc:
        return str(exc).strip() or "not a raster"
    if ds is None or ds.RasterCount == 0:
        return gdal.GetLastErrorMsg().strip() or "not a raster that GDAL can read"
    return None


class FusionAlgorithmBase(QgsProcessingAlgorithm):
    """Base class: subclasses set the class attributes below and implement name/displayName/
    initAlgorithm/processAlgorithm with the helpers here."""

    TASK = "pansharpen"               # core.methods task of the METHOD list
    DEFAULT_METHOD = "mtf_glp_hpm"
    HR = "PAN"                        # parameter names of the two rasters
    LR = "MS"
    HR_LABEL = "panchromatic (PAN)"   # words used in messages
    LR_LABEL = "multispectral (MS)"

    METHOD = "METHOD"
    SENSOR = "SENSOR"
    TILE_SIZE = "TILE_SIZE"
    OVERLAP = "OVERLAP"
    OUTPUT_TYPE = "OUTPUT_TYPE"
    COG = "COG"
    COMPRESSION = "COMPRESSION"
    DEVICE = "DEVICE"
    CLUSTER = "CLUSTER"
    OUTPUT = "OUTPUT"

    # --- boilerplate -------------------------------------------------------------------------------
    def tr(self, text: str) -> str:
        return tr(text)

    def createInstance(self):  # noqa: N802 (QGIS API name)
        return type(self)()

    def group(self) -> str:
        return self.tr("Image fusion")

    def groupId(self) -> str:  # noqa: N802 (QGIS API name)
        return "fusion"

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API name)
        return ICON_PATH

    # --- choice lists (enum index <-> engine value) -----------------------------------------------
    def methods(self) -> list[str]:
        return method_names(self.TASK)

    @staticmethod
    def sensors() -> list[str]:
        return list(SENSORS)

    # --- parameter builders ------------------------------------------------------------------------
    def add_method_parameter(self) -> None:
        names = self.methods()
        default = names.index(self.DEFAULT_METHOD) if self.DEFAULT_METHOD in names else 0
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, self.tr("Method"), options=[method_label(n) for n in names],
            allowMultiple=False, defaultValue=default))

    def add_common_advanced_parameters(self) -> None:
        sensors = self.sensors()
        self.addParameter(_advanced(QgsProcessingParameterEnum(
            self.SENSOR, self.tr("Sensor preset"), options=[SENSORS[s].label for s in sensors],
            allowMultiple=False, defaultValue=sensors.index("generic") if "generic" in sensors else 0)))
        lo, hi = TILE_SIZE_RANGE
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.TILE_SIZE, self.tr("Tile size (output pixels, {0} to {1})").format(lo, hi),
            QgsProcessingParameterNumber.Integer, defaultValue=1024, minValue=lo, maxValue=hi)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.OVERLAP, self.tr("Tile overlap (pixels blended between tiles, 0 to half the tile size)"),
            QgsProcessingParameterNumber.Integer, defaultValue=32, minValue=0, maxValue=hi // 2)))
        self.addParameter(_advanced(QgsProcessingParameterEnum(
            self.OUTPUT_TYPE, self.tr("Output data type"), options=[self.tr(t[1]) for t in OUTPUT_TYPES],
            allowMultiple=False, defaultValue=0)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.COG, self.tr("Write a Cloud Optimized GeoTIFF (COG)"), defaultValue=False)))
        self.addParameter(_advanced(QgsProcessingParameterEnum(
            self.COMPRESSION, self.tr("Output compression"), options=[self.tr(c[1]) for c in COMPRESSION_CHOICES],
            allowMultiple=False, defaultValue=0)))
        self.addParameter(_advanced(QgsProcessingParameterEnum(
            self.DEVICE, self.tr("Device for deep-learning methods"), options=[self.tr(d[1]) for d in DEVICES],
            allowMultiple=False, defaultValue=0)))
        self.addParameter(_advanced(QgsProcessingParameterString(
            self.CLUSTER, self.tr("Dask cluster (empty = this process; local, local:N or tcp://host:port)"),
            defaultValue="", optional=True)))

    def add_output_parameter(self, description: str) -> None:
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT, self.tr(description)))

    # --- reading the choices -----------------------------------------------------------------------
    def common_choices(self, parameters, context) -> dict:
        """Engine keyword arguments for the shared parameters."""
        methods = self.methods()
        m = self.parameterAsEnum(parameters, self.METHOD, context)
        if not 0 <= m < len(methods):
            raise QgsProcessingException(self.tr(
                "METHOD must be a number from 0 to {0}: {1}.").format(len(methods) - 1, self.method_list_text()))
        sensors = self.sensors()
        s = self.parameterAsEnum(parameters, self.SENSOR, context)
        t = self.parameterAsEnum(parameters, self.OUTPUT_TYPE, context)
        d = self.parameterAsEnum(parameters, self.DEVICE, context)
        c = self.parameterAsEnum(parameters, self.COMPRESSION, context)
        return dict(
            method=methods[m],
            sensor=sensors[s] if 0 <= s < len(sensors) else "generic",
            tile_size=self.parameterAsInt(parameters, self.TILE_SIZE, context),
            overlap=self.parameterAsInt(parameters, self.OVERLAP, context),
            output_dtype=OUTPUT_TYPES[t][0] if 0 <= t < len(OUTPUT_TYPES) else None,
            cog=self.parameterAsBool(parameters, self.COG, context),
            compression=COMPRESSION_CHOICES[c][0] if 0 <= c < len(COMPRESSION_CHOICES) else "deflate",
            device=DEVICES[d][0] if 0 <= d < len(DEVICES) else "auto",
            cluster=(self.parameterAsString(parameters, self.CLUSTER, context) or "").strip(),
        )

    def band_list(self, parameters, name, context) -> Optional[list[int]]:
        """1-based band numbers of a (multiple) band parameter; None when none were chosen (= all)."""
        if parameters.get(name) in (None, "", []):
            return None
        bands = [int(b) for b in self.parameterAsInts(parameters, name, context) if int(b) > 0]
        return bands or None

    # --- checks in plain words ---------------------------------------------------------------------
    def raster_problem(self, parameters, name: str, label: str, context) -> Optional[str]:
        """A sentence telling what is wrong with raster input ``name``, or None when it is usable."""
        value = parameters.get(name)
        text = _describe_value(value)
        if value is None or text == "":
            return self.tr("Choose the {0} raster.").format(label)
        layer = self._raster_layer(parameters, name, context)
        if layer is None:
            path = text.split("|")[0]
            if _is_gdal_virtual(path):
                # /vsizip/, /vsicurl/, s3:// ...: QGIS does not load these from a plain string; GDAL decides.
                error = _gdal_open_error(path)
                if error is None:
                    return None
                return self.tr("GDAL cannot open the {0} input '{1}': {2}").format(label, path, error)
            if os.path.isdir(path):
                return self.tr("The {0} input '{1}' is a folder, not a raster file.").format(label, path)
            if os.path.exists(path):
                return self.tr("The {0} file '{1}' is not a raster image that GDAL can read. "
                               "Choose a raster file such as a GeoTIFF.").format(label, path)
            if os.sep in path or "/" in path or os.path.splitext(path)[1]:
                return self.tr("The {0} file was not found: {1}").format(label, path)
            return self.tr("The {0} input '{1}' is neither a raster layer of the project nor an existing "
                           "raster file.").format(label, text)
        if not layer.isValid():
            return self.tr("The {0} layer '{1}' could not be opened.").format(label, layer.name())
        if layer.providerType() != "gdal":
            return self.tr("The {0} layer '{1}' comes from the '{2}' data provider; Deep Pansharpen reads "
                           "raster files through GDAL only. Save the layer as a GeoTIFF first "
                           "(right-click > Export > Save As...) and use that file.").format(
                               label, layer.name(), layer.providerType())
        return None

    def raster_source(self, parameters, name: str, label: str, context) -> str:
        """The GDAL data source of raster input ``name``; QgsProcessingException when unusable."""
        problem = self.raster_problem(parameters, name, label, context)
        if problem:
            raise QgsProcessingException(problem)
        layer = self._raster_layer(parameters, name, context)
        return layer.source() if layer is not None else _describe_value(parameters.get(name)).split("|")[0]

    def _raster_layer(self, parameters, name: str, context):
        """parameterAsRasterLayer without GDAL's error lines on stderr (a damaged file is reported once, in
        plain words, when it is read)."""
        from ..core.raster_io import quiet_gdal
        with quiet_gdal():
            return self.parameterAsRasterLayer(parameters, name, context)

    def output_problem(self, path: str) -> Optional[str]:
        """A sentence telling why ``path`` cannot be written, or None."""
        if not path:
            return self.tr("Choose where to save the output raster.")
        ext = os.path.splitext(path)[1].lower()
        if ext and ext not in GEOTIFF_EXTENSIONS:
            return self.tr("The output is written as a GeoTIFF: give it a .tif extension instead of "
                           "'{0}' ({1}).").format(ext, path)
        if os.path.isdir(path):
            return self.tr("The output '{0}' is a folder; give a file name ending in .tif.").format(path)
        folder = os.path.dirname(os.path.abspath(path))
        existing = folder
        while not os.path.exists(existing):
            parent = os.path.dirname(existing)
            if parent == existing:
                break
            existing = parent
        if not os.path.isdir(existing):
            return self.tr("The output folder '{0}' cannot be created: '{1}' is a file, not a folder.").format(
                folder, existing)
        try:
            with tempfile.TemporaryFile(dir=existing):
                pass
        except OSError:
            return self.tr("The output folder '{0}' is not writable: choose another folder.").format(existing)
        return None

    def output_file(self, parameters, context) -> str:
        """The output path (with a .tif extension), its folder created; QgsProcessingException if unusable."""
        path = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if path and not os.path.splitext(path)[1]:
            path += ".tif"
        problem = self.output_problem(path)
        if problem:
            raise QgsProcessingException(problem)
        folder = os.path.dirname(os.path.abspath(path))
        try:
            os.makedirs(folder, exist_ok=True)
        except OSError as exc:
            raise QgsProcessingException(self.tr("The output folder '{0}' cannot be created: {1}").format(
                folder, exc.strerror or exc)) from exc
        return path

    def _explicit_output_path(self, parameters) -> Optional[str]:
        """The output file the user typed, or None for temporary / non-file outputs."""
        value = parameters.get(self.OUTPUT)
        if isinstance(value, QgsProcessingOutputLayerDefinition):
            value = value.sink
        if isinstance(value, QgsProperty):
            if value.propertyType() != QgsProperty.StaticProperty:
                return None
            value = value.staticValue()
        if not isinstance(value, str) or not value or value == QgsProcessing.TEMPORARY_OUTPUT \
                or value.startswith(("memory:", "ogr:", "postgres:", "postgis:")):
            return None
        return value

    def number_problem(self, parameters, context) -> Optional[str]:
        """A sentence naming the allowed range of a number parameter given a value outside it (or NaN),
        which QGIS would only call an 'incorrect parameter value'."""
        for param in self.parameterDefinitions():
            if not isinstance(param, QgsProcessingParameterNumber) or parameters.get(param.name()) in (None, ""):
                continue
            raw = parameters[param.name()]
            if isinstance(raw, QgsProperty) and raw.propertyType() != QgsProperty.StaticProperty:
                continue
            try:
                value = float(raw.staticValue() if isinstance(raw, QgsProperty) else raw)
            except (TypeError, ValueError):
                return self.tr("{0} ({1}) must be a number, not '{2}'.").format(
                    param.name(), param.description(), _describe_value(raw))
            lo, hi = param.minimum(), param.maximum()
            if not (lo <= value <= hi):          # also NaN
                return self.tr("{0} ({1}) must be from {2:g} to {3:g}, not {4}.").format(
                    param.name(), param.description(), lo, hi, _describe_value(raw))
        return None

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        """Plain-language checks before the run (missing/unreadable inputs, unwritable output, numbers
        out of range)."""
        problem = self.number_problem(parameters, context)
        if problem:
            return False, problem
        for name, label in ((self.HR, self.HR_LABEL), (self.LR, self.LR_LABEL)):
            problem = self.raster_problem(parameters, name, label, context)
            if problem:
                return False, problem
        out = self._explicit_output_path(parameters)
        if out is not None:
            problem = self.output_problem(out)
            if problem:
                return False, problem
        from ..core.raster_io import quiet_gdal
        checked = dict(parameters)
        for name in (self.HR, self.LR):
            path = _describe_value(parameters.get(name)).split("|")[0]
            if _is_gdal_virtual(path) and self._raster_layer(parameters, name, context) is None:
                # GDAL opened it above; QGIS's own check would load it from the string and fail.
                checked[name] = QgsRasterLayer(path, os.path.basename(path), "gdal")
        with quiet_gdal():
            return super().checkParameterValues(checked, context)

    # --- running the engine ------------------------------------------------------------------------
    def run_engine(self, request, feedback) -> dict:
        """Run ``core.engine.run_fusion`` with Processing feedback; engine errors become
        QgsProcessingException with the engine's (analyst-facing) message."""
        from ..core.engine import run_fusion
        from ..core.errors import Cancelled, InputError, MissingDependency

        def log(message: str) -> None:
            if message.startswith("Warning: ") and hasattr(feedback, "pushWarning"):
                feedback.pushWarning(message[len("Warning: "):])
            else:
                feedback.pushInfo(message)

        try:
            result = run_fusion(request, progress=feedback.setProgress, is_cancelled=feedback.isCanceled,
                                log=log)
        except Cancelled as exc:
            raise QgsProcessingException(self.tr("Cancelled by the user.")) from exc
        except (InputError, MissingDependency) as exc:
            raise QgsProcessingException(str(exc)) from exc
        except NotImplementedError as exc:
            raise QgsProcessingException(self.tr(
                "This part of Deep Pansharpen is not implemented yet ({0}).").format(exc or "run_fusion")) from exc
        return {self.OUTPUT: getattr(result, "output_path", request.output_path)}

    # --- help --------------------------------------------------------------------------------------
    def method_list_text(self) -> str:
        return ", ".join(f"{i} = {method_label(n)}" for i, n in enumerate(self.methods()))

    def enum_help(self) -> str:
        """HTML list of the index values of the enum parameters, for qgis_process users."""
        sensors = self.sensors()
        return (
            "<p><b>Choice numbers</b> (qgis_process and Python take the number):<br>"
            f"METHOD: {self.method_list_text()}.<br>"
            "SENSOR: " + ", ".join(f"{i} = {SENSORS[s].label}" for i, s in enumerate(sensors)) + ".<br>"
            "OUTPUT_TYPE: " + ", ".join(f"{i} = {t[1]}" for i, t in enumerate(OUTPUT_TYPES)) + ".<br>"
            "DEVICE: " + ", ".join(f"{i} = {d[1]}" for i, d in enumerate(DEVICES)) + ".</p>"
        )

    def common_help(self) -> str:
        return self.tr(
            "<p><b>Sensor preset</b> (advanced): the satellite that took the images. It tells the method how "
            "blurry each band is (its MTF) and the radiometric depth. Keep <i>Generic</i> if your sensor is not "
            "listed.</p>"
            "<p><b>Tile size</b> (advanced): the image is processed in square tiles of this many output pixels "
            "so that large images fit in memory. Smaller tiles use less memory; the result does not depend on "
            "it.</p>"
            "<p><b>Tile overlap</b> (advanced): pixels shared by neighbouring tiles and blended smoothly, so no "
            "seams appear.</p>"
            "<p><b>Output data type</b> (advanced): the pixel type of the output. By default it is the same as "
            "the low-resolution input; values outside the range of the chosen type are clipped. <i>Byte</i> from "
            "deeper integer data is rescaled to 0-255 by the data's bit depth: the sensor preset's (e.g. 11 bits: "
            "x 255/2047), or with <i>Generic</i> the smallest bit depth that holds the data's maximum (Landsat "
            "DN up to 32767: x 255/32767); the factor is written to the output's metadata. Byte from "
            "floating-point data beyond 0-255 is refused (it has no bit depth).</p>"
            "<p><b>Cloud Optimized GeoTIFF</b> (advanced): write a COG (internal tiles and overviews), "
            "convenient for web publishing.</p>"
            "<p><b>Output compression</b> (advanced): DEFLATE (default) gives small files that every GIS reads; "
            "ZSTD is faster for slightly larger files and needs GDAL 2.3 or newer to read; none is fastest and "
            "gives the largest files. Compression is a large share of the run time for many-band outputs.</p>"
            "<p><b>Device</b> (advanced): where deep-learning methods run: automatic, the CPU, or an NVIDIA GPU "
            "(CUDA). Classical methods always run on the CPU. Deep-learning methods need the optional Python "
            "packages torch and timm.</p>"
            "<p><b>Dask cluster</b> (advanced): empty runs in this process. <i>local</i> or <i>local:N</i> "
            "starts N worker processes on this computer; <i>tcp://host:8786</i> uses a running Dask scheduler "
            "(its workers must read the inputs and have the plugin on their PYTHONPATH). Tiles are fused as "
            "Dask tasks; an interrupted run resumes from its finished tiles. Needs the Python packages dask "
            "and distributed.</p>"
            "<p><b>Output</b>: the GeoTIFF file to write. It has the pixel grid and coordinate system of the "
            "sharp input and one band per low-resolution band.</p>"
        ) + self.enum_help()
