"""Processing algorithm ``deeppansharpen:pansharpen`` — "Pansharpen (PAN + MS)"."""
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

from .base import FusionAlgorithmBase, _advanced


class PansharpenAlgorithm(FusionAlgorithmBase):
    TASK = "pansharpen"
    DEFAULT_METHOD = "auto"
    PAN = HR = "PAN"
    MS = LR = "MS"
    HR_LABEL = "panchromatic (PAN)"
    LR_LABEL = "multispectral (MS)"
    PAN_BAND = "PAN_BAND"
    MS_BANDS = "MS_BANDS"
    # PanAdapter (deep) options
    WEIGHTS = "WEIGHTS"
    ADAPT = "ADAPT"
    ADAPT_SECONDS = "ADAPT_SECONDS"
    ADAPTED_WEIGHTS = "ADAPTED_WEIGHTS"

    def name(self) -> str:
        return "pansharpen"

    def displayName(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Pansharpen (PAN + MS)")

    def tags(self):
        return [self.tr(t) for t in ("pansharpening", "pan-sharpening", "fusion", "panchromatic",
                                     "multispectral", "resolution merge", "sharpen")]

    def shortDescription(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr("Sharpen a multispectral image with a panchromatic band of the same scene.")

    def shortHelpString(self) -> str:  # noqa: N802 (QGIS API name)
        return self.tr(
            "<p>Makes a sharp colour (multispectral) image: the fine detail of the panchromatic image is "
            "injected into every band of the coarser multispectral image. The result has the pixel size, "
            "grid and coordinate system of the panchromatic image and the bands of the multispectral "
            "image.</p>"
            "<p><b>Panchromatic (PAN) image</b>: the high-resolution, single-band image (e.g. Landsat 8 band 8 at "
            "15 m). It must be a raster file read by GDAL (GeoTIFF, JP2, ...), not a web service.</p>"
            "<p><b>Multispectral (MS) image</b>: the low-resolution image with several bands (e.g. Landsat 8 "
            "bands 2-5 at 30 m) covering the same area in the same coordinate system. Its pixel size must be a "
            "whole multiple of the PAN pixel size (2, 3, 4, ...); only the area covered by both images is "
            "written.</p>"
            "<p><b>Method</b>: how the detail is injected. <i>MTF-GLP-HPM</i> (the default) keeps the colours "
            "faithful and is a good first choice; <i>GSA</i> and <i>BDSD-PC</i> give crisper detail; "
            "<i>Brovey</i> is the classic fast ratio method; <i>EXP</i> only enlarges the multispectral image "
            "(no sharpening, useful as a reference). Methods marked as deep learning need the optional Python "
            "packages torch and timm.</p>"
            "<p><i>PanAdapter</i> (deep learning, needs torch and timm) is a neural network bundled for 4-band "
            "(blue, green, red, NIR) and 8-band images, trained on Landsat-8 and Sentinel-2. For other band "
            "counts it adapts itself to your scene first.</p>"
            "<p><b>PanAdapter: adapt to the scene</b> (advanced): before fusing, the network fine-tunes the small "
            "trainable parts on your own two images at reduced resolution (both degraded by the ratio; the "
            "original MS is the target), then sharpens at full resolution. Automatic when no bundled model has "
            "your band count.</p>"
            "<p><b>PanAdapter: adaptation time</b> (advanced): seconds spent adapting (a GPU does much more in "
            "the same time).</p>"
            "<p><b>PanAdapter: weights file</b> (advanced): a .safetensors model with its .json manifest, e.g. "
            "one saved by an earlier adaptation. Empty = the bundled model for your band count.</p>"
            "<p><b>PanAdapter: save the adapted model</b> (advanced): where to save the adapted model, to reuse "
            "it on other scenes of the same sensor without adapting again.</p>"
            "<p><b>PAN band</b> (advanced): which band of the panchromatic file to use (normally 1).</p>"
            "<p><b>MS bands</b> (advanced): which multispectral bands to sharpen and write, in this order. "
            "Leave empty for all bands.</p>"
        ) + self.common_help()

    def initAlgorithm(self, config=None):  # noqa: N802 (QGIS API name)
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.PAN, self.tr("Panchromatic (PAN) image, high resolution")))
        self.addParameter(QgsProcessingParameterRasterLayer(
            self.MS, self.tr("Multispectral (MS) image, low resolution")))
        self.add_method_parameter()
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.PAN_BAND, self.tr("PAN band (default 1)"), defaultValue=1, parentLayerParameterName=self.PAN,
            # optional: qgis_process 3.22 ignores the default of a mandatory band parameter
            optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterBand(
            self.MS_BANDS, self.tr("MS bands to sharpen (empty = all)"), defaultValue=None,
            parentLayerParameterName=self.MS, optional=True, allowMultiple=True)))
        self.add_common_advanced_parameters()
        self.addParameter(_advanced(QgsProcessingParameterBoolean(
            self.ADAPT, self.tr("PanAdapter: adapt to the scene before fusing"), defaultValue=False)))
        self.addParameter(_advanced(QgsProcessingParameterNumber(
            self.ADAPT_SECONDS, self.tr("PanAdapter: adaptation time (seconds)"),
            QgsProcessingParameterNumber.Double, defaultValue=120.0, minValue=1.0, maxValue=36000.0)))
        self.addParameter(_advanced(QgsProcessingParameterFile(
            self.WEIGHTS, self.tr("PanAdapter: weights file (.safetensors; empty = bundled model)"),
            behavior=QgsProcessingParameterFile.File, extension="safetensors", optional=True)))
        self.addParameter(_advanced(QgsProcessingParameterFileDestination(
            self.ADAPTED_WEIGHTS, self.tr("PanAdapter: save the adapted model (.safetensors)"),
            fileFilter="Safetensors (*.safetensors)", optional=True, createByDefault=False)))
        self.add_output_parameter("Pansharpened image")

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.engine import FusionRequest

        pan = self.raster_source(parameters, self.PAN, self.HR_LABEL, context)
        ms = self.raster_source(parameters, self.MS, self.LR_LABEL, context)
        output = self.output_file(parameters, context)
        pan_band = self.parameterAsInt(parameters, self.PAN_BAND, context) or 1
        choices = self.common_choices(parameters, context)
        request = FusionRequest(
            task=self.TASK, hr_path=pan, lr_path=ms, output_path=output,
            hr_bands=[pan_band], lr_bands=self.band_list(parameters, self.MS_BANDS, context),
            method_options=self.deep_options(parameters, context) if choices["method"] == "panadapter" else {},
            **choices)
        feedback.pushInfo(self.tr("PAN: {0} (band {1})").format(pan, pan_band))
        feedback.pushInfo(self.tr("MS: {0} (bands {1})").format(
            ms, ", ".join(map(str, request.lr_bands)) if request.lr_bands else self.tr("all")))
        results = self.run_engine(request, feedback)
        saved = request.method_options.get("adapted_weights")
        if saved and os.path.isfile(saved):
            results[self.ADAPTED_WEIGHTS] = saved
        return results

    def deep_options(self, parameters, context) -> dict:
        """PanAdapter's method options (WEIGHTS, ADAPT, ADAPT_SECONDS, ADAPTED_WEIGHTS)."""
        opts = {}
        if self.parameterAsBool(parameters, self.ADAPT, context):
            opts["adapt"] = True
        if parameters.get(self.ADAPT_SECONDS) not in (None, ""):
            opts["adapt_seconds"] = self.parameterAsDouble(parameters, self.ADAPT_SECONDS, context)
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
