"""Qt helpers the benchmarks share: one QApplication, and timing "from asking to signalled"."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication


def app() -> QApplication:
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    assert existing is None, "a QCoreApplication already exists; make the QApplication first"
    return QApplication(sys.argv[:1])


def time_until(signal: Any, ask: Callable[[], object], timeout_s: float = 30.0) -> float:
    """Seconds from calling `ask()` until `signal` is emitted (the event loop runs meanwhile)."""
    loop = QEventLoop()
    fired: list[float] = []

    def on_signal(*_args: object) -> None:
        if not fired:
            fired.append(time.perf_counter())
        loop.quit()

    signal.connect(on_signal)
    try:
        start = time.perf_counter()
        ask()
        if not fired:
            QTimer.singleShot(int(timeout_s * 1000), loop.quit)
            loop.exec()
    finally:
        signal.disconnect(on_signal)
    if not fired:
        raise TimeoutError(f"no signal within {timeout_s} s")
    return fired[0] - start


def spin(seconds: float) -> None:
    """Run the event loop for a while."""
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


__all__ = ["QTimer", "Qt", "app", "spin", "time_until"]
