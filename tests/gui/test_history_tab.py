"""HistoryTab with a real host: real child processes, real log files, real SQLite."""

from __future__ import annotations

import csv
import json
import shlex
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.run_export import ExportFormat
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.history.history_tab import HistoryTab
from taskrun_gui.ui.query import QueryRunner

WAIT = 15_000


@dataclass
class Env:
    store: Store
    host: Host
    ctx: AppContext
    tab: HistoryTab
    tmp: Path

    def task(self, name: str, code: str) -> TaskRow:
        command = f"{shlex.quote(sys.executable)} -u -c {shlex.quote(code)}"
        spec = TaskSpec(name=name, command=command)
        row: TaskRow = self.host.writer.submit(lambda: tasks_repo.create(spec)).result(10)
        return row

    def run(self, task: TaskRow) -> RunRecord:
        return self.host.executor.enqueue(task.id, task.version, task.spec)[0]


@pytest.fixture
def env(qtbot: QtBot, tmp_path: Path) -> Iterator[Env]:
    store = Store(tmp_path / "data").open()
    host = Host(store, workers=2)
    assert host.try_serve()
    query = QueryRunner(store, host.writer)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    tab = HistoryTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1200, 800)
    tab.show()
    qtbot.waitExposed(tab)
    yield Env(store, host, ctx, tab, tmp_path)
    tab.close()
    host.close()
    query.wait_idle()
    store.close()


def wait_row(qtbot: QtBot, tab: HistoryTab, uid: str) -> int:
    qtbot.waitUntil(lambda: tab.model.row_of_uid(uid) is not None, timeout=WAIT)
    row = tab.model.row_of_uid(uid)
    assert row is not None
    return row


def status_of(tab: HistoryTab, uid: str) -> str | None:
    row = tab.model.row_of_uid(uid)
    return None if row is None else tab.model.data(tab.model.index(row, Col.STATUS))


def wait_final(qtbot: QtBot, env: Env, *uids: str) -> None:
    def done() -> bool:
        statuses = [status_of(env.tab, u) for u in uids]
        return all(s is not None and RunStatus(s).is_final for s in statuses)

    qtbot.waitUntil(done, timeout=WAIT)


def test_live_run_output_and_status_in_the_table(qtbot: QtBot, env: Env) -> None:
    go = env.tmp / "go"
    code = (
        "import os, time\n"
        "print('first line', flush=True)\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\n"
        "for i in range(3): print(f'live line {i}', flush=True)\n"
    )
    rec = env.run(env.task("printer", code))
    tab = env.tab
    row = wait_row(qtbot, tab, rec.uid)
    tab.select_row(row)
    qtbot.waitUntil(lambda: "first line" in tab.log_view.text(), timeout=WAIT)
    assert tab.details.record is not None and tab.details.record.uid == rec.uid
    assert status_of(tab, rec.uid) in ("queued", "running")

    go.write_text("")  # the rest arrives while the run is selected: live batches
    with qtbot.waitSignal(env.host.executor.run_finished, timeout=WAIT):
        pass
    qtbot.waitUntil(lambda: status_of(tab, rec.uid) == "success", timeout=WAIT)
    qtbot.waitUntil(lambda: "live line 2" in tab.log_view.text(), timeout=WAIT)
    lines = [line for line in tab.log_view.text().splitlines() if line]
    assert lines == ["first line", "live line 0", "live line 1", "live line 2"]
    qtbot.waitUntil(lambda: tab.details.values["Status"].text().find("success") >= 0, timeout=WAIT)
    assert tab.details.values["Exit code"].text() == "0"
    assert tab.count_label.text() == "1 runs"


def two_finished_runs(qtbot: QtBot, env: Env) -> tuple[RunRecord, RunRecord]:
    good = env.run(env.task("good", "print('same'); print('good says hi')"))
    bad = env.run(env.task("bad", "import sys; print('same'); print('bad says no'); sys.exit(3)"))
    wait_final(qtbot, env, good.uid, bad.uid)
    return good, bad


def test_filter_by_status(qtbot: QtBot, env: Env) -> None:
    good, bad = two_finished_runs(qtbot, env)
    tab = env.tab
    assert status_of(tab, good.uid) == "success"
    assert status_of(tab, bad.uid) == "failed"

    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.filters.set_statuses([RunStatus.FAILED])
    assert tab.model.total == 1
    only = tab.model.run_at(0)
    assert only is not None and only.uid == bad.uid and only.exit_code == 3
    assert tab.filters.status_button.text() == "failed"

    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.filters.clear()
    assert tab.model.total == 2


