"""Processing algorithm ``deeppansharpen:hsmsfusion`` — "HS-MS fusion (LR-HSI + HR-MSI)"."""
from __future__ import annotations

import os

from qgis.core import QgsProcessingParameterBand, QgsProcessingParameterRasterLayer

from ..core.methods.registry import INFN_MOVED_BASES
from .base import FusionAlgorithmBase, _advanced, choice_parameter


class HsmsFusionAlgorithm(FusionAlgorithmBase):
    TASK = "hsms"
    DEFAULT_METHOD = "mtf_glp_hs"
    HR = "MSI"
    LR = "HSI"
    HR_LABEL = "high-resolution multispectral (HR-MSI)"
    LR_LABEL = "low-resolution hyperspectral (LR-HSI)"
    MSI_BANDS = "MSI_BANDS"
    HSI_BANDS = "HSI_BANDS"
    BASE = "BASE"
    # INFN's classical base on a sensor pair its model was not trained for: the blend by default (best quality),
    # a single method to save the blend's time on 200+ band scenes
    BASES = ("automatic", *INFN_MOVED_BASES)

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
            "<p>Injects the spatial detail of a high-resolution multispectral image (HR-MSI, e.g. Sentinel-2 "
            "10 m) into every band of a coarser hyperspectral image (LR-HSI, e.g. EnMAP 30 m) of the same "
            "area. The output has the MSI's grid and the HSI's bands with their wavelengths; bad bands are "
            "written as nodata.</p>"
            "<p>MTF-GLP-HS (default) is classical and fast. INFN (deep learning, needs torch) adapts itself "
            "to your sensor pair on the scene (Advanced).</p>"
        ) + self.method_help() + self.output_type_help() + self.reference_help()

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
        base = choice_parameter(self.BASE, self.tr("INFN: classical result the network refines (id)"),
                                list(self.BASES), self.BASES[0])
        base.setHelp(self.tr(
            "On a sensor pair its model was not trained for, INFN adds its correction to a classical result: "
            "'automatic' takes the blend of four classical methods (hs_blend: best quality, but it runs all four, "
            "about twice the time on 200+ band scenes); a single method is faster. A bundled model accepts only "
            "the bases it was trained with. Give the id, e.g. BASE=ls_detail."))
        self.addParameter(_advanced(base))
        self.add_deep_parameters("INFN", steps=True)          # last: the deep block ends the advanced part
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
            method_options=self.infn_options(choices["method"], parameters, context),
            **choices)
        feedback.pushInfo(self.tr("HSI: {0}; MSI: {1}").format(hsi, msi))
        results = self.run_engine(request, feedback)
        saved = request.method_options.get("adapted_weights")
        if saved and os.path.isfile(saved):
            results[self.ADAPTED_WEIGHTS] = saved
        return results

    def infn_options(self, method: str, parameters, context) -> dict:
        """deep_options_for() plus BASE (INFN's option ``base``) where one is chosen."""
        opts = self.deep_options_for(method, parameters, context)
        if method == "infn" and parameters.get(self.BASE) not in (None, ""):
            base = self.choice(parameters, self.BASE, context)
            if base != self.BASES[0]:
                opts["base"] = base
        return opts
