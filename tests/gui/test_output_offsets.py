"""Log offsets past 2 GiB reach the UI intact (a 32-bit signal argument overflowed)."""

from __future__ import annotations

from taskrun_gui.executor.run_worker import RunSignals


def test_output_signal_carries_64_bit_offsets(qtbot) -> None:
    signals = RunSignals()
    with qtbot.waitSignal(signals.output) as got:
        signals.output.emit("uid", "text", 5 * 1024**3)
    assert got.args == ["uid", "text", 5 * 1024**3]