def test_compare_two_runs(qtbot: QtBot, env: Env) -> None:
    good, bad = two_finished_runs(qtbot, env)
    tab = env.tab
    a, b = tab.model.run_at(0), tab.model.run_at(1)
    assert a is not None and b is not None

    dialog = tab.compare(a, b)  # the older run goes left, whatever the order given
    with qtbot.waitSignal(dialog.outputs_loaded, timeout=WAIT):
        pass
    assert dialog.table.horizontalHeaderItem(0).text() == f"Run {tab.model.run_at(1).id}"  # type: ignore[union-attr]
    assert {good.uid, bad.uid} == {a.uid, b.uid}
    left = dialog.diff.left_pane.toPlainText()
    right = dialog.diff.right_pane.toPlainText()
    assert "good says hi" in left and "bad says no" in right
    assert "same" in left and "same" in right
    assert "exit_code" in dialog.differing_fields
    assert "status" in dialog.differing_fields
    exit_row = next(
        r
        for r in range(dialog.table.rowCount())
        if dialog.table.verticalHeaderItem(r).text() == "Exit code"
    )
    assert dialog.table.item(exit_row, 0).text() == "0"
    assert dialog.table.item(exit_row, 1).text() == "3"
    dialog.close()


def test_export_csv_writes_the_filtered_rows(qtbot: QtBot, env: Env) -> None:
    two_finished_runs(qtbot, env)
    tab = env.tab
    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.filters.set_statuses([RunStatus.SUCCESS])

    out = env.tmp / "runs.csv"
    with qtbot.waitSignal(tab.export_finished, timeout=WAIT) as finished:
        tab.export_to(str(out), ExportFormat.CSV)
    assert finished.args == [1, str(out)]
    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["task"], r["status"], r["exit_code"]) for r in rows] == [("good", "success", "0")]
    assert "Exported 1 runs" in tab.last_message

    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.filters.clear()
    out_json = env.tmp / "runs.json"
    with qtbot.waitSignal(tab.export_finished, timeout=WAIT):
        tab.export_to(str(out_json), ExportFormat.JSON)
    data = json.loads(out_json.read_text())
    assert [d["task"] for d in data] == ["bad", "good"]  # newest first
    assert not (env.tmp / "runs.json.part").exists()


def test_show_run_and_show_task(qtbot: QtBot, env: Env) -> None:
    good, bad = two_finished_runs(qtbot, env)
    tab = env.tab
    good_id = tab.model.run_at(tab.model.row_of_uid(good.uid) or 0)
    assert good_id is not None and good_id.id is not None

    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.filters.set_statuses([RunStatus.FAILED])
    with qtbot.waitSignal(tab.run_selected, timeout=WAIT) as selected:
        tab.show_run(good_id.id)  # not in the filter: the filter is cleared first
    assert selected.args[0].uid == good.uid
    assert tab.model.total == 2

    with qtbot.waitSignal(tab.model.refreshed, timeout=WAIT):
        tab.show_task(bad.task_id)
    assert tab.model.total == 1
    assert tab.model.run_filter.task_id == bad.task_id


def test_a_step_of_a_multi_step_run_shows_only_its_output(qtbot: QtBot, env: Env) -> None:
    from taskrun_gui.core.models import Step

    spec = TaskSpec(
        name="pipeline",
        steps=[
            Step(name="fetch", command="echo fetching; echo fetched"),
            Step(name="build", command="echo building; exit 2"),
            Step(name="publish", command="echo never"),
        ],
    )
    task: TaskRow = env.host.writer.submit(lambda: tasks_repo.create(spec)).result(10)
    rec = env.run(task)
    qtbot.waitUntil(lambda: status_of(env.tab, rec.uid) == "failed", timeout=WAIT)
    env.tab.select_row(wait_row(qtbot, env.tab, rec.uid))
    table = env.tab.details.steps_table
    qtbot.waitUntil(lambda: table.rowCount() == 3 and table.isVisible(), timeout=WAIT)
    assert [table.item(r, 1).text() for r in range(3)] == ["success", "failed", "skipped"]
    view = env.tab.log_view
    qtbot.waitUntil(lambda: "building" in view.text(), timeout=WAIT)
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        table.selectRow(1)
    assert view.text().strip() == "building"
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        table.clearSelection()
    assert view.text().split() == ["fetching", "fetched", "building"]
