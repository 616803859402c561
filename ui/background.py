"""Run a plain Python function on a worker thread and get its result back on the main thread."""
from __future__ import annotations

import threading
from typing import Callable

from qgis.PyQt.QtCore import QObject, pyqtSignal


class BackgroundCall(QObject):
    """``BackgroundCall(fn).start()``; ``done(result)`` or ``failed(text)`` is emitted on the main thread
    (queued signals), so connected slots may touch widgets."""

    done = pyqtSignal(object)
    failed = pyqtSignal(str)

    def __init__(self, fn: Callable[[], object], parent: QObject = None):
        super().__init__(parent)
        self._fn = fn
        self._thread = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._work, daemon=True)
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        try:
            result = self._fn()
        except Exception as exc:  # reported, never raised into Qt
            self._emit(self.failed, f"{type(exc).__name__}: {exc}")
        else:
            self._emit(self.done, result)

    @staticmethod
    def _emit(signal, value) -> None:
        try:
            signal.emit(value)
        except RuntimeError:      # the receiver (e.g. the dock) was deleted meanwhile: nobody is waiting
            pass
