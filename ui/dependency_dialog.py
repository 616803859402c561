"""The "Install deep-learning dependencies" dialog: pip's log live, Cancel, and an import check at the end."""
from __future__ import annotations

import html
from collections.abc import Sequence

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.gui import QgsFileWidget
from qgis.PyQt.QtCore import QObject, Qt, pyqtSignal
from qgis.PyQt.QtGui import QFontDatabase
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)

from ..core import dependencies as deps
from .background import BackgroundCall
from .i18n import tr

LOG_TAG = "Deep Pansharpen"


def plugin_deps_dir() -> str:
    """<QGIS profile>/python/deep_pansharpen_deps/pyX.Y"""
    return deps.deps_dir(QgsApplication.qgisSettingsDirPath())


class _LineRelay(QObject):
    line = pyqtSignal(str)


class DependencyDialog(QDialog):
    """Installs ``requirements`` into the plugin's folder; emits ``installed(ProbeResult)`` on success."""

    installed = pyqtSignal(object)

    def __init__(self, parent=None, target: str | None = None, requirements: str = deps.REQUIREMENTS_FILE,
                 modules: Sequence[str] = deps.REQUIRED_MODULES):
        super().__init__(parent)
        self.setWindowTitle(tr("Deep Pansharpen — deep-learning dependencies"))
        self.setObjectName("DeepPansharpenDependencyDialog")
        self.target = target or plugin_deps_dir()
        self.requirements = requirements
        self.modules = tuple(modules)
        self.installer: deps.Installer | None = None
        self.result: deps.InstallResult | None = None
        self._call: BackgroundCall | None = None
        self._relay = _LineRelay(self)
        self._relay.line.connect(self._append)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        try:
            reqs = ", ".join(deps.read_requirements(self.requirements))
        except OSError:
            reqs = tr("(requirements.txt missing)")
        intro = QLabel(
            html.escape(tr("The deep-learning methods need PyTorch and timm. They are installed with pip into a "
                           "folder of this QGIS profile, not into QGIS's own Python, and the packages QGIS ships "
                           "(numpy, GDAL, PyQt) are never replaced."))
            + f"<br><b>{html.escape(tr('Packages:'))}</b> {html.escape(reqs)}"
            f"<br><b>{html.escape(tr('Folder:'))}</b> {html.escape(self.target)}")
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(intro)
        form = QFormLayout()
        self.build_combo = QComboBox()
        self.build_combo.addItem(tr("CPU only (about 200 MB download)"), "cpu")
        self.build_combo.addItem(tr("Default PyPI build (includes CUDA on Linux, several GB)"), "default")
        form.addRow(tr("PyTorch build"), self.build_combo)
        self.wheels_widget = QgsFileWidget()
        self.wheels_widget.setStorageMode(QgsFileWidget.GetDirectory)
        self.wheels_widget.lineEdit().setPlaceholderText(tr("optional: a folder of downloaded wheels"))
        form.addRow(tr("Wheel folder"), self.wheels_widget)
        self.offline_check = QCheckBox(tr("Offline: use only the wheel folder"))
        form.addRow("", self.offline_check)
        layout.addLayout(form)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.log.setMinimumSize(640, 260)
        layout.addWidget(self.log)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.install_button = QPushButton(tr("Install"))
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton(tr("Close"))
        buttons.addStretch(1)
        for b in (self.install_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.install_button.clicked.connect(self.start_install)
        self.cancel_button.clicked.connect(self.cancel_install)
        self.close_button.clicked.connect(self.close)

    def options(self) -> deps.InstallOptions:
        folder = self.wheels_widget.filePath().strip() or None
        return deps.InstallOptions(torch_build=self.build_combo.currentData(), find_links=folder,
                                   no_index=bool(folder) and self.offline_check.isChecked())

    def is_running(self) -> bool:
        return self._call is not None and self._call.is_running()

    def start_install(self) -> None:
        if self.is_running():
            return
        self.log.clear()
        self.status.setText(tr("Installing… QGIS stays usable; this can take several minutes."))
        self.installer = deps.Installer(self.target, self.requirements, self.modules, self.options(),
                                        on_line=self._relay.line.emit)
        self._call = BackgroundCall(self.installer.run, self)
        self._call.done.connect(self._finished)
        self._call.failed.connect(lambda text: self._finished(deps.InstallResult(False, text, self.target)))
        self.install_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self._call.start()

    def cancel_install(self) -> None:
        if self.installer is not None:
            self.installer.cancel()
            self.status.setText(tr("Cancelling…"))

    def _append(self, line: str) -> None:
        self.log.appendPlainText(line)

    def _finished(self, result: deps.InstallResult) -> None:
        self.result = result
        self.install_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText(result.message)
        level = Qgis.Success if result.ok else Qgis.Info if result.cancelled else Qgis.Critical
        QgsMessageLog.logMessage(result.message, LOG_TAG, level)
        if result.ok:
            deps.add_to_sys_path(result.target)
            self.installed.emit(result.probe)

    def closeEvent(self, event):  # noqa: N802 (Qt API name)
        if self.is_running():
            self.cancel_install()
        super().closeEvent(event)
