"""Processing algorithms for judging results: ``degrade`` (Wald protocol), ``assess`` (metrics and an
HTML report), ``compare`` (several methods and GDAL's Brovey side by side) and ``hsmscompare`` (several HS-MS
fusion methods side by side)."""
from __future__ import annotations

import math
import os

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
)

from .base import FusionAlgorithmBase, _advanced, choice_parameter, numbered_choice_problem

METRICS = ["SAM", "ERGAS", "Q", "Q2n", "SCC", "PSNR", "SSIM", "D_lambda", "D_S", "QNR", "D_lambda_K", "HQNR"]
MODES = [("reduced", "Reduced resolution (Wald protocol: degrade, fuse, compare with the original MS)"),
         ("full", "Full resolution (no reference: QNR and HQNR)")]


def _output_name(metric: str) -> str:
    return metric.upper()


class _QualityBase(FusionAlgorithmBase):
    PAN = HR = "PAN"
    MS = LR = "MS"
    PAN_BAND = "PAN_BAND"
    MS_BANDS = "MS_BANDS"

    def group(self) -> str:
        return self.tr("Quality assessment")

    def groupId(self) -> str:  # noqa: N802 (QGIS API name)
        return "quality"

    def add_pair_parameters(self, pan_optional: bool = False) -> None:
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.PAN, self.tr("Panchromatic (PAN) image, high resolution"), optional=pan_optional))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.MS, self.tr("Multispectral (MS) image, low resolution")))
        self.addParameter(_advanced(choice_parameter(
            self.SENSOR, self.tr("Sensor preset"), self.sensors(), "generic")))
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.PAN_BAND, self.tr("PAN band (default 1)"), defaultValue=1, parentLayerParameterName=self.PAN,
            optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.MS_BANDS, self.tr("MS bands (empty = all)"), defaultValue=None, parentLayerParameterName=self.MS,
            optional=True, allowMultiple=True)))

    def sensor(self, parameters, context) -> str:
        return self.choice(parameters, self.SENSOR, context)

    def call_core(self, fn, *args, **kwargs):
        from ..core.errors import Cancelled, InputError, MissingDependency
        try:
            return fn(*args, **kwargs)
        except Cancelled as exc:
            raise QgsProcessingException(self.tr("Cancelled by the user.")) from exc
        except (InputError, MissingDependency) as exc:
            raise QgsProcessingException(str(exc)) from exc

    def file_output_or_none(self, parameters, name, context) -> str:
        """An optional report file: "" when the user did not ask for it (qgis_process without NAME=...)."""
        if parameters.get(name) in (None, ""):
            return ""
        path = self.parameterAsFileOutput(parameters, name, context)
        if not path:
            return ""
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK):
            raise QgsProcessingException(self.tr("The folder '{0}' is not writable.").format(folder))
        return path

    def report_outputs(self, results, parameters, context, feedback, title, inputs) -> dict:
        from ..core.report import write_csv, write_html
        table = self.file_output_or_none(parameters, "OUTPUT_TABLE", context)
        report = self.file_output_or_none(parameters, "OUTPUT_HTML", context)
        if table:
            write_csv(table, results)
        if report:
            write_html(report, title, results, inputs)
        for name, a in results.items():
            feedback.pushInfo(f"{name}: " + ", ".join(f"{k} = {v:.4f}" for k, v in a.metrics.items()))
        for note in sorted({n for a in results.values() for n in a.notes}):
            feedback.pushInfo(self.tr("Note: {0}").format(note))
        return {"OUTPUT_TABLE": table or None, "OUTPUT_HTML": report or None}

    def add_comparison_outputs(self) -> None:
        """The outputs of both compare algorithms: the fused images' folder, the table and the report."""
        self.addParameter(QgsProcessingParameterFolderDestination(
            "OUTPUT_FOLDER", self.tr("Folder for the fused images")))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_TABLE", self.tr("Comparison table"), fileFilter="CSV files (*.csv)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_HTML", self.tr("Comparison report"), fileFilter="HTML files (*.html)", optional=True,
            createByDefault=False))


