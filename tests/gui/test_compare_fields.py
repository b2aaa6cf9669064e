"""The Compare dialog reads like every other view: field labels rather than run-JSON keys,
local times, human durations and sizes, and the run's own id is not counted as a difference."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.run_json import FIELDS
from taskrun_gui.core.timefmt import local_text
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import StoreWriter
from taskrun_gui.ui.history.compare_dialog import CompareDialog
from taskrun_gui.ui.query import QueryRunner

START = 1_764_590_400_000  # 2025-12-01 12:00 UTC


def _rows(dialog: CompareDialog) -> dict[str, tuple[str, str]]:
    table = dialog.table
    return {
        table.verticalHeaderItem(r).text(): (table.item(r, 0).text(), table.item(r, 1).text())
        for r in range(table.rowCount())
    }


def test_compare_shows_labels_local_times_and_human_figures(
    qtbot: QtBot, store: Store, writer: StoreWriter, tmp_path: Path
) -> None:
    log = tmp_path / "out.log"
    log.write_text("same\n")
    first = RunRecord(
        uid="run-1",
        id=1,
        task_id=1,
        task_name="batch",
        version=1,
        status=RunStatus.SUCCESS,
        queued_at=START,
        started_at=START,
        finished_at=START + 23,
        duration_ms=23,
        exit_code=0,
        peak_rss=3 * 1024 * 1024,
        cpu_seconds=0.011,
        log_path=str(log),
    )
    second = replace(first, uid="run-2", id=2, finished_at=START + 90_500, duration_ms=90_500)
    second = replace(second, exit_code=3)
    second = replace(second, status=RunStatus.FAILED)
    query = QueryRunner(store, writer)
    dialog = CompareDialog(query, first, second)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.outputs_loaded, timeout=15_000):
        pass
    rows = _rows(dialog)
    assert not [name for name in rows if "_" in name]  # no snake_case keys
    assert rows["Duration"] == ("23 ms", "1m 30s")
    assert rows["Started"] == (local_text(START), local_text(START))
    assert rows["Finished"][1] == local_text(START + 90_500)
    assert rows["Peak memory"] == ("3.0 MiB", "3.0 MiB")
    assert rows["CPU time"] == ("11 ms", "11 ms")
    assert rows["Run"] == ("1", "2")
    assert "id" not in dialog.differing_fields
    differing = {"status", "exit_code", "finished_at", "duration", "active_duration"}
    assert set(dialog.differing_fields) == differing
    assert rows["Active time"] == ("23 ms", "1m 30s")
    compared = len(FIELDS) - 1  # every field of the run JSON but the run's own id
    assert dialog.summary.text().startswith(f"5 of {compared} fields differ")
    assert query.wait_idle(15_000)
