"""The "Deep Pansharpen" dock: pick inputs and a method, check the inputs, run (or preview) the same
Processing algorithm as the toolbox in the background, and add the result to the map."""
from __future__ import annotations

import functools
import os
import traceback
import uuid

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsMessageLog,
    QgsProcessing,
    QgsProcessingUtils,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from ..core import dependencies as deps
from ..core.doctor import DoctorReport, DoctorRequest, check_inputs
from ..core.sensor_guess import guess_sensor
from ..processing_provider.base import COMPRESSION_CHOICES, OUTPUT_TYPES, output_dtype
from .background import BackgroundCall
from .dependency_dialog import DependencyDialog, plugin_deps_dir
from .dock_form import TASKS, DockForm
from .doctor_panel import add_output_problem, add_provider_problems, report_html, verdict_html
from .fusion_task import LOG_TAG, FusionRun
from .i18n import tr, tr_marked
from .method_catalog import MethodInfo, methods_for
from .preview_clip import PreviewError, clip_to_view
from .result_layer import add_result_layer, result_layer_name
from .settings import DockSettings, remember_dock_open

DOCTOR_DELAY_MS = 400

# The dependency probe imports torch in a subprocess (seconds): done once per QGIS session and shared.
_probe_cache: dict = {}


def probe_dependencies() -> deps.ProbeResult:
    return deps.probe(deps.REQUIRED_MODULES, extra_paths=[plugin_deps_dir()])


def guarded(fn):
    """Slots never raise into Qt (QGIS would show a traceback dialog): errors go to the message bar and log."""
    @functools.wraps(fn)
    def wrapper(self, *_args):
        try:
            return fn(self)
        except Exception as exc:  # noqa: BLE001 - reported to the user
            self.report_error(f"{type(exc).__name__}: {exc}", traceback.format_exc())
    return wrapper


