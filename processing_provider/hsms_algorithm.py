"""Processing algorithm ``deeppansharpen:hsmsfusion`` — "HS-MS fusion (LR-HSI + HR-MSI)"."""
from __future__ import annotations

import os

from qgis.core import (
    QgsProcessingParameterBand,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterLayer,
)

from ..core.methods.base import DEFAULT_ADAPT_SECONDS
from .base import FusionAlgorithmBase, _advanced


class HsmsFusionAlgorithm(FusionAlgorithmBase):
    TASK = "hsms"
    DEFAULT_METHOD = "mtf_glp_hs"
    HR = "MSI"
    LR = "HSI"
    HR_LABEL = "high-resolution multispectral (HR-MSI)"
    LR_LABEL = "low-resolution hyperspectral (LR-HSI)"
    MSI_BANDS = "MSI_BANDS"
    HSI_BANDS = "HSI_BANDS"
    # INFN (deep) options
    WEIGHTS = "WEIGHTS"
    ADAPT = "ADAPT"
    ADAPT_SECONDS = "ADAPT_SECONDS"
    ADAPT_STEPS = "ADAPT_STEPS"
    ADAPTED_WEIGHTS = "ADAPTED_WEIGHTS"

    def name(self) -> str:
        return "hsmsfusion"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("HS-MS fusion (LR-HSI + HR-MSI)")

    def tags(self):
        return [self.tr(t) for t in ("hyperspectral", "multispectral", "fusion", "hypersharpening",
                                     "EnMAP", "Hyperion", "PRISMA", "super-resolution")]

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Sharpen a hyperspectral image with a multispectral image of the same scene.")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Makes a sharp hyperspectral image: the spatial detail of a high-resolution multispectral image "
            "(e.g. Sentinel-2 at 10 m, ALI at 10 m) is injected into every band of a coarser hyperspectral "
            "image (e.g. EnMAP at 30 m, Hyperion at 30 m). The result has the grid of the multispectral image "
            "and the bands of the hyperspectral image, with their wavelength and FWHM metadata.</p>"
            "<p><b>Hyperspectral image (LR-HSI)</b>: the low-resolution image with many bands. Bad bands "
            "(nodata) are written as nodata.</p>"
            "<p><b>Multispectral image (HR-MSI)</b>: the high-resolution image with a few bands. Its pixel size "
            "must divide the hyperspectral pixel size (ratio 2, 3, 4 ...).</p>"
            "<p><b>Method</b>: <i>MTF-GLP-HS</i> (default) gives every hyperspectral band the detail of the "
            "combination of multispectral bands that best explains it; <i>EXP</i> only enlarges the "
            "hyperspectral image (the no-fusion reference).</p>"
            "<p><i>INFN</i> (deep learning, needs torch) is a neural network trained on the CAVE hyperspectral "
            "database (31 bands + RGB). For any other sensor pair it adapts itself to your scene first.</p>"
            "<p><b>HSI bands / MSI bands</b> (advanced): bands to use; empty = all.</p>"
            "<p><b>INFN: adapt to the scene</b> (advanced): before fusing, the network is fine-tuned on your "
            "two images at reduced resolution (both degraded by the ratio; the original hyperspectral image is "
            "the target). New input and output layers are made for your band layout, starting from the bundled "
            "model; the spectral response linking the two images is estimated from the data and reported in "
            "the log and the output metadata. Bad bands (nodata, flagged bad, constant) are written as nodata. "
            "Without a model for your band layout, adaptation starts automatically.</p>"
            "<p><b>INFN: adaptation time</b> (advanced): seconds spent adapting (more = better, up to a point; "
            "a GPU does much more in the same time).</p>"
            "<p><b>INFN: adaptation steps</b> (advanced): a fixed number of training steps instead of the time "
            "budget, to repeat an adaptation exactly (the log gives the number a timed run used).</p>"
            "<p><b>INFN: weights file</b> (advanced): a .safetensors model (with its .json manifest next to it), "
            "e.g. one saved by an earlier adaptation. Empty = the bundled model.</p>"
            "<p><b>INFN: save the adapted model</b> (advanced): where to save the adapted model, to reuse it on "
            "other scenes of the same sensors without adapting again.</p>"
        ) + self.common_help()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.LR, self.tr("Hyperspectral image (LR-HSI), low resolution")))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.HR, self.tr("Multispectral image (HR-MSI), high resolution")))
        self.add_method_parameter()
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.HSI_BANDS, self.tr("HSI bands to sharpen (empty = all)"), defaultValue=None,
            parentLayerParameterName=self.LR, optional=True, allowMultiple=True)))
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.MSI_BANDS, self.tr("MSI bands to use (empty = all)"), defaultValue=None,
            parentLayerParameterName=self.HR, optional=True, allowMultiple=True)))
        self.add_common_advanced_parameters()
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.ADAPT, self.tr("INFN: adapt to the scene before fusing"), defaultValue=False)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.ADAPT_SECONDS, self.tr("INFN: adaptation time (seconds)"), QgsProcessingParameterNumber.Double,
            defaultValue=float(DEFAULT_ADAPT_SECONDS), minValue=1.0, maxValue=36000.0)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.ADAPT_STEPS, self.tr("INFN: adaptation steps (0 = as many as the time allows)"),
            QgsProcessingParameterNumber.Integer, defaultValue=0, minValue=0)))
        self.addParameter(_advanced(QgsProcessingParameterFile(
            self.WEIGHTS, self.tr("INFN: weights file (.safetensors; empty = bundled model)"),
            behavior=QgsProcessingParameterFile.File, extension="safetensors", optional=True)))
        dest = QgsProcessingParameterFileDestination(
            self.ADAPTED_WEIGHTS, self.tr("INFN: save the adapted model (.safetensors)"),
            fileFilter="Safetensors (*.safetensors)", optional=True, createByDefault=False)
        self.addParameter(_advanced(dest))
        self.add_output_parameter("Fused hyperspectral image")

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.engine import FusionRequest

        hsi = self.raster_source(parameters, self.LR, self.LR_LABEL, context)
        msi = self.raster_source(parameters, self.HR, self.HR_LABEL, context)
        choices = self.common_choices(parameters, context)
        request = FusionRequest(
            task=self.TASK, hr_path=msi, lr_path=hsi, output_path=self.output_file(parameters, context),
            hr_bands=self.band_list(parameters, self.MSI_BANDS, context),
            lr_bands=self.band_list(parameters, self.HSI_BANDS, context),
            method_options=self.infn_options(parameters, context) if choices["method"] == "infn" else {},
            **choices)
        feedback.pushInfo(self.tr("HSI: {0}; MSI: {1}").format(hsi, msi))
        results = self.run_engine(request, feedback)
        saved = request.method_options.get("adapted_weights")
        if saved and os.path.isfile(saved):
            results[self.ADAPTED_WEIGHTS] = saved
        return results

    def infn_options(self, parameters, context) -> dict:
        """Method options of INFN (ignored by the classical methods)."""
        opts = {}
        if self.parameterAsBool(parameters, self.ADAPT, context):
            opts["adapt"] = True
        if parameters.get(self.ADAPT_SECONDS) not in (None, ""):
            opts["adapt_seconds"] = self.parameterAsDouble(parameters, self.ADAPT_SECONDS, context)
        steps = self.parameterAsInt(parameters, self.ADAPT_STEPS, context) if parameters.get(self.ADAPT_STEPS) else 0
        if steps > 0:
            opts["adapt_steps"] = steps
        weights = self.parameterAsFile(parameters, self.WEIGHTS, context) if parameters.get(self.WEIGHTS) else ""
        if weights:
            opts["weights"] = weights
        saved = self.parameterAsFileOutput(parameters, self.ADAPTED_WEIGHTS, context) \
            if parameters.get(self.ADAPTED_WEIGHTS) else ""
        if saved:
            if not saved.endswith(".safetensors"):
                saved = os.path.splitext(saved)[0] + ".safetensors"
            opts["adapted_weights"] = saved
        return opts
