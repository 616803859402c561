"""The "Deep Pansharpen" Processing provider (id ``deeppansharpen``)."""
from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..core.version import plugin_version
from .base import ICON_PATH, tr
from .batch_algorithm import BatchAlgorithm
from .hsms_algorithm import HsmsFusionAlgorithm
from .pansharpen_algorithm import PansharpenAlgorithm
from .quality_algorithms import AssessAlgorithm, CompareAlgorithm, DegradeAlgorithm, HsmsCompareAlgorithm


class DeepPansharpenProvider(QgsProcessingProvider):

    def id(self) -> str:
        return "deeppansharpen"

    def name(self) -> str:
        return tr("Deep Pansharpen")

    def longName(self) -> str:  # noqa: N802 (QGIS API name)
        return tr("Deep Pansharpen {0}").format(plugin_version())

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def svgIconPath(self) -> str:  # noqa: N802 (QGIS API name)
        return ICON_PATH

    def loadAlgorithms(self):  # noqa: N802 (QGIS API name)
        for alg in (PansharpenAlgorithm(), HsmsFusionAlgorithm(), DegradeAlgorithm(), AssessAlgorithm(),
                    CompareAlgorithm(), HsmsCompareAlgorithm(), BatchAlgorithm()):
            self.addAlgorithm(alg)

    # The engine writes GeoTIFF only.
    def defaultRasterFileExtension(self) -> str:  # noqa: N802 (QGIS API name)
        return "tif"

    def supportedOutputRasterLayerExtensions(self):  # noqa: N802 (QGIS API name)
        return ["tif", "tiff"]

    def supportsNonFileBasedOutput(self) -> bool:  # noqa: N802 (QGIS API name)
        return False
