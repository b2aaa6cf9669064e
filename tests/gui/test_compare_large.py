"""Comparing two runs with large, repetitive logs: the dialog opens at once and says it is
comparing, the event loop keeps turning while difflib aligns the lines on a worker, then the
aligned result is shown; closing the dialog first drops the work."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from taskrun_gui.ui.history import compare_dialog
from taskrun_gui.ui.history.compare_dialog import CompareDialog
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.widgets import side_by_side
from taskrun_gui.ui.widgets.side_by_side import Row, RowKind

LINES = 10_000


def _run(run_id: int, log: Path, status: RunStatus) -> RunRecord:
    return RunRecord(
        uid=f"run-{run_id}",
        id=run_id,
        task_id=1,
        task_name="batch",
        version=1,
        status=status,
        queued_at=1_000,
        log_path=str(log),
    )


@pytest.fixture
def runs(tmp_path: Path) -> tuple[RunRecord, RunRecord]:
    lines = [f"INFO worker {i % 4} processed a batch" for i in range(LINES)]
    left, right = tmp_path / "left.log", tmp_path / "right.log"
    left.write_text("\n".join(lines) + "\n")
    lines[LINES // 2] = "WARN worker retried a batch"
    right.write_text("\n".join(lines) + "\n")
    return _run(1, left, RunStatus.SUCCESS), _run(2, right, RunStatus.FAILED)


@pytest.fixture
def query(store: Store, writer: StoreWriter):
    runner = QueryRunner(store, writer)
    yield runner
    assert runner.wait_idle(60_000)


def test_the_dialog_opens_at_once_and_shows_the_alignment_when_it_arrives(
    qtbot: QtBot, runs, query, monkeypatch: pytest.MonkeyPatch
) -> None:
    aligning, aligned = threading.Event(), threading.Event()
    real = side_by_side.align_lines

    def align(left: list[str], right: list[str]) -> list[Row]:
        big = len(left) > 100
        if big:
            aligning.set()
        try:
            return real(left, right)
        finally:
            if big:
                aligned.set()

    monkeypatch.setattr(side_by_side, "align_lines", align)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(
        lambda: ticks.append(1) if aligning.is_set() and not aligned.is_set() else None
    )
    timer.start()

    dialog = CompareDialog(query, *runs)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.comparing
    assert dialog.diff.left_pane.toPlainText() == "comparing…"
    assert "comparing the outputs" in dialog.summary.text()
    with qtbot.waitSignal(dialog.outputs_loaded, timeout=120_000):
        pass
    timer.stop()
    assert ticks  # a timer fired on the UI thread while difflib ran
    rows = dialog.diff.rows()
    assert len(rows) == LINES
    assert [r.right for r in rows if r.kind is not RowKind.EQUAL] == ["WARN worker retried a batch"]
    assert f"1 of {LINES} output lines differ" in dialog.summary.text()
    assert not dialog.comparing


def test_closing_the_dialog_drops_the_comparison(
    qtbot: QtBot, runs, query, monkeypatch: pytest.MonkeyPatch
) -> None:
    may_read = threading.Event()
    aligned: list[int] = []
    real_read, real_align = compare_dialog.read_log_tail, side_by_side.align_lines

    def read(path: str) -> str:
        assert may_read.wait(30)
        return real_read(path)

    def align(left: list[str], right: list[str]) -> list[Row]:
        aligned.append(len(left))
        return real_align(left, right)

    monkeypatch.setattr(compare_dialog, "read_log_tail", read)
    monkeypatch.setattr(side_by_side, "align_lines", align)
    dialog = CompareDialog(query, *runs)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.reject()  # closed while the logs are still being read
    may_read.set()
    qtbot.waitUntil(lambda: not dialog.comparing, timeout=30_000)
    assert LINES not in aligned  # the alignment never began
    assert dialog.diff.left_pane.toPlainText() == "comparing…"
