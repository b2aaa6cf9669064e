"""Garbage is collected on the Qt main thread, never by whichever worker allocates."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from taskrun_gui import qt_gc


def test_cycles_of_qobjects_are_collected_on_the_main_thread(qtbot, qapp) -> None:
    guard = qt_gc.install(qapp)
    assert not gc.isenabled()
    seen: list[str] = []

    class Holder(QObject):
        def __del__(self) -> None:
            seen.append(threading.current_thread().name)

    def make_garbage() -> weakref.ref[Holder]:
        a = Holder()
        a.self_ref = a  # type: ignore[attr-defined]  # a cycle: only the collector frees it
        return weakref.ref(a)

    ref: list[weakref.ref[Holder]] = []
    worker = threading.Thread(target=lambda: ref.append(make_garbage()), name="worker")
    worker.start()
    worker.join()
    kept = [[] for _ in range(3 * guard.threshold[0])]  # gc would have run by now
    assert ref[0]() is not None  # not collected by some allocating thread meanwhile
    qtbot.waitUntil(lambda: ref[0]() is None, timeout=5000)
    del kept
    assert seen == ["MainThread"]
