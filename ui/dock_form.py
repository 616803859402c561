"""The widgets of the Deep Pansharpen dock, laid out in Python (no generated files).  Behaviour lives in
:mod:`.dock`; this module only builds the form and reads / writes its values."""
from __future__ import annotations

from qgis.core import QgsMapLayerProxyModel, QgsProcessing
from qgis.gui import (
    QgsCheckableComboBox,
    QgsCollapsibleGroupBox,
    QgsFileWidget,
    QgsMapLayerComboBox,
    QgsRasterBandComboBox,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.sensors import SENSORS
from ..processing_provider.base import COMPRESSION_CHOICES, DEVICES, OUTPUT_TYPES
from .i18n import tr, tr_noop

# Raster providers that are not local files: the engine reads through GDAL only.
EXCLUDED_PROVIDERS = ["wms", "wcs", "arcgismapserver", "postgresraster", "virtualraster", "mdal"]

TASKS = {
    "pansharpen": dict(
        label=tr_noop("Pansharpening (PAN + MS)"), algorithm="deeppansharpen:pansharpen",
        hr="PAN", lr="MS", hr_bands="PAN_BAND", lr_bands="MS_BANDS",
        hr_text=tr_noop("PAN (high res.)"), lr_text=tr_noop("MS (low res.)"),
        hr_bands_text=tr_noop("PAN band"), lr_bands_text=tr_noop("MS bands")),
    "hsms": dict(
        label=tr_noop("HS-MS fusion (LR-HSI + HR-MSI)"), algorithm="deeppansharpen:hsmsfusion",
        hr="MSI", lr="HSI", hr_bands="MSI_BANDS", lr_bands="HSI_BANDS",
        hr_text=tr_noop("HR-MSI (high res.)"), lr_text=tr_noop("LR-HSI (low res.)"),
        hr_bands_text=tr_noop("MSI bands"), lr_bands_text=tr_noop("HSI bands")),
}
DEVICE_LABELS = {"auto": tr_noop("Automatic (GPU if available)"), "cpu": tr_noop("CPU"), "cuda": tr_noop("CUDA GPU")}


def _raster_combo() -> QgsMapLayerComboBox:
    combo = QgsMapLayerComboBox()
    combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
    combo.setExcludedProviders(EXCLUDED_PROVIDERS)
    combo.setAllowEmptyLayer(True)
    combo.setShowCrs(True)
    combo.setLayer(None)
    return combo


def _note_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.PlainText)
    label.setStyleSheet("font-style: italic;")
    label.setVisible(False)
    return label


