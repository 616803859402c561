"""The widgets of the Deep Pansharpen dock, laid out in Python (no generated files).  Behaviour lives in
:mod:`.dock`; this module only builds the form and reads / writes its values."""
from __future__ import annotations

from typing import Optional

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
    QVBoxLayout,
    QWidget,
)

from ..core.sensors import SENSORS
from ..processing_provider.base import COMPRESSION_CHOICES, DEVICES, OUTPUT_TYPES

# Raster providers that are not local files: the engine reads through GDAL only.
EXCLUDED_PROVIDERS = ["wms", "wcs", "arcgismapserver", "postgresraster", "virtualraster", "mdal"]

TASKS = {
    "pansharpen": dict(
        label="Pansharpening (PAN + MS)", algorithm="deeppansharpen:pansharpen",
        hr="PAN", lr="MS", hr_bands="PAN_BAND", lr_bands="MS_BANDS",
        hr_text="PAN (high res.)", lr_text="MS (low res.)",
        hr_bands_text="PAN band", lr_bands_text="MS bands"),
    "hsms": dict(
        label="HS-MS fusion (LR-HSI + HR-MSI)", algorithm="deeppansharpen:hsmsfusion",
        hr="MSI", lr="HSI", hr_bands="MSI_BANDS", lr_bands="HSI_BANDS",
        hr_text="HR-MSI (high res.)", lr_text="LR-HSI (low res.)",
        hr_bands_text="MSI bands", lr_bands_text="HSI bands"),
}
DEVICE_LABELS = {"auto": "Automatic (GPU if available)", "cpu": "CPU", "cuda": "CUDA GPU"}


def _raster_combo() -> QgsMapLayerComboBox:
    combo = QgsMapLayerComboBox()
    combo.setFilters(QgsMapLayerProxyModel.RasterLayer)
    combo.setExcludedProviders(EXCLUDED_PROVIDERS)
    combo.setAllowEmptyLayer(True)
    combo.setShowCrs(True)
    combo.setLayer(None)
    return combo


