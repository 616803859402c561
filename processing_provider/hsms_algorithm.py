"""Processing algorithm ``deeppansharpen:hsmsfusion`` — "HS-MS fusion (LR-HSI + HR-MSI)"."""
from __future__ import annotations

from qgis.core import QgsProcessingParameterBand, QgsProcessingParameterRasterLayer

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
            "<p><b>HSI bands / MSI bands</b> (advanced): bands to use; empty = all.</p>"
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
        self.add_output_parameter("Fused hyperspectral image")

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802 (QGIS API name)
        from ..core.engine import FusionRequest

        hsi = self.raster_source(parameters, self.LR, self.LR_LABEL, context)
        msi = self.raster_source(parameters, self.HR, self.HR_LABEL, context)
        request = FusionRequest(
            task=self.TASK, hr_path=msi, lr_path=hsi, output_path=self.output_file(parameters, context),
            hr_bands=self.band_list(parameters, self.MSI_BANDS, context),
            lr_bands=self.band_list(parameters, self.HSI_BANDS, context),
            **self.common_choices(parameters, context))
        feedback.pushInfo(self.tr("HSI: {0}; MSI: {1}").format(hsi, msi))
        return self.run_engine(request, feedback)
