"""Processing algorithm ``deeppansharpen:pansharpen`` — "Pansharpen (PAN + MS)"."""
from __future__ import annotations

import os

from qgis.core import QgsProcessingParameterBand, QgsProcessingParameterRasterLayer

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
            "<p>Injects the detail of the panchromatic (PAN) image into every band of the coarser "
            "multispectral (MS) image of the same area. The output has the PAN's pixel grid and CRS and the "
            "MS bands. The MS pixel size must be a whole multiple (2, 3, 4 ...) of the PAN's.</p>"
            "<p>Auto (default) tries the classical methods on a reduced copy of the scene and uses the best; "
            "MTF-GLP-HPM keeps colours faithful; GSA and BDSD-PC give crisper detail. PanAdapter "
            "(deep learning, needs torch and timm) can adapt itself to the scene (Advanced).</p>"
        ) + self.method_help() + self.output_type_help() + self.reference_help()

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
        self.add_deep_parameters("PanAdapter, PanAdapter v2", steps=True)
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
            method_options=self.deep_options_for(choices["method"], parameters, context),
            **choices)
        feedback.pushInfo(self.tr("PAN: {0} (band {1})").format(pan, pan_band))
        feedback.pushInfo(self.tr("MS: {0} (bands {1})").format(
            ms, ", ".join(map(str, request.lr_bands)) if request.lr_bands else self.tr("all")))
        results = self.run_engine(request, feedback)
        saved = request.method_options.get("adapted_weights")
        if saved and os.path.isfile(saved):
            results[self.ADAPTED_WEIGHTS] = saved
        return results
