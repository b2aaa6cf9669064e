"""Log offsets past 2 GiB reach the UI intact (a 32-bit signal argument overflowed), and what
workers post reaches the service in order, in one wake-up per batch."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Signal

from taskrun_gui.engine.mailbox import Mailbox
from tests.helpers import app_context


class _Relay(QObject):
    """Brings the mailbox's wake-ups to this thread, as the executor's bridge does."""

    arrived = Signal()


def test_output_carries_64_bit_offsets_to_the_ui(qtbot, tmp_path) -> None:
    with app_context(tmp_path) as ctx:
        mailbox = ctx.executor.current.mailbox  # the window hears it through the executor
        with qtbot.waitSignal(ctx.executor.run_output) as got:
            mailbox.post(("output", "uid", "text", 5 * 1024**3))
        assert got.args == ["uid", "text", 5 * 1024**3]


def test_mailbox_keeps_order_across_threads_and_batches_wakeups(qtbot) -> None:
    relay = _Relay()
    mailbox = Mailbox(relay.arrived.emit)
    wakeups: list[int] = []
    seen: list[tuple[object, ...]] = []

    def on_arrived() -> None:
        wakeups.append(1)
        seen.extend(mailbox.take())

    relay.arrived.connect(on_arrived)

    def producer(name: str) -> None:
        for i in range(5000):
            mailbox.post((name, i))

    threads = [threading.Thread(target=producer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    qtbot.waitUntil(lambda: len(seen) == 10_000)
    for name in ("a", "b"):
        assert [i for n, i in seen if n == name] == list(range(5000))
    assert len(wakeups) < 10_000  # posts made while a wake-up is pending share it
    assert mailbox.take() == []
