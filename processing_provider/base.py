"""Shared parts of the Deep Pansharpen Processing algorithms.

Every fusion algorithm (pansharpen, hsmsfusion, batch) takes a sharp ("high-resolution", HR) raster and
a coarse ("low-resolution", LR) raster, writes one GeoTIFF and calls :func:`core.engine.run_fusion`.
This module holds what they have in common: the parameter definitions (method, sensor, tiling, output
type, COG, device), the plain-language checks of the inputs and the output, the mapping of engine errors
to ``QgsProcessingException``, and the links to the parameter reference (docs/algorithms.md).

Choice parameters are static-string enums (QGIS >= 3.18): their value is a stable lower-case id
(``METHOD=gsa``), never a position that changes when a choice is added.

Nothing here imports torch/timm; the engine is imported only when an algorithm runs.
"""
from __future__ import annotations

import contextlib
import os
import tempfile

from osgeo import gdal
from qgis.core import (
    QgsMapLayer,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputLayerDefinition,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProperty,
    QgsRasterLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QUrl
from qgis.PyQt.QtGui import QIcon

from ..core.methods import find_spec, method_label, method_names
from ..core.methods.base import ADAPT_SECONDS_RANGE, DEFAULT_ADAPT_SECONDS
from ..core.output_guard import gdal_file
from ..core.sensors import SENSORS
from ..core.tiling import TILE_SIZE_RANGE

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ICON_PATH = os.path.join(PLUGIN_DIR, "resources", "icon.svg")
# The parameter reference; helpUrl() adds the algorithm's anchor.  No public home yet: the local copy.
DOCS_PATH = os.path.join(PLUGIN_DIR, "docs", "algorithms.md")

GEOTIFF_EXTENSIONS = (".tif", ".tiff")

# Choice lists: (id, label).  The id is the parameter value; OUTPUT_TYPE's id is the engine's data type
# ("same": the low-resolution input's), the others' ids are the engine values.
OUTPUT_TYPES: list[tuple[str, str]] = [
    ("same", "Same as the low-resolution input"),
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


def output_dtype(choice_id: str) -> str | None:
    """The engine's output data type for an OUTPUT_TYPE id (None: the low-resolution input's)."""
    return None if choice_id in ("same", "", None) else choice_id


def choice_parameter(name: str, description: str, ids: list[str], default, multiple: bool = False,
                     optional: bool = False) -> QgsProcessingParameterEnum:
    """A choice parameter whose values are the stable ``ids`` (static strings), not their positions."""
    param = QgsProcessingParameterEnum(name, description, options=list(ids), allowMultiple=multiple,
                                       defaultValue=default, optional=optional, usesStaticStrings=True)
    # qgis_process 3.22 prints numbered options under this text although it accepts only the ids
    param.setHelp(tr("Give the id, e.g. {0}={1}; not its number.").format(
        name, default[0] if isinstance(default, list) else default))
    return param


def numbered_choice_problem(alg: QgsProcessingAlgorithm, parameters) -> str | None:
    """A sentence for a choice given by number (the plugin's 0.1 numbering, or a position), or None.

    QGIS refuses a number for a static-string enum with a bare "Incorrect parameter value"; this says why
    and which ids to use.
    """
    for param in alg.parameterDefinitions():
        if not isinstance(param, QgsProcessingParameterEnum) or not param.usesStaticStrings():
            continue
        value = parameters.get(param.name())
        values = value if isinstance(value, (list, tuple)) else [value]
        numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
                   or isinstance(v, str) and v.strip().isdigit()]
        if numbers:
            default = param.defaultValue()
            example = default if isinstance(default, str) and default else param.options()[0]
            return tr("{0} takes the id of a choice, not a number (numbers changed meaning when choices were "
                      "added): one of {1}. Example: {0}={2}").format(
                          param.name(), ", ".join(param.options()), example)
    return None


def _advanced(param: QgsProcessingParameterDefinition) -> QgsProcessingParameterDefinition:
    param.setFlags(param.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
    return param


@contextlib.contextmanager
def no_aux_files():
    """Open rasters without GDAL's .aux.xml side files (in this thread): a QGIS layer made from an input path
    computes statistics and histograms for its renderer, and GDAL would save them next to the user's input."""
    old = gdal.GetThreadLocalConfigOption("GDAL_PAM_ENABLED", None)
    gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO")
    try:
        yield
    finally:
        gdal.SetThreadLocalConfigOption("GDAL_PAM_ENABLED", old)


def release_preloaded_inputs(alg, parameters, context) -> list[str]:
    """qgis_process loads the input rasters into the context's layer store before any plugin code runs, with
    GDAL's side files on; their statistics would be saved next to the user's inputs when the context ends.
    Release those layers now (parameterAsRasterLayer reloads them without side files) and delete the
    .aux.xml that the release itself writes, which did not exist a moment before.  Returns the paths."""
    paths = set()
    for param in alg.parameterDefinitions():
        value = parameters.get(param.name())
        if isinstance(param, QgsProcessingParameterRasterLayer) and isinstance(value, str) and value:
            paths.add(os.path.realpath(gdal_file(value)))
    store = context.temporaryLayerStore()
    released = []
    for layer in list(store.mapLayers().values()):
        source = gdal_file(layer.source())
        path = os.path.realpath(source)
        if path not in paths:
            continue
        aux = source + ".aux.xml"              # GDAL names the side file after the path it opened
        existed = os.path.exists(aux)
        store.removeMapLayer(layer)             # the store owns the layer: this closes its dataset
        if not existed and os.path.exists(aux):
            os.remove(aux)
        released.append(path)
    return released


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


def _gdal_open_error(path: str) -> str | None:
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
    # deep methods (PanAdapter, INFN): add_deep_parameters
    WEIGHTS = "WEIGHTS"
    ADAPT = "ADAPT"
    ADAPT_SECONDS = "ADAPT_SECONDS"
    ADAPT_STEPS = "ADAPT_STEPS"
    ADAPTED_WEIGHTS = "ADAPTED_WEIGHTS"
    GUARD = "GUARD"
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

    def helpUrl(self) -> str:  # noqa: N802 (QGIS API name)
        """This algorithm's section of the parameter reference (anchor = the algorithm's name)."""
        url = QUrl.fromLocalFile(DOCS_PATH)
        url.setFragment(self.name())
        return url.toString()

    # --- choice lists ------------------------------------------------------------------------------
    def methods(self) -> list[str]:
        return method_names(self.TASK)

    @staticmethod
    def sensors() -> list[str]:
        return list(SENSORS)

    # --- parameter builders ------------------------------------------------------------------------
    def add_method_parameter(self) -> None:
        names = self.methods()
        self.addParameter(choice_parameter(
            self.METHOD, self.tr("Method (id; the help lists what each does)"), names,
            self.DEFAULT_METHOD if self.DEFAULT_METHOD in names else names[0]))

    def add_common_advanced_parameters(self) -> None:
        self.addParameter(_advanced(choice_parameter(
            self.SENSOR, self.tr("Sensor preset"), self.sensors(), "generic")))
        lo, hi = TILE_SIZE_RANGE
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.TILE_SIZE, self.tr("Tile size (output pixels, {0} to {1})").format(lo, hi),
            QgsProcessingParameterNumber.Integer, defaultValue=1024, minValue=lo, maxValue=hi)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.OVERLAP, self.tr("Tile overlap (pixels blended between tiles, 0 to half the tile size)"),
            QgsProcessingParameterNumber.Integer, defaultValue=32, minValue=0, maxValue=hi // 2)))
        self.addParameter(_advanced(choice_parameter(
            self.OUTPUT_TYPE, self.tr("Output data type (same = as the low-resolution input)"),
            [t[0] for t in OUTPUT_TYPES], "same")))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.COG, self.tr("Write a Cloud Optimized GeoTIFF (COG)"), defaultValue=False)))
        self.addParameter(_advanced(choice_parameter(
            self.COMPRESSION, self.tr("Output compression"), [c[0] for c in COMPRESSION_CHOICES], "deflate")))
        self.addParameter(_advanced(choice_parameter(
            self.DEVICE, self.tr("Device for deep-learning methods (auto = GPU if available)"),
            [d[0] for d in DEVICES], "auto")))
        cluster = QgsProcessingParameterString(
            self.CLUSTER, self.tr("Dask cluster (empty = this process; local, local:N or tcp://host:port)"),
            defaultValue="", optional=True)
        cluster.setHelp(self.tr(
            "Empty: run in this process. 'local' or 'local:N': N worker processes on this computer (default "
            "one per CPU). 'tcp://host:8786': a running Dask scheduler whose workers read the inputs and "
            "have the plugin on their PYTHONPATH. Needs the Python packages dask and distributed."))
        self.addParameter(_advanced(cluster))

    def add_deep_parameters(self, method_label: str, steps: bool = False) -> None:
        """The deep method's advanced parameters, described with its name: ADAPT, ADAPT_SECONDS, ADAPT_STEPS
        (with ``steps``), WEIGHTS, GUARD and ADAPTED_WEIGHTS; :meth:`deep_options` reads them."""
        lo, hi = ADAPT_SECONDS_RANGE
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.ADAPT, self.tr("{0}: adapt to the scene before fusing").format(method_label), defaultValue=False)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.ADAPT_SECONDS, self.tr("{0}: adaptation time (seconds)").format(method_label),
            QgsProcessingParameterNumber.Integer, defaultValue=DEFAULT_ADAPT_SECONDS, minValue=int(lo),
            maxValue=int(hi))))
        if steps:
            self.addParameter(_advanced(QgsProcessingParameterNumber(
                self.ADAPT_STEPS, self.tr("{0}: adaptation steps (0 = as many as the time allows)").format(
                    method_label), QgsProcessingParameterNumber.Integer, defaultValue=0, minValue=0)))
        self.addParameter(_advanced(QgsProcessingParameterFile(
            self.WEIGHTS, self.tr("{0}: weights file (.safetensors; empty = bundled model)").format(method_label),
            behavior=QgsProcessingParameterFile.File, extension="safetensors", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.GUARD, self.tr("{0}: return the best classical result where the network loses to it on the "
                                "scene's check").format(method_label), defaultValue=True)))
        self.add_adapted_weights_parameter(method_label)

    def deep_options_for(self, method: str, parameters, context) -> dict:
        """deep_options() when ``method`` is a deep method, else {} (classical methods take none)."""
        spec = find_spec(method)
        return self.deep_options(parameters, context) if spec is not None and spec.needs_torch else {}

    def deep_options(self, parameters, context) -> dict:
        """The deep method's options (``FusionRequest.method_options``) from the parameters of
        :meth:`add_deep_parameters`; only what the user set, so the method's own defaults apply otherwise."""
        opts = {}
        if self.parameterAsBool(parameters, self.ADAPT, context):
            opts["adapt"] = True
        if parameters.get(self.ADAPT_SECONDS) not in (None, ""):
            opts["adapt_seconds"] = float(self.parameterAsInt(parameters, self.ADAPT_SECONDS, context))
        if self.parameterDefinition(self.ADAPT_STEPS) is not None and parameters.get(self.ADAPT_STEPS):
            steps = self.parameterAsInt(parameters, self.ADAPT_STEPS, context)
            if steps > 0:
                opts["adapt_steps"] = steps
        weights = self.parameterAsFile(parameters, self.WEIGHTS, context) if parameters.get(self.WEIGHTS) else ""
        if weights:
            opts["weights"] = weights
        saved = self.adapted_weights_path(parameters, context)
        if saved:
            opts["adapted_weights"] = saved
        if parameters.get(self.GUARD) not in (None, "") and not self.parameterAsBool(parameters, self.GUARD, context):
            opts["guard"] = False                  # the deep guard is on unless turned off
        return opts

    def add_adapted_weights_parameter(self, method_label: str) -> None:
        """ADAPTED_WEIGHTS: where a deep method saves its adapted model; an advanced text parameter with a
        save-file widget (a destination would sit among the main outputs) and an output of the same name."""
        param = QgsProcessingParameterString(
            self.ADAPTED_WEIGHTS, self.tr("{0}: save the adapted model to (.safetensors; empty = not saved)").format(
                method_label), defaultValue="", optional=True)
        param.setMetadata({"widget_wrapper": {
            "class": f"{__package__}.save_file_widget.SaveFileWidgetWrapper",
            "file_filter": "Safetensors (*.safetensors)"}})
        self.addParameter(_advanced(param))
        self.addOutput(QgsProcessingOutputFile(self.ADAPTED_WEIGHTS, self.tr("{0}: adapted model").format(
            method_label)))

    def adapted_weights_path(self, parameters, context) -> str:
        """The .safetensors path given in ADAPTED_WEIGHTS ('' = do not save)."""
        saved = (self.parameterAsString(parameters, self.ADAPTED_WEIGHTS, context) or "").strip()
        if saved and not saved.endswith(".safetensors"):
            saved = os.path.splitext(saved)[0] + ".safetensors"
        return saved

    def add_output_parameter(self, description: str) -> None:
        self.addParameter(QgsProcessingParameterRasterDestination(
            self.OUTPUT, self.tr(description)))

    # --- reading the choices -----------------------------------------------------------------------
    def choice(self, parameters, name: str, context) -> str:
        """The id chosen for the choice parameter ``name`` (its default when not given)."""
        value = self.parameterAsEnumString(parameters, name, context)
        options = self.parameterDefinition(name).options()
        if value not in options:
            raise QgsProcessingException(self.tr("{0} must be one of: {1}.").format(name, ", ".join(options)))
        return value

    def common_choices(self, parameters, context) -> dict:
        """Engine keyword arguments for the shared parameters."""
        return dict(
            method=self.choice(parameters, self.METHOD, context),
            sensor=self.choice(parameters, self.SENSOR, context),
            tile_size=self.parameterAsInt(parameters, self.TILE_SIZE, context),
            overlap=self.parameterAsInt(parameters, self.OVERLAP, context),
            output_dtype=output_dtype(self.choice(parameters, self.OUTPUT_TYPE, context)),
            cog=self.parameterAsBool(parameters, self.COG, context),
            compression=self.choice(parameters, self.COMPRESSION, context),
            device=self.choice(parameters, self.DEVICE, context),
            cluster=(self.parameterAsString(parameters, self.CLUSTER, context) or "").strip(),
        )

    def band_list(self, parameters, name, context) -> list[int] | None:
        """1-based band numbers of a (multiple) band parameter; None when none were chosen (= all)."""
        if parameters.get(name) in (None, "", []):
            return None
        bands = [int(b) for b in self.parameterAsInts(parameters, name, context) if int(b) > 0]
        return bands or None

    # --- checks in plain words ---------------------------------------------------------------------
    def raster_problem(self, parameters, name: str, label: str, context) -> str | None:
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

    def output_problem(self, path: str) -> str | None:
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

    def _explicit_output_path(self, parameters) -> str | None:
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

    def number_problem(self, parameters, context) -> str | None:
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

    def parameterAsRasterLayer(self, parameters, name, context):  # noqa: N802 (QGIS API name)
        """The raster layer of parameter ``name``; a layer loaded here from a path writes nothing beside it."""
        with no_aux_files():
            return super().parameterAsRasterLayer(parameters, name, context)

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        """Plain-language checks before the run (missing packages, choices by number, numbers out of range,
        missing/unreadable inputs, unwritable output)."""
        release_preloaded_inputs(self, parameters, context)
        ok, problem = self.canExecute()
        if not ok:
            return False, problem
        problem = numbered_choice_problem(self, parameters) or self.number_problem(parameters, context)
        if problem:
            return False, problem
        with no_aux_files():                    # QGIS's own checks may load the input layers
            return self._check_parameter_values(parameters, context)

    def _check_parameter_values(self, parameters, context):
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

    def canExecute(self):  # noqa: N802 (QGIS API name)
        """Without SciPy no method runs: the toolbox shows the algorithm disabled with the reason."""
        from ..core.scipy_check import scipy_problem
        problem = scipy_problem()
        return not problem, problem

    def prepareAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        """Every way of running (dialog, processing.run, qgis_process, the dock) passes here first: a missing
        SciPy becomes one plain sentence, not an import traceback."""
        ok, problem = self.canExecute()
        if not ok:
            raise QgsProcessingException(problem)
        return True

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
        return {self.OUTPUT: getattr(result, "output_path", request.output_path)}

    # --- help --------------------------------------------------------------------------------------
    def method_help(self, parameter: str = "METHOD") -> str:
        """HTML list of the method ids with what each does (the dialog shows the ids)."""
        items = "".join(f"<li><b>{n}</b>: {method_label(n)}</li>" for n in self.methods())
        return self.tr("<p><b>Methods</b> ({0}=id):</p>").format(parameter) + f"<ul>{items}</ul>"

    def output_type_help(self) -> str:
        return self.tr("<p>Output type <i>uint8</i> (Byte) from deeper integer data is rescaled to 0-255 by the "
                       "data's bit depth (the sensor preset's, or the smallest that holds the data); the factor is "
                       "written to the output's metadata.</p>")

    def reference_help(self) -> str:
        return self.tr("<p>Every parameter, its choices and defaults: the parameter reference (Help button), "
                       "docs/algorithms.md in the plugin folder.</p>")
