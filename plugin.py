"""The plugin object QGIS creates through ``classFactory``."""
from __future__ import annotations

from qgis.core import QgsApplication


class DeepPansharpenPlugin:
    """Registers the Processing provider; the dock widget will hook in at :meth:`_init_dock`."""

    def __init__(self, iface=None):
        self.iface = iface          # QgisInterface in QGIS Desktop, None under qgis_process
        self.provider = None
        self.dock = None

    # --- Processing ------------------------------------------------------------------------------
    def initProcessing(self):  # noqa: N802 (QGIS API name)
        """Add the "Deep Pansharpen" provider to the Processing registry (called by qgis_process too)."""
        if self.provider is not None:
            return
        from .processing_provider.provider import DeepPansharpenProvider

        provider = DeepPansharpenProvider()
        if QgsApplication.processingRegistry().addProvider(provider):
            self.provider = provider

    # --- GUI -------------------------------------------------------------------------------------
    def initGui(self):  # noqa: N802 (QGIS API name)
        self.initProcessing()
        self._init_dock()

    def _init_dock(self):
        """Hook for the dock widget (a later issue): create it here from ``self.iface``, add a
        Raster-menu / toolbar action, and remove both again in :meth:`_unload_dock`."""
        if self.iface is None:
            return

    def _unload_dock(self):
        if self.dock is not None:
            if self.iface is not None:
                self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None

    def unload(self):
        self._unload_dock()
        if self.provider is not None:
            # The registry owns (and deletes) the provider.
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