class DegradeAlgorithm(_QualityBase):
    def name(self) -> str:
        return "degrade"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Make a reduced-resolution test pair (Wald protocol)")

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Degrade a PAN/MS pair by its resolution ratio so that any method can be scored "
                       "against the original MS.")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Prepares a test of any fusion method on <i>your own</i> images. Both images are blurred the way "
            "the sensor blurs (its MTF, from the sensor preset) and shrunk by the PAN/MS resolution ratio. "
            "Fusing the reduced PAN with the reduced MS should give back the original MS, which is written as "
            "the <b>reference</b>: run any method on the reduced pair, then <i>Assess a fused image</i> with "
            "that reference.</p>"
            "<p><b>Outputs</b>: the reduced PAN (on the original MS grid), the reduced MS (ratio times coarser) "
            "and the reference MS (on the reduced PAN grid).</p>") + self.reference_help()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        self.add_pair_parameters()
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT_PAN", self.tr("Reduced PAN")))
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT_MS", self.tr("Reduced MS")))
        self.addParameter(QgsProcessingParameterRasterDestination("OUTPUT_REFERENCE", self.tr("Reference MS")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.wald import degrade_pair
        pan = self.raster_source(parameters, self.PAN, "panchromatic (PAN)", context)
        ms = self.raster_source(parameters, self.MS, "multispectral (MS)", context)
        outs = []
        for key in ("OUTPUT_PAN", "OUTPUT_MS", "OUTPUT_REFERENCE"):
            path = self.parameterAsOutputLayer(parameters, key, context)
            problem = self.output_problem(path)
            if problem:
                raise QgsProcessingException(problem)
            outs.append(path)
        res = self.call_core(
            degrade_pair, pan, ms, *outs, sensor=self.sensor(parameters, context),
            pan_band=self.parameterAsInt(parameters, self.PAN_BAND, context) or 1,
            ms_bands=self.band_list(parameters, self.MS_BANDS, context),
            progress=feedback.setProgress, is_cancelled=feedback.isCanceled)
        feedback.pushInfo(self.tr("Ratio {0}; reduced pair of {1} x {2} pixels.").format(
            res.ratio, *res.reduced_size))
        return {"OUTPUT_PAN": outs[0], "OUTPUT_MS": outs[1], "OUTPUT_REFERENCE": outs[2]}


class AssessAlgorithm(_QualityBase):
    FUSED = "FUSED"
    REFERENCE = "REFERENCE"

    def name(self) -> str:
        return "assess"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Assess a fused image (quality metrics)")

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Score a fused image with SAM, ERGAS, Q2n ... (with a reference) or QNR, HQNR "
                       "(without).")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Scores a fused (pansharpened) image with the standard quality indexes of the pansharpening "
            "literature, writes them to a CSV table and an HTML report with charts, and returns them as "
            "outputs (usable in models and with qgis_process --json).</p>"
            "<p><b>With a reference</b> (reduced-resolution test, see <i>Make a reduced-resolution test "
            "pair</i>): SAM (degrees; spectral angle, 0 is best), ERGAS (overall relative error, 0 is best), "
            "Q (UIQI), Q2n (Q4/Q8; 1 is best), SCC (spatial correlation), PSNR (dB) and SSIM. MS is then the "
            "reduced MS the fused image was made from (it gives the ratio); PAN is not needed.</p>"
            "<p><b>Without a reference</b> (full resolution): D_lambda (spectral distortion), D_S (spatial "
            "distortion), QNR = (1 - D_lambda)(1 - D_S), D_lambda of Khan and HQNR; 1 is best for QNR/HQNR. "
            "PAN and MS are the images the fused image was made from.</p>"
            "<p>The fused image and the reference must be on the same pixel grid; only their common part is "
            "scored. Very large images are scored on a regular sample of blocks (said in the report).</p>") + \
            self.reference_help()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        self.addParameter(QgsProcessingParameterRasterLayer(self.FUSED, self.tr("Fused image to assess")))
        self.add_pair_parameters(pan_optional=True)
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.REFERENCE, self.tr("Reference MS (reduced-resolution test; optional)"), optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_TABLE", self.tr("Metrics table"), fileFilter="CSV files (*.csv)", optional=True,
            createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(
            "OUTPUT_HTML", self.tr("Report"), fileFilter="HTML files (*.html)", optional=True,
            createByDefault=False))
        for metric in METRICS:
            self.addOutput(QgsProcessingOutputNumber(_output_name(metric), metric))
        self.addOutput(QgsProcessingOutputString("MODE", self.tr("Assessment mode")))

    def checkParameterValues(self, parameters, context):  # noqa: N802 (QGIS API name)
        problem = numbered_choice_problem(self, parameters) or \
            self.raster_problem(parameters, self.FUSED, "fused", context)
        if problem:
            return False, problem
        if parameters.get(self.REFERENCE) in (None, ""):
            problem = self.raster_problem(parameters, self.PAN, "panchromatic (PAN)", context)
            if problem:
                return False, self.tr("Without a reference, the PAN is needed: ") + problem
        problem = self.raster_problem(parameters, self.MS, "multispectral (MS)", context)
        if problem:
            return False, problem
        return True, ""

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.assess import assess_full, assess_reduced, ratio_between
        from ..core.sensors import preset_for_bands
        fused = self.raster_source(parameters, self.FUSED, "fused", context)
        ms = self.raster_source(parameters, self.MS, "multispectral (MS)", context)
        sensor = self.sensor(parameters, context)
        ms_bands = self.band_list(parameters, self.MS_BANDS, context)
        if parameters.get(self.REFERENCE) not in (None, ""):
            ref = self.raster_source(parameters, self.REFERENCE, "reference", context)
            ratio = self.call_core(ratio_between, fused, ms)
            self.call_core(preset_for_bands, sensor, len(ms_bands) if ms_bands else
                           self.parameterAsRasterLayer(parameters, self.MS, context).bandCount())
            # The PSNR/SSIM peak comes from the reference's data type / bit depth (core.assess.psnr_peak).
            result = self.call_core(assess_reduced, fused, ref, ratio, sensor=sensor)
            inputs = {"fused": fused, "reference": ref, "MS": ms}
        else:
            pan = self.raster_source(parameters, self.PAN, "panchromatic (PAN)", context)
            result = self.call_core(assess_full, fused, pan, ms, sensor,
                                    self.parameterAsInt(parameters, self.PAN_BAND, context) or 1, ms_bands)
            inputs = {"fused": fused, "PAN": pan, "MS": ms}
        name = os.path.basename(fused)
        out = self.report_outputs({name: result}, parameters, context, feedback,
                                  self.tr("Quality of {0}").format(name), inputs)
        for metric in METRICS:
            value = result.metrics.get(metric)
            out[_output_name(metric)] = value if value is not None and math.isfinite(value) else None
        out["MODE"] = result.mode
        return out


