"""Running a Deep Pansharpen Processing algorithm in the background from the dock.

The dock runs exactly the algorithm the toolbox and qgis_process run, through
QgsProcessingAlgRunnerTask.  The algorithm checks for cancellation before every tile and its writer
removes the partial file, so Cancel stops within one tile and leaves no output behind.
"""
from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, pyqtSignal

LOG_TAG = "Deep Pansharpen"


class RelayFeedback(QgsProcessingFeedback):
    """Processing feedback whose messages become a Qt signal (delivered on the main thread) and go to the
    QGIS message log under "Deep Pansharpen"."""

    message = pyqtSignal(str, int)          # text, Qgis.MessageLevel

    def __init__(self):
        super().__init__(False)             # we log ourselves, under our own tag
        self.errors: list[str] = []

    def _relay(self, text: str, level) -> None:
        QgsMessageLog.logMessage(text, LOG_TAG, level)
        self.message.emit(text, int(level))

    def pushInfo(self, info):  # noqa: N802 (QGIS API name)
        self._relay(info, Qgis.Info)

    def pushWarning(self, warning):  # noqa: N802 (QGIS API name)
        self._relay(warning, Qgis.Warning)

    def reportError(self, error, fatalError=False):  # noqa: N802,N803 (QGIS API names)
        if self.isCanceled():               # the algorithm's "Cancelled by the user." is not an error
            self._relay(error, Qgis.Info)
            return
        self.errors.append(error)
        self._relay(error, Qgis.Critical)


class FusionRun(QObject):
    """One background run.  Signals arrive on the main thread."""

    progress = pyqtSignal(float)
    message = pyqtSignal(str, int)
    finished = pyqtSignal(bool, dict, str)      # ok, results, error text ("" when ok or cancelled)

    def __init__(self, algorithm_id: str, parameters: dict, parent: QObject | None = None):
        super().__init__(parent)
        self.algorithm_id = algorithm_id
        self.parameters = dict(parameters)
        self.cancelled = False
        self.running = False
        # Both must outlive the task: QgsProcessingAlgRunnerTask keeps references to them.
        self.context = QgsProcessingContext()
        self.context.setProject(QgsProject.instance())
        self.feedback = RelayFeedback()
        self.feedback.progressChanged.connect(self.progress)
        self.feedback.message.connect(self.message)
        self._task: QgsProcessingAlgRunnerTask | None = None

    def start(self) -> bool:
        alg = QgsApplication.processingRegistry().algorithmById(self.algorithm_id)
        if alg is None:
            self.finished.emit(False, {}, f"The Processing algorithm {self.algorithm_id} is not available; "
                                          "is the Deep Pansharpen provider enabled?")
            return False
        ok, problem = alg.checkParameterValues(self.parameters, self.context)
        if not ok:
            self.finished.emit(False, {}, problem)
            return False
        self._task = QgsProcessingAlgRunnerTask(alg, self.parameters, self.context, self.feedback)
        self._task.executed.connect(self._on_executed)
        self.running = True
        QgsApplication.taskManager().addTask(self._task)
        return True

    def cancel(self) -> None:
        if self.running and not self.cancelled:
            self.cancelled = True
            self.feedback.cancel()
            if self._task is not None:
                self._task.cancel()

    def wait(self, milliseconds: int) -> None:
        """Block until the worker stopped (used when the plugin is unloaded mid-run)."""
        if self._task is not None:
            self._task.waitForFinished(milliseconds)

    def _on_executed(self, successful: bool, results: dict) -> None:
        self.running = False
        self._task = None                    # the task manager deletes the task
        if successful and not self.cancelled:
            self.finished.emit(True, dict(results or {}), "")
        elif self.cancelled:
            self.finished.emit(False, {}, "")
        else:
            errors = [e for e in self.feedback.errors if e.strip()]
            self.finished.emit(False, {}, errors[-1] if errors else "The run failed; see the log for details.")
