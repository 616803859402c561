"""Processing algorithm ``deeppansharpen:pansharpen`` — "Pansharpen (PAN + MS)"."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterBand, QgsProcessingParameterRasterLayer

from .base import FusionAlgorithmBase, _advanced


class PansharpenAlgorithm(FusionAlgorithmBase):
    TASK = "pansharpen"
    DEFAULT_METHOD = "mtf_glp_hpm"
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
            **choices)
        feedback.pushInfo(self.tr("PAN: {0} (band {1})").format(pan, pan_band))
        feedback.pushInfo(self.tr("MS: {0} (bands {1})").format(
            ms, ", ".join(map(str, request.lr_bands)) if request.lr_bands else self.tr("all")))
        return self.run_engine(request, feedback)