class CompareAlgorithm(_QualityBase):
    METHODS = "METHODS"
    MODE = "MODE"
    INCLUDE_GDAL = "INCLUDE_GDAL"

    def name(self) -> str:
        return "compare"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Compare pansharpening methods")

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Run several methods on one PAN/MS pair and score them side by side in one table "
                       "and report.")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Runs several methods on the same PAN/MS pair, GDAL's own pansharpening (weighted Brovey, "
            "what Raster > Miscellaneous > Pansharpening runs) included, scores every result and writes one "
            "comparison table and HTML report.</p>"
            "<p><b>Mode</b>: <i>reduced resolution</i> degrades the pair (Wald protocol) so that every method "
            "can be compared with the true MS (SAM, ERGAS, Q2n ...); <i>full resolution</i> fuses the pair as "
            "it is and scores without a reference (QNR, HQNR). The fused images are kept in the output "
            "folder.</p>") + self.method_help(self.METHODS) + self.reference_help()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        from ..core.methods import method_names
        self.add_pair_parameters()
        names = method_names("pansharpen")
        self.addParameter(choice_parameter(self.METHODS, self.tr("Methods (ids)"), names, names, multiple=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.INCLUDE_GDAL, self.tr("Include GDAL's pansharpening (weighted Brovey)"), defaultValue=True))
        self.addParameter(choice_parameter(
            self.MODE, self.tr("Mode (reduced: Wald protocol, with a reference; full: QNR, no reference)"),
            [m[0] for m in MODES], "reduced"))
        self.add_comparison_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.compare import compare_methods
        from ..core.methods import method_names
        pan = self.raster_source(parameters, self.PAN, "panchromatic (PAN)", context)
        ms = self.raster_source(parameters, self.MS, "multispectral (MS)", context)
        names = method_names("pansharpen")
        chosen = [n for n in self.parameterAsEnumStrings(parameters, self.METHODS, context) if n in names]
        mode = self.choice(parameters, self.MODE, context)
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        os.makedirs(folder, exist_ok=True)
        results = self.call_core(
            compare_methods, pan, ms, chosen, folder, mode=mode, sensor=self.sensor(parameters, context),
            pan_band=self.parameterAsInt(parameters, self.PAN_BAND, context) or 1,
            ms_bands=self.band_list(parameters, self.MS_BANDS, context),
            include_gdal=self.parameterAsBool(parameters, self.INCLUDE_GDAL, context),
            progress=feedback.setProgress, is_cancelled=feedback.isCanceled, log=feedback.pushInfo)
        out = self.report_outputs(results, parameters, context, feedback,
                                  self.tr("Method comparison ({0})").format(mode),
                                  {"PAN": pan, "MS": ms, "mode": mode})
        out["OUTPUT_FOLDER"] = folder
        return out


