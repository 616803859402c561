"""A save-file picker for a text parameter in the Processing dialog.

QGIS 3.22 shows file *destination* parameters among the outputs even when flagged advanced, so an
optional deep-only file (the adapted model) is a text parameter with this widget under Advanced.  Imported
by the Processing dialogs only (through the parameter's metadata), never by qgis_process or the engine.
"""
from processing.gui.wrappers import DIALOG_STANDARD, StringWidgetWrapper, WidgetWrapper
from qgis.core import NULL
from qgis.gui import QgsFileWidget


class SaveFileWidgetWrapper(StringWidgetWrapper):
    """A file widget in save mode in the algorithm dialog; the plain text widgets in batch and modeler."""

    def __init__(self, *args, **kwargs):
        # StringWidgetWrapper.__init__ only adds a deprecation warning for direct use; its widgets are reused
        WidgetWrapper.__init__(self, *args, **kwargs)

    def createWidget(self, file_filter="", **_kwargs):  # noqa: N802 (QGIS API name)
        if self.dialogType != DIALOG_STANDARD:
            return super().createWidget()
        widget = QgsFileWidget()
        widget.setStorageMode(QgsFileWidget.SaveFile)
        widget.setFilter(file_filter)
        widget.setConfirmOverwrite(True)
        widget.setToolTip(self.parameterDefinition().toolTip())
        return widget

    def setValue(self, value):  # noqa: N802 (QGIS API name)
        if self.dialogType != DIALOG_STANDARD:
            return super().setValue(value)
        if value is None or value == NULL:
            return None
        self.widget.setFilePath(str(value))
        return None

    def value(self):
        if self.dialogType != DIALOG_STANDARD:
            return super().value()
        return self.widget.filePath()