class DockForm(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("DeepPansharpenForm")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.task_combo = QComboBox()
        for key, spec in TASKS.items():
            self.task_combo.addItem(tr(spec["label"]), key)
        layout.addWidget(self.task_combo)

        inputs = QGroupBox(tr("Inputs"))
        form = QFormLayout(inputs)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)      # labels go above the fields in a narrow dock
        self.hr_label, self.lr_label = QLabel(), QLabel()
        self.hr_layer = _raster_combo()
        self.hr_band = QgsRasterBandComboBox()
        self.hr_bands = QgsCheckableComboBox()
        self.hr_bands.setDefaultText(tr("all bands"))
        self.lr_layer = _raster_combo()
        self.lr_bands = QgsCheckableComboBox()
        self.lr_bands.setDefaultText(tr("all bands"))
        self.hr_bands_label, self.lr_bands_label = QLabel(), QLabel()
        form.addRow(self.hr_label, self.hr_layer)
        hr_band_field = QWidget()          # holds the single (PAN) or multiple (HR-MSI) band chooser
        hr_band_row = QHBoxLayout(hr_band_field)
        hr_band_row.setContentsMargins(0, 0, 0, 0)
        hr_band_row.addWidget(self.hr_band)
        hr_band_row.addWidget(self.hr_bands)
        form.addRow(self.hr_bands_label, hr_band_field)
        form.addRow(self.lr_label, self.lr_layer)
        form.addRow(self.lr_bands_label, self.lr_bands)
        layout.addWidget(inputs)

        method_box = QGroupBox(tr("Method"))
        mform = QFormLayout(method_box)
        mform.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.method_combo = QComboBox()
        mform.addRow(tr("Method"), self.method_combo)
        self.method_info = QLabel()
        self.method_info.setWordWrap(True)
        self.method_info.setTextFormat(Qt.PlainText)
        self.method_info.setStyleSheet("font-style: italic;")
        mform.addRow(self.method_info)
        self.sensor_combo = QComboBox()
        for key, preset in SENSORS.items():
            self.sensor_combo.addItem(tr(preset.label), key)
        mform.addRow(tr("Sensor preset"), self.sensor_combo)
        self.sensor_note = _note_label()           # "guessed from ..." when the dock chose the preset
        mform.addRow(self.sensor_note)
        self.device_combo = QComboBox()
        for key, _label in DEVICES:
            self.device_combo.addItem(tr(DEVICE_LABELS.get(key, key)), key)
        mform.addRow(tr("Device"), self.device_combo)
        self.adapt_check = QCheckBox(tr("Scene adaptation"))
        self.adapt_seconds = QSpinBox()
        self.adapt_seconds.setRange(10, 3600)
        self.adapt_seconds.setSuffix(" s")
        self.adapt_seconds.setToolTip(tr("Time budget for adapting the model to this scene"))
        mform.addRow(self.adapt_check)
        mform.addRow(tr("Adaptation budget"), self.adapt_seconds)
        self.deps_frame = QFrame()
        self.deps_frame.setFrameShape(QFrame.StyledPanel)
        deps_box = QVBoxLayout(self.deps_frame)
        self.deps_label = QLabel()
        self.deps_label.setWordWrap(True)
        self.deps_label.setTextFormat(Qt.PlainText)
        self.install_button = QPushButton(tr("Install dependencies…"))
        deps_box.addWidget(self.deps_label)
        deps_box.addWidget(self.install_button, 0, Qt.AlignRight)
        self.deps_frame.setVisible(False)
        mform.addRow(self.deps_frame)
        layout.addWidget(method_box)

        self.advanced = QgsCollapsibleGroupBox(tr("Advanced"))
        aform = QFormLayout(self.advanced)
        aform.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.tile_size = QSpinBox()
        self.tile_size.setRange(64, 16384)
        self.tile_size.setSingleStep(256)
        self.tile_size.setSuffix(" px")
        aform.addRow(tr("Tile size"), self.tile_size)
        self.overlap = QSpinBox()
        self.overlap.setRange(0, 1024)
        self.overlap.setSuffix(" px")
        aform.addRow(tr("Tile overlap"), self.overlap)
        self.output_type = QComboBox()
        for _value, label in OUTPUT_TYPES:
            self.output_type.addItem(tr(label))
        aform.addRow(tr("Output data type"), self.output_type)
        self.cog_check = QCheckBox(tr("Cloud Optimized GeoTIFF"))
        aform.addRow(self.cog_check)
        self.compression = QComboBox()
        for _value, label in COMPRESSION_CHOICES:
            self.compression.addItem(tr(label))
        self.compression.setToolTip(tr("DEFLATE: small files every GIS reads. ZSTD or none: faster (for many-band "
                                       "outputs compression is a large share of the run time), larger files."))
        aform.addRow(tr("Output compression"), self.compression)
        layout.addWidget(self.advanced)

        out_form = QFormLayout()
        self.output_file = QgsFileWidget()
        self.output_file.setStorageMode(QgsFileWidget.SaveFile)
        self.output_file.setFilter(tr("GeoTIFF (*.tif *.tiff)"))
        self.output_file.setConfirmOverwrite(True)
        self.output_file.lineEdit().setPlaceholderText(tr("[Temporary file, deleted when QGIS closes]"))
        out_form.addRow(tr("Output"), self.output_file)
        layout.addLayout(out_form)

        layout.addStretch(1)

        # The input check's verdict, one line right above Run (where the user looks before pressing it);
        # "Details" expands the full list of findings in place.  The dock pins this panel under the
        # scrolling form (``action_panel``), so it is on screen whatever the dock's height.
        self.action_panel = QWidget()
        self.action_panel.setObjectName("DeepPansharpenActions")
        actions = QVBoxLayout(self.action_panel)
        actions.setContentsMargins(6, 4, 6, 6)
        verdict_row = QHBoxLayout()
        verdict_row.setContentsMargins(0, 0, 0, 0)
        self.verdict = QLabel()
        self.verdict.setObjectName("DeepPansharpenVerdict")
        self.verdict.setTextFormat(Qt.RichText)
        self.verdict.setWordWrap(True)        # one line when it fits; a long first problem takes two
        self.verdict.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)   # never widens the dock
        self.details_button = QToolButton()
        self.details_button.setText(tr("Details"))
        self.details_button.setCheckable(True)
        self.details_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.details_button.setArrowType(Qt.RightArrow)
        self.details_button.setAutoRaise(True)
        self.details_button.setToolTip(tr("Show every finding of the input check"))
        verdict_row.addWidget(self.verdict, 1)
        verdict_row.addWidget(self.details_button)
        actions.addLayout(verdict_row)
        self.check_details = QFrame()
        self.check_details.setObjectName("DeepPansharpenCheckDetails")
        cl = QVBoxLayout(self.check_details)
        cl.setContentsMargins(0, 0, 0, 0)
        self.doctor_view = QTextBrowser()
        self.doctor_view.setOpenLinks(False)
        self.doctor_view.setMinimumHeight(90)
        self.doctor_view.setMaximumHeight(220)
        cl.addWidget(self.doctor_view)
        self.check_button = QPushButton(tr("Check inputs"))
        cl.addWidget(self.check_button, 0, Qt.AlignRight)
        self.check_details.setVisible(False)
        actions.addWidget(self.check_details)
        self.details_button.toggled.connect(self._toggle_details)

        buttons = QHBoxLayout()
        self.preview_button = QPushButton(tr("Preview"))
        self.preview_button.setToolTip(tr("Run on the current map view only"))
        self.run_button = QPushButton(tr("Run"))
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setEnabled(False)
        for b in (self.preview_button, self.run_button, self.cancel_button):
            buttons.addWidget(b)
        actions.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        actions.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)   # long paths must not widen the dock
        actions.addWidget(self.status)

        # Long layer names and labels must not widen the dock: combos shrink and elide instead.
        for combo in self.findChildren(QComboBox) + self.action_panel.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

    def _toggle_details(self, shown: bool) -> None:
        self.check_details.setVisible(shown)
        self.details_button.setArrowType(Qt.DownArrow if shown else Qt.RightArrow)

    # --- values ------------------------------------------------------------------------------------
    def task(self) -> str:
        return self.task_combo.currentData()

    def method(self) -> str | None:
        return self.method_combo.currentData()

    def sensor(self) -> str:
        return self.sensor_combo.currentData()

    def device(self) -> str:
        return self.device_combo.currentData()

    def output_path(self) -> str:
        return self.output_file.filePath().strip()

    def output_parameter(self) -> str:
        path = self.output_path()
        return path if path else QgsProcessing.TEMPORARY_OUTPUT

    def lr_band_list(self) -> list[int] | None:
        bands = [int(b) for b in self.lr_bands.checkedItemsData()]
        return sorted(bands) or None

    def hr_band_list(self) -> list[int] | None:
        if self.task() == "pansharpen":
            band = self.hr_band.currentBand()
            return [band] if band > 0 else None
        return sorted(int(b) for b in self.hr_bands.checkedItemsData()) or None

    @staticmethod
    def select_data(combo: QComboBox, value) -> bool:
        i = combo.findData(value)
        if i >= 0:
            combo.setCurrentIndex(i)
        return i >= 0

    @staticmethod
    def fill_bands(combo: QgsCheckableComboBox, layer) -> None:
        combo.clear()
        if layer is None:
            return
        for b in range(1, layer.bandCount() + 1):
            combo.addItemWithCheckState(layer.bandName(b), Qt.Unchecked, b)