class HsmsCompareAlgorithm(_QualityBase):
    """``deeppansharpen:hsmscompare``: several HS-MS fusion methods on one HSI/MSI pair at reduced resolution."""
    TASK = "hsms"
    HR = "MSI"
    LR = "HSI"
    HSI_BANDS = "HSI_BANDS"
    METHODS = "METHODS"
    # Classical methods by default: INFN needs torch and adapts itself for minutes.
    DEFAULT_METHODS = ("hs_exp", "mtf_glp_hs", "ls_detail", "gsa_hs", "cnmf", "hysure", "hs_blend")

    def name(self) -> str:
        return "hsmscompare"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Compare HS-MS fusion methods")

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Run several HS-MS fusion methods on one HSI/MSI pair at reduced resolution and score "
                       "them side by side.")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Degrades the HSI/MSI pair by their resolution ratio (Wald protocol), fuses the reduced pair with "
            "every chosen method and scores each result against the original HSI (SAM, ERGAS, PSNR ...) in one "
            "table and HTML report. The fused images are kept in the output folder.</p>") + \
            self.method_help(self.METHODS) + self.reference_help()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        from ..core.methods import method_names
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.HR, self.tr("Multispectral image (HR-MSI), high resolution")))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.LR, self.tr("Hyperspectral image (LR-HSI), low resolution")))
        self.addParameter(_advanced(choice_parameter(
            self.SENSOR, self.tr("Sensor preset"), self.sensors(), "generic")))
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.HSI_BANDS, self.tr("HSI bands (empty = all)"), defaultValue=None, parentLayerParameterName=self.LR,
            optional=True, allowMultiple=True)))
        names = method_names("hsms")
        self.addParameter(choice_parameter(self.METHODS, self.tr("Methods (ids)"), names,
                                           [n for n in self.DEFAULT_METHODS if n in names], multiple=True))
        self.add_comparison_outputs()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.compare import compare_methods
        from ..core.methods import method_names
        msi = self.raster_source(parameters, self.HR, "multispectral (HR-MSI)", context)
        hsi = self.raster_source(parameters, self.LR, "hyperspectral (LR-HSI)", context)
        names = method_names("hsms")
        chosen = [n for n in self.parameterAsEnumStrings(parameters, self.METHODS, context) if n in names]
        folder = self.parameterAsString(parameters, "OUTPUT_FOLDER", context)
        os.makedirs(folder, exist_ok=True)
        results = self.call_core(
            compare_methods, msi, hsi, chosen, folder, mode="reduced", sensor=self.sensor(parameters, context),
            ms_bands=self.band_list(parameters, self.HSI_BANDS, context), include_gdal=False, task="hsms",
            progress=feedback.setProgress, is_cancelled=feedback.isCanceled, log=feedback.pushInfo)
        out = self.report_outputs(results, parameters, context, feedback, self.tr("HS-MS method comparison"),
                                  {"MSI": msi, "HSI": hsi, "mode": "reduced"})
        out["OUTPUT_FOLDER"] = folder
        return out
