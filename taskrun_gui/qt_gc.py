"""Python's garbage collector, run on the Qt main thread only.

The collector runs in whichever thread happens to allocate; when it frees a PySide QObject
wrapper on a worker thread, the QObject is destroyed there, takes Qt's lock and then waits
for the GIL, while the main thread holds the GIL and waits for that lock: the app freezes.
(We saw exactly that: a log-reading worker collecting a menu.) So automatic collection is
switched off and this timer collects on the main thread, as pyqtgraph and other Qt apps do.
Reference counting still frees almost everything at once; only cycles wait for the timer."""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

INTERVAL_MS = 500


class MainThreadGC(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.check)

    def start(self) -> None:
        gc.disable()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        gc.enable()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, like gc would."""
        counts = gc.get_count()
        if counts[0] > self.threshold[0]:
            gen = 0
            if counts[1] > self.threshold[1]:
                gen = 1
                if counts[2] > self.threshold[2]:
                    gen = 2
            gc.collect(gen)


_installed: MainThreadGC | None = None


def install(app: QCoreApplication) -> MainThreadGC:
    """Once per process, after the application object exists."""
    global _installed
    if _installed is None:
        _installed = MainThreadGC(app)
        _installed.start()
    return _installed
