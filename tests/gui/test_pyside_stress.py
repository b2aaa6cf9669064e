"""Guards the PySide6 pin: 6.12.0 on Python 3.11 aborts the interpreter ("bool_dealloc",
"none_dealloc") after a few hundred Signal.emit() or QThreadPool.start() calls. If a version
bump brings that back, this test kills the test run instead of a user's app."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal


class _Emitter(QObject):
    value = Signal(object)
    flag = Signal(bool)


class _Job(QRunnable):
    def __init__(self, emitter: _Emitter, i: int) -> None:
        super().__init__()
        self.emitter = emitter
        self.i = i

    def run(self) -> None:
        self.emitter.value.emit(None if self.i % 2 else True)
        self.emitter.flag.emit(self.i % 3 == 0)


def test_50k_emits_and_10k_pool_starts(qtbot):
    emitter = _Emitter()
    seen = {"value": 0, "flag": 0}
    emitter.value.connect(lambda v: seen.__setitem__("value", seen["value"] + 1))
    emitter.flag.connect(lambda v: seen.__setitem__("flag", seen["flag"] + 1))
    for i in range(50_000):
        emitter.value.emit((None, True, False)[i % 3])
    assert seen["value"] == 50_000

    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    for i in range(10_000):
        pool.start(_Job(emitter, i))
    assert pool.waitForDone(60_000)
    qtbot.waitUntil(lambda: seen["flag"] == 10_000, timeout=30_000)
    assert seen["value"] == 60_000
