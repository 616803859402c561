"""The plugin object QGIS creates through ``classFactory``."""
from __future__ import annotations

import os

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication

PLUGIN_DIR = os.path.dirname(os.path.abspath(__file__))
MENU = "Deep Pansharpen"


def add_dependency_folder() -> None:
    """Make the deep-learning packages installed by the plugin importable (desktop and qgis_process)."""
    from .core.dependencies import add_to_sys_path, deps_dir

    add_to_sys_path(deps_dir(QgsApplication.qgisSettingsDirPath()))


class DeepPansharpenPlugin:
    """Registers the Processing provider; in QGIS Desktop also the "Deep Pansharpen" dock with its toolbar
    button and Raster-menu entries."""

    def __init__(self, iface=None):
        self.iface = iface          # QgisInterface in QGIS Desktop, None under qgis_process
        self.provider = None
        self.dock = None
        self.installer = None
        self.actions = []
        add_dependency_folder()
        from .ui.i18n import install_translator
        self.translator = install_translator(PLUGIN_DIR)     # the user's QGIS language, when shipped

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
        from .ui.settings import dock_was_open
        if self.iface is not None and dock_was_open():      # open when QGIS was last closed
            self.show_dock()

    def _init_dock(self):
        """The toolbar button and Raster > Deep Pansharpen menu; the dock itself is built on first use."""
        if self.iface is None:
            return
        from qgis.PyQt.QtGui import QIcon
        from qgis.PyQt.QtWidgets import QAction

        from .ui.i18n import tr

        icon = QIcon(os.path.join(PLUGIN_DIR, "resources", "icon.svg"))
        main = self.iface.mainWindow()
        self.dock_action = QAction(icon, tr("Deep Pansharpen"), main)
        self.dock_action.setObjectName("DeepPansharpenShowDock")
        self.dock_action.setToolTip(tr("Deep Pansharpen: pansharpening and HS-MS fusion"))
        self.dock_action.setCheckable(True)
        self.dock_action.triggered.connect(self.toggle_dock)
        self.install_action = QAction(tr("Install deep-learning dependencies…"), main)
        self.install_action.setObjectName("DeepPansharpenInstallDependencies")
        self.install_action.triggered.connect(self.show_installer)
        self.iface.addToolBarIcon(self.dock_action)
        self.iface.addPluginToRasterMenu(MENU, self.dock_action)
        self.iface.addPluginToRasterMenu(MENU, self.install_action)
        self.actions = [self.dock_action, self.install_action]

    def show_dock(self):
        if self.dock is None:
            from qgis.PyQt.QtCore import Qt

            from .ui.dock import DeepPansharpenDock

            self.dock = DeepPansharpenDock(self.iface, self.iface.mainWindow())
            self.dock.visibilityChanged.connect(self.dock_action.setChecked)
            self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
        self.dock.show()
        self.dock.raise_()
        return self.dock

    def toggle_dock(self, checked=True):
        if checked or self.dock is None:
            self.show_dock()
        else:
            self.dock.hide()

    def show_installer(self):
        from .ui.dependency_dialog import DependencyDialog

        if self.installer is None:
            self.installer = DependencyDialog(self.iface.mainWindow())
        self.installer.show()
        self.installer.raise_()

    def _unload_dock(self):
        if self.installer is not None:
            self.installer.close()           # cancels a running pip
            self.installer.deleteLater()
            self.installer = None
        if self.dock is not None:
            self.dock.shutdown()
            if self.iface is not None:
                self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.iface is not None:
            for action in self.actions:
                self.iface.removePluginRasterMenu(MENU, action)
                self.iface.removeToolBarIcon(action)
                action.deleteLater()
        self.actions = []

    def unload(self):
        self._unload_dock()
        if self.provider is not None:
            # The registry owns (and deletes) the provider.
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