class DeepPansharpenDock(QgsDockWidget):
    run_finished = pyqtSignal(bool)          # for tests and scripts: True when a layer was added

    def __init__(self, iface, parent=None):
        super().__init__(tr("Deep Pansharpen"), parent)
        self.setObjectName("DeepPansharpenDock")
        self.iface = iface
        self.form = DockForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(self.form)
        # The verdict, Run and the progress stay pinned under the scrolling form: always on screen.
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(0)
        body_layout.addWidget(scroll, 1)
        body_layout.addWidget(self.form.action_panel)
        self.setWidget(body)
        self.setMinimumWidth(340)

        self.settings = DockSettings.load()
        self.run: FusionRun | None = None
        self.run_kind = ""                   # "run" or "preview"
        self.run_output = ""
        self.last_layer: QgsRasterLayer | None = None
        self.last_error = ""
        self.last_report: DoctorReport | None = None
        self.preview_layer_id: str | None = None
        self.sensor_chosen_by_user = False   # once the user picks a preset, the dock stops guessing it
        self._methods: dict[str, MethodInfo] = {}
        self._layer_providers: list[tuple[str, str, str]] = []
        self._doctor_calls: list[BackgroundCall] = []
        self._doctor_generation = 0
        self._probe_call: BackgroundCall | None = None
        self._installer_dialog: DependencyDialog | None = None
        self._doctor_timer = QTimer(self)
        self._doctor_timer.setSingleShot(True)
        self._doctor_timer.setInterval(DOCTOR_DELAY_MS)
        self._doctor_timer.timeout.connect(self.check_inputs_later)

        self._apply_settings()
        self._connect()
        self._guess_layers()
        self._update_task_labels()
        self._update_method_panel()

    # --- setup ---------------------------------------------------------------------------------------
    def _apply_settings(self) -> None:
        f, s = self.form, self.settings
        f.select_data(f.task_combo, s.task)
        self._fill_methods()
        f.select_data(f.sensor_combo, s.sensor)
        f.select_data(f.device_combo, s.device)
        f.adapt_check.setChecked(s.adapt)
        f.adapt_seconds.setValue(s.adapt_seconds)
        f.tile_size.setValue(s.tile_size)
        f.overlap.setValue(s.overlap)
        f.output_type.setCurrentIndex(max(0, min(s.output_type, f.output_type.count() - 1)))
        f.cog_check.setChecked(s.cog)
        f.compression.setCurrentIndex(max(0, min(s.compression, f.compression.count() - 1)))
        f.advanced.setCollapsed(s.advanced_collapsed)
        if s.last_output_folder:
            f.output_file.setDefaultRoot(s.last_output_folder)

    def collect_settings(self) -> DockSettings:
        f, s = self.form, self.settings
        s.task = f.task()
        if f.method():
            setattr(s, f"method_{s.task}", f.method())
        s.sensor, s.device = f.sensor(), f.device()
        s.adapt, s.adapt_seconds = f.adapt_check.isChecked(), f.adapt_seconds.value()
        s.tile_size, s.overlap = f.tile_size.value(), f.overlap.value()
        s.output_type, s.cog = f.output_type.currentIndex(), f.cog_check.isChecked()
        s.compression = f.compression.currentIndex()
        s.advanced_collapsed = f.advanced.isCollapsed()
        if f.output_path():
            s.last_output_folder = os.path.dirname(os.path.abspath(f.output_path()))
        return s

    def save_settings(self) -> None:
        self.collect_settings().save()

    def _connect(self) -> None:
        f = self.form
        f.task_combo.currentIndexChanged.connect(self._task_changed)
        f.method_combo.currentIndexChanged.connect(self._method_changed)
        f.hr_layer.layerChanged.connect(self._hr_layer_changed)
        f.lr_layer.layerChanged.connect(self._lr_layer_changed)
        for signal in (f.hr_band.bandChanged, f.hr_bands.checkedItemsChanged, f.lr_bands.checkedItemsChanged,
                       f.sensor_combo.currentIndexChanged, f.device_combo.currentIndexChanged,
                       f.tile_size.valueChanged, f.adapt_seconds.valueChanged, f.adapt_check.toggled,
                       f.output_type.currentIndexChanged):
            signal.connect(self.schedule_check)
        f.adapt_check.toggled.connect(self._update_adapt_enabled)
        f.lr_bands.model().dataChanged.connect(self._guess_sensor)      # also when checked from code
        f.sensor_combo.activated.connect(self._sensor_chosen)
        f.output_file.fileChanged.connect(self.schedule_check)
        f.check_button.clicked.connect(self.check_inputs_now)
        f.run_button.clicked.connect(self.start_run)
        f.preview_button.clicked.connect(self.start_preview)
        f.cancel_button.clicked.connect(self.cancel_run)
        f.install_button.clicked.connect(self.open_installer)
        QgsProject.instance().layersAdded.connect(self._layers_added)

    def _fill_methods(self) -> None:
        f = self.form
        task = f.task()
        f.method_combo.blockSignals(True)
        f.method_combo.clear()
        self._methods = {}
        for info in methods_for(task):
            self._methods[info.id] = info
            label = info.label + (tr("  (deep learning)") if info.needs_torch else "")
            f.method_combo.addItem(label, info.id)
            f.method_combo.setItemData(f.method_combo.count() - 1, info.summary(), Qt.ToolTipRole)
        if not f.select_data(f.method_combo, getattr(self.settings, f"method_{task}", "")):
            f.method_combo.setCurrentIndex(0)
        f.method_combo.blockSignals(False)

    # --- reacting to the form ---------------------------------------------------------------------------
    def _task_changed(self, *_args) -> None:
        self._fill_methods()
        self._update_task_labels()
        self._reset_run_state()
        self._hr_layer_changed(self.form.hr_layer.currentLayer())
        self._lr_layer_changed(self.form.lr_layer.currentLayer())
        self._guess_layers()
        self._update_method_panel()

    def _reset_run_state(self) -> None:
        """The last run's status line and 100 % bar describe another mode or method: clear them."""
        if not self.is_running():
            self.form.progress.setValue(0)
            self.form.status.setText("")

    def _update_task_labels(self) -> None:
        f, spec = self.form, TASKS[self.form.task()]
        f.hr_label.setText(tr(spec["hr_text"]))
        f.lr_label.setText(tr(spec["lr_text"]))
        f.hr_bands_label.setText(tr(spec["hr_bands_text"]))
        f.lr_bands_label.setText(tr(spec["lr_bands_text"]))
        pansharpen = f.task() == "pansharpen"
        f.hr_band.setVisible(pansharpen)
        f.hr_bands.setVisible(not pansharpen)

    def _method_changed(self, *_args) -> None:
        if self.form.method():
            setattr(self.settings, f"method_{self.form.task()}", self.form.method())
        self._reset_run_state()
        self._update_method_panel()
        self.schedule_check()

    def selected_method(self) -> MethodInfo | None:
        return self._methods.get(self.form.method())

    def _update_method_panel(self) -> None:
        f, info = self.form, self.selected_method()
        f.method_info.setText(info.summary() if info else "")
        deep = bool(info and info.needs_torch)
        alg = QgsApplication.processingRegistry().algorithmById(TASKS[f.task()]["algorithm"])
        can_adapt = deep and alg is not None and alg.parameterDefinition("ADAPT") is not None
        f.adapt_check.setEnabled(can_adapt)
        self._update_adapt_enabled()
        f.adapt_check.setToolTip("" if can_adapt else tr("Scene adaptation is available for deep-learning methods "
                                                         "whose algorithm offers it."))
        f.device_combo.setEnabled(deep)
        f.device_combo.setToolTip("" if deep else tr("Classical methods always run on the CPU."))
        if deep:
            self.ensure_probe()
        self._update_dependency_banner()

    def _update_adapt_enabled(self, *_args) -> None:
        """The budget only means something while adaptation is on."""
        f = self.form
        f.adapt_seconds.setEnabled(f.adapt_check.isEnabled() and f.adapt_check.isChecked())

    def _update_dependency_banner(self) -> None:
        f, info = self.form, self.selected_method()
        result: deps.ProbeResult | None = _probe_cache.get("result")
        if result is not None:
            gpu = tr("CUDA GPU: {0}").format(result.gpu_name) if result.cuda and result.gpu_name else \
                tr("CUDA GPU (none found)") if "torch" in result.versions else tr("CUDA GPU (needs PyTorch)")
            f.device_combo.setItemText(f.device_combo.findData("cuda"), gpu)
        if not (info and info.needs_torch):
            f.deps_frame.setVisible(False)
            return
        if result is None:
            f.deps_label.setText(tr("Checking whether PyTorch and timm can be imported…"))
            f.install_button.setVisible(False)
        elif result.ok:
            f.deps_frame.setVisible(False)
            return
        else:
            f.deps_label.setText((tr("{0} needs the Python packages {1}, which QGIS cannot import.").format(
                info.label, ", ".join(result.missing)) + " " + result.crashed).strip())
            f.install_button.setVisible(True)
        f.deps_frame.setVisible(True)

    def _hr_layer_changed(self, layer) -> None:
        f = self.form
        f.hr_band.setLayer(layer)
        if layer is not None and f.task() == "pansharpen":
            f.hr_band.setBand(1)
        f.fill_bands(f.hr_bands, layer)
        self._guess_sensor()
        self.schedule_check()

    def _lr_layer_changed(self, layer) -> None:
        self.form.fill_bands(self.form.lr_bands, layer)
        self._guess_sensor()
        self.schedule_check()

    def _sensor_chosen(self, *_args) -> None:
        self.sensor_chosen_by_user = True
        self.form.sensor_note.setVisible(False)

    def _guess_sensor(self, *_args) -> None:
        """Pansharpening: set the preset the files point at (metadata, name, Landsat pixel sizes), unless the
        user chose one in this session; say so under the preset."""
        f = self.form
        hr, lr = f.hr_layer.currentLayer(), f.lr_layer.currentLayer()
        if self.sensor_chosen_by_user or f.task() != "pansharpen" or hr is None or lr is None:
            f.sensor_note.setVisible(False)
            return
        bands = f.lr_band_list()
        guess = guess_sensor(hr.source(), lr.source(), len(bands) if bands else None)
        if guess is None:
            if f.sensor_note.isVisibleTo(f):     # our earlier guess no longer fits (other layers, bands)
                f.select_data(f.sensor_combo, "generic")
            f.sensor_note.setVisible(False)
            return
        f.select_data(f.sensor_combo, guess[0])
        f.sensor_note.setText(tr("Preset guessed from {0}.").format(guess[1]))
        f.sensor_note.setVisible(True)

    def _layers_added(self, _layers) -> None:
        self._guess_layers()

    def _guess_layers(self) -> None:
        """When the user has not chosen yet: the finest single-band raster as PAN / the finest multi-band
        raster as HR-MSI, the coarsest multi-band raster as MS / the coarsest one with more bands as LR-HSI.
        Nothing is chosen when the project's rasters do not fit the mode."""
        f = self.form
        if f.hr_layer.currentLayer() is not None or f.lr_layer.currentLayer() is not None:
            return
        rasters = [lyr for lyr in QgsProject.instance().mapLayers().values()
                   if isinstance(lyr, QgsRasterLayer) and lyr.isValid() and lyr.providerType() == "gdal"]
        if len(rasters) < 2:
            return
        by_size = sorted(rasters, key=lambda lyr: lyr.rasterUnitsPerPixelX())
        if f.task() == "pansharpen":
            hr_candidates = [lyr for lyr in by_size if lyr.bandCount() == 1]
        else:                                 # an HR-MSI has several bands: a PAN is no HR-MSI
            hr_candidates = [lyr for lyr in by_size if lyr.bandCount() > 1]
        for hr in hr_candidates:
            # the LR image is coarser; for HS-MS fusion it also has more bands than the HR-MSI
            lr_candidates = [lyr for lyr in reversed(by_size) if lyr is not hr and lyr.bandCount() > 1
                             and lyr.rasterUnitsPerPixelX() > hr.rasterUnitsPerPixelX()
                             and (f.task() == "pansharpen" or lyr.bandCount() > hr.bandCount())]
            if lr_candidates:
                f.hr_layer.setLayer(hr)
                f.lr_layer.setLayer(lr_candidates[0])
                return

    # --- dependency probe -------------------------------------------------------------------------------
    def ensure_probe(self) -> None:
        if "result" in _probe_cache or (self._probe_call is not None and self._probe_call.is_running()):
            return
        self._probe_call = BackgroundCall(probe_dependencies, self)
        self._probe_call.done.connect(self._probe_done)
        self._probe_call.failed.connect(lambda text: self._probe_done(deps.ProbeResult(
            errors={m: text for m in deps.REQUIRED_MODULES}, crashed=text)))
        self._probe_call.start()

    def _probe_done(self, result: deps.ProbeResult) -> None:
        _probe_cache["result"] = result
        QgsMessageLog.logMessage(tr("Deep-learning packages: {0}").format(result.summary()), LOG_TAG, Qgis.Info)
        self._update_dependency_banner()
        self.schedule_check()

    @guarded
    def open_installer(self) -> None:
        if self._installer_dialog is None:
            self._installer_dialog = DependencyDialog(self.iface.mainWindow() if self.iface else self)
            self._installer_dialog.installed.connect(self._installed)
        self._installer_dialog.show()
        self._installer_dialog.raise_()

    def _installed(self, result) -> None:
        _probe_cache["result"] = result
        self._update_dependency_banner()
        self.schedule_check()

    # --- input doctor ----------------------------------------------------------------------------------
    def doctor_request(self) -> DoctorRequest | None:
        f, info = self.form, self.selected_method()
        hr, lr = f.hr_layer.currentLayer(), f.lr_layer.currentLayer()
        if hr is None or lr is None:
            return None
        probe = _probe_cache.get("result")
        out = f.output_path()
        spec = TASKS[f.task()]
        self._layer_providers = [(spec["hr"], hr.providerType(), hr.name()), (spec["lr"], lr.providerType(), lr.name())]
        return DoctorRequest(
            task=f.task(), hr_path=hr.source(), lr_path=lr.source(), hr_bands=f.hr_band_list(),
            lr_bands=f.lr_band_list(), sensor=f.sensor(), method=f.method() or "",
            method_label=info.label if info else "", needs_torch=bool(info and info.needs_torch),
            seconds_per_mp_band=info.seconds_per_mp_band if info else None, tile_size=f.tile_size.value(),
            overlap=f.overlap.value(), output_dtype=output_dtype(OUTPUT_TYPES[f.output_type.currentIndex()][0]),
            output_folder=os.path.dirname(os.path.abspath(out)) if out else QgsProcessingUtils.tempFolder(),
            device=f.device(), missing_packages=probe.missing if probe is not None else None,
            cuda_available=probe.cuda if probe is not None else None,
            adapt_seconds=float(f.adapt_seconds.value()) if f.adapt_check.isChecked() and f.adapt_check.isEnabled()
            else 0.0)

    def schedule_check(self, *_args) -> None:
        self._doctor_timer.start()

    def check_inputs_later(self) -> None:
        """Run the doctor on a worker thread (it reads raster headers and a small sample)."""
        request = self.doctor_request()
        self._doctor_generation += 1
        if request is None:
            self.show_report(None)
            return
        generation = self._doctor_generation
        providers = list(self._layer_providers)
        output_problem = self.output_problem()
        call = BackgroundCall(lambda: add_output_problem(add_provider_problems(check_inputs(request), providers),
                                                         output_problem), self)
        call.done.connect(lambda report: generation == self._doctor_generation and self.show_report(report))
        call.failed.connect(lambda text: self.report_error(tr("The input check failed: {0}").format(text)))
        call.done.connect(call.deleteLater)
        call.failed.connect(call.deleteLater)
        self._doctor_calls = [c for c in self._doctor_calls if c.is_running()] + [call]
        call.start()

    def check_inputs_now(self, *_args) -> DoctorReport | None:
        """Run the doctor synchronously (before a run) and show its findings."""
        self._doctor_timer.stop()
        self._doctor_generation += 1
        request = self.doctor_request()
        report = add_output_problem(add_provider_problems(check_inputs(request), self._layer_providers),
                                    self.output_problem()) if request is not None else None
        self.show_report(report)
        return report

    def output_problem(self) -> str | None:
        """The algorithm's own check of the output path (extension, folder): a .jpg fails here, not at Run."""
        path = self.form.output_path()
        alg = QgsApplication.processingRegistry().algorithmById(TASKS[self.form.task()]["algorithm"])
        if not path or alg is None or not hasattr(alg, "output_problem"):
            return None
        return alg.output_problem(path)

    def show_report(self, report: DoctorReport | None) -> None:
        self.last_report = report
        spec = TASKS[self.form.task()]
        self.form.doctor_view.setHtml(report_html(report, spec["hr"], spec["lr"]))
        text, tooltip = verdict_html(report, spec["hr"], spec["lr"])
        self.form.verdict.setText(text)
        self.form.verdict.setToolTip(tooltip)

    # --- running -------------------------------------------------------------------------------------
    def parameters(self, hr_source: str, lr_source: str, output: str) -> dict:
        f, spec = self.form, TASKS[self.form.task()]
        task = f.task()
        alg = QgsApplication.processingRegistry().algorithmById(spec["algorithm"])
        params = {
            spec["hr"]: hr_source, spec["lr"]: lr_source,
            "METHOD": f.method(), "SENSOR": f.sensor(),
            "TILE_SIZE": f.tile_size.value(), "OVERLAP": f.overlap.value(),
            "OUTPUT_TYPE": OUTPUT_TYPES[f.output_type.currentIndex()][0], "COG": f.cog_check.isChecked(),
            "COMPRESSION": COMPRESSION_CHOICES[f.compression.currentIndex()][0],
            "DEVICE": f.device(),
            "OUTPUT": output,
        }
        hr_bands, lr_bands = f.hr_band_list(), f.lr_band_list()
        if task == "pansharpen":
            params[spec["hr_bands"]] = hr_bands[0] if hr_bands else 1
        elif hr_bands:
            params[spec["hr_bands"]] = hr_bands
        if lr_bands:
            params[spec["lr_bands"]] = lr_bands
        if alg is not None and alg.parameterDefinition("ADAPT") is not None and f.adapt_check.isEnabled():
            params["ADAPT"] = f.adapt_check.isChecked()
            if alg.parameterDefinition("ADAPT_SECONDS") is not None:
                params["ADAPT_SECONDS"] = f.adapt_seconds.value()
        return params

    def is_running(self) -> bool:
        return self.run is not None and self.run.running

    def _ready(self) -> bool:
        """Run the doctor; refuse to start when it reports errors."""
        report = self.check_inputs_now()
        if report is None:
            spec = TASKS[self.form.task()]
            self.notify(tr("Choose the {0} and {1} layers first.").format(spec["hr"], spec["lr"]), Qgis.Warning)
            return False
        if report.has_errors:
            first = next(f for f in report.findings if f.level == "error")
            self.notify(tr_marked(first.message) + (" " + tr_marked(first.fix) if first.fix else ""), Qgis.Warning)
            return False
        return True

    @guarded
    def start_run(self) -> None:
        if self.is_running() or not self._ready():
            return
        f = self.form
        self.save_settings()
        params = self.parameters(f.hr_layer.currentLayer().source(), f.lr_layer.currentLayer().source(),
                                 f.output_parameter())
        self._launch("run", params)

    @guarded
    def start_preview(self) -> None:
        if self.is_running() or not self._ready():
            return
        canvas = self.iface.mapCanvas()
        f = self.form
        work = os.path.join(QgsProcessingUtils.tempFolder(), f"deep_pansharpen_preview_{uuid.uuid4().hex[:8]}")
        extent = canvas.extent()
        crs: QgsCoordinateReferenceSystem = canvas.mapSettings().destinationCrs()
        try:
            clip = clip_to_view(f.hr_layer.currentLayer().source(), f.lr_layer.currentLayer().source(),
                                (extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()),
                                crs.toWkt() if crs.isValid() else "", work)
        except PreviewError as exc:
            self.notify(str(exc), Qgis.Warning)
            return
        if clip.shrunk:
            self.notify(tr("The map view is large: the preview covers its central {0} x {1} pixels.").format(
                clip.width, clip.height), Qgis.Info)
        self._launch("preview", self.parameters(clip.hr_path, clip.lr_path, os.path.join(work, "preview.tif")))

    def _launch(self, kind: str, params: dict) -> None:
        f = self.form
        self.run_kind, self.last_error, self.last_layer = kind, "", None
        self.run_output = params["OUTPUT"]
        self.run = FusionRun(TASKS[f.task()]["algorithm"], params, self)
        self.run.progress.connect(lambda p: f.progress.setValue(int(p)))
        self.run.message.connect(self._run_message)
        self.run.finished.connect(self._run_finished)
        self._set_running(True)
        f.progress.setValue(0)
        f.status.setText(tr("Preview running…") if kind == "preview" else tr("Running…"))
        if not self.run.start():
            self._set_running(False)

    @guarded
    def cancel_run(self) -> None:
        if self.is_running():
            self.run.cancel()
            self.form.status.setText(tr("Cancelling (stops after the current tile)…"))

    def _set_running(self, running: bool) -> None:
        f = self.form
        f.run_button.setEnabled(not running)
        f.preview_button.setEnabled(not running)
        f.cancel_button.setEnabled(running)

    def _run_message(self, text: str, level: int) -> None:
        if level != int(Qgis.Critical):
            self.form.status.setText(text.splitlines()[0][:300] if text else "")

    def _run_finished(self, ok: bool, results: dict, error: str) -> None:
        f = self.form
        self._set_running(False)
        cancelled = self.run is not None and self.run.cancelled
        added = False
        try:
            if ok:
                added = self._add_result(results.get("OUTPUT") or self.run_output)
            elif cancelled:
                f.progress.setValue(0)
                f.status.setText(tr("Cancelled; no output was written."))
                self.notify(tr("Cancelled; no output was written."), Qgis.Info)
            else:
                self.report_error(error)
        except Exception as exc:  # noqa: BLE001
            self.report_error(f"{type(exc).__name__}: {exc}", traceback.format_exc())
        self.run_finished.emit(added)

    def _add_result(self, path: str) -> bool:
        f, info = self.form, self.selected_method()
        label = info.label if info else f.method()
        temporary = self.run_kind == "preview" or self.run_output == QgsProcessing.TEMPORARY_OUTPUT
        name = result_layer_name(self.run_kind, f.task(), label, path, temporary)
        if self.run_kind == "preview" and self.preview_layer_id:
            QgsProject.instance().removeMapLayer(self.preview_layer_id)
            self.preview_layer_id = None
        layer = add_result_layer(path, name, f.sensor())
        if layer is None:
            self.report_error(tr("The output {0} was written but QGIS cannot open it.").format(path))
            return False
        if self.run_kind == "preview":
            self.preview_layer_id = layer.id()
        self.last_layer = layer
        f.progress.setValue(100)
        if temporary:
            f.status.setText(tr("Done: '{0}' is a temporary file that QGIS deletes when it closes; "
                                "right-click > Export > Save As… keeps it.").format(name))
            f.status.setToolTip(path)
            self.notify(tr("Added '{0}' to the map: a temporary file that QGIS deletes when it closes "
                           "(right-click > Export > Save As… to keep it).").format(name), Qgis.Success)
        else:
            f.status.setText(tr("Done: {0}").format(path))
            f.status.setToolTip(path)
            self.notify(tr("Added '{0}' to the map ({1}).").format(name, path), Qgis.Success)
        return True

    # --- messages --------------------------------------------------------------------------------------
    def notify(self, text: str, level=Qgis.Info) -> None:
        QgsMessageLog.logMessage(text, LOG_TAG, level)
        if self.iface is not None:
            self.iface.messageBar().pushMessage(tr("Deep Pansharpen"), text, level,
                                                0 if level == Qgis.Critical else 8)

    def report_error(self, text: str, details: str = "") -> None:
        """Errors go to the message bar and the log (with details), never to a traceback dialog."""
        self.last_error = text
        self.form.status.setText(text)
        if details:
            QgsMessageLog.logMessage(details, LOG_TAG, Qgis.Critical)
        self.notify(text, Qgis.Critical)

    # --- lifetime ----------------------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Called by the plugin's unload: stop the running task and the input checks, remember the choices."""
        self._doctor_timer.stop()
        self._shutting_down = True   # unloading hides the dock: that is no "closed by the user" to remember
        if self.is_running():
            self.run.cancel()
            self.run.wait(30_000)
        for call in self._doctor_calls:
            call.wait(10.0)
        if self._installer_dialog is not None:
            self._installer_dialog.close()
        try:
            QgsProject.instance().layersAdded.disconnect(self._layers_added)
        except TypeError:
            pass
        self.save_settings()

    def setVisible(self, visible: bool) -> None:  # noqa: N802 (Qt API name)
        """show(), hide(), close() and the panel menu all come here: remember it for the next QGIS start."""
        super().setVisible(visible)
        if not getattr(self, "_shutting_down", False):
            remember_dock_open(visible)

    def closeEvent(self, event):  # noqa: N802 (Qt API name)
        self.save_settings()
        super().closeEvent(event)