class DockForm(QWidget):
    def __init__(self, parent: Optional[QWidget] = None):
        super().__init__(parent)
        self.setObjectName("DeepPansharpenForm")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.task_combo = QComboBox()
        for key, spec in TASKS.items():
            self.task_combo.addItem(spec["label"], key)
        layout.addWidget(self.task_combo)

        inputs = QGroupBox("Inputs")
        form = QFormLayout(inputs)
        form.setRowWrapPolicy(QFormLayout.WrapLongRows)      # labels go above the fields in a narrow dock
        self.hr_label, self.lr_label = QLabel(), QLabel()
        self.hr_layer = _raster_combo()
        self.hr_band = QgsRasterBandComboBox()
        self.hr_bands = QgsCheckableComboBox()
        self.hr_bands.setDefaultText("all bands")
        self.lr_layer = _raster_combo()
        self.lr_bands = QgsCheckableComboBox()
        self.lr_bands.setDefaultText("all bands")
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

        method_box = QGroupBox("Method")
        mform = QFormLayout(method_box)
        mform.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.method_combo = QComboBox()
        mform.addRow("Method", self.method_combo)
        self.method_info = QLabel()
        self.method_info.setWordWrap(True)
        self.method_info.setTextFormat(Qt.PlainText)
        self.method_info.setStyleSheet("font-style: italic;")
        mform.addRow(self.method_info)
        self.sensor_combo = QComboBox()
        for key, preset in SENSORS.items():
            self.sensor_combo.addItem(preset.label, key)
        mform.addRow("Sensor preset", self.sensor_combo)
        self.device_combo = QComboBox()
        for key, _label in DEVICES:
            self.device_combo.addItem(DEVICE_LABELS.get(key, key), key)
        mform.addRow("Device", self.device_combo)
        self.adapt_check = QCheckBox("Scene adaptation")
        self.adapt_seconds = QSpinBox()
        self.adapt_seconds.setRange(10, 3600)
        self.adapt_seconds.setSuffix(" s")
        self.adapt_seconds.setToolTip("Time budget for adapting the model to this scene")
        mform.addRow(self.adapt_check)
        mform.addRow("Adaptation budget", self.adapt_seconds)
        self.deps_frame = QFrame()
        self.deps_frame.setFrameShape(QFrame.StyledPanel)
        deps_box = QVBoxLayout(self.deps_frame)
        self.deps_label = QLabel()
        self.deps_label.setWordWrap(True)
        self.deps_label.setTextFormat(Qt.PlainText)
        self.install_button = QPushButton("Install dependencies…")
        deps_box.addWidget(self.deps_label)
        deps_box.addWidget(self.install_button, 0, Qt.AlignRight)
        self.deps_frame.setVisible(False)
        mform.addRow(self.deps_frame)
        layout.addWidget(method_box)

        self.advanced = QgsCollapsibleGroupBox("Advanced")
        aform = QFormLayout(self.advanced)
        aform.setRowWrapPolicy(QFormLayout.WrapLongRows)
        self.tile_size = QSpinBox()
        self.tile_size.setRange(64, 16384)
        self.tile_size.setSingleStep(256)
        self.tile_size.setSuffix(" px")
        aform.addRow("Tile size", self.tile_size)
        self.overlap = QSpinBox()
        self.overlap.setRange(0, 1024)
        self.overlap.setSuffix(" px")
        aform.addRow("Tile overlap", self.overlap)
        self.output_type = QComboBox()
        for _value, label in OUTPUT_TYPES:
            self.output_type.addItem(label)
        aform.addRow("Output data type", self.output_type)
        self.cog_check = QCheckBox("Cloud Optimized GeoTIFF")
        aform.addRow(self.cog_check)
        self.compression = QComboBox()
        for _value, label in COMPRESSION_CHOICES:
            self.compression.addItem(label)
        self.compression.setToolTip("DEFLATE: small files every GIS reads. ZSTD or none: faster (for many-band "
                                    "outputs compression is a large share of the run time), larger files.")
        aform.addRow("Output compression", self.compression)
        layout.addWidget(self.advanced)

        out_form = QFormLayout()
        self.output_file = QgsFileWidget()
        self.output_file.setStorageMode(QgsFileWidget.SaveFile)
        self.output_file.setFilter("GeoTIFF (*.tif *.tiff)")
        self.output_file.setConfirmOverwrite(True)
        self.output_file.lineEdit().setPlaceholderText("[Save to temporary file]")
        out_form.addRow("Output", self.output_file)
        layout.addLayout(out_form)

        buttons = QHBoxLayout()
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Run on the current map view only")
        self.run_button = QPushButton("Run")
        self.run_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        for b in (self.preview_button, self.run_button, self.cancel_button):
            buttons.addWidget(b)
        layout.addLayout(buttons)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        layout.addWidget(self.progress)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.PlainText)
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)   # long paths must not widen the dock
        layout.addWidget(self.status)

        check_box = QGroupBox("Input check")
        cl = QVBoxLayout(check_box)
        self.doctor_view = QTextBrowser()
        self.doctor_view.setOpenLinks(False)
        self.doctor_view.setMinimumHeight(90)
        self.doctor_view.setMaximumHeight(220)
        cl.addWidget(self.doctor_view)
        self.check_button = QPushButton("Check inputs")
        cl.addWidget(self.check_button, 0, Qt.AlignRight)
        layout.addWidget(check_box)

        layout.addStretch(1)
        # Long layer names and labels must not widen the dock: combos shrink and elide instead.
        for combo in self.findChildren(QComboBox):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(8)

    # --- values ------------------------------------------------------------------------------------
    def task(self) -> str:
        return self.task_combo.currentData()

    def method(self) -> Optional[str]:
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

    def lr_band_list(self) -> Optional[list[int]]:
        bands = [int(b) for b in self.lr_bands.checkedItemsData()]
        return sorted(bands) or None

    def hr_band_list(self) -> Optional[list[int]]:
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
