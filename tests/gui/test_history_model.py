"""HistoryModel over a real store: counts from SQL, a bounded page cache, live growth on top."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus, TaskSpec
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.writer import StoreWriter
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.history.history_model import PLACEHOLDER, HistoryModel
from taskrun_gui.ui.history.page_cache import LIVE_HEAD, MAX_PAGES, PAGE_SIZE
from taskrun_gui.ui.query import QueryRunner

STATUSES = [RunStatus.SUCCESS, RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT]
T0 = 1_700_000_000_000


@pytest.fixture
def query(store: Store) -> Iterator[QueryRunner]:
    writer = StoreWriter(store)
    runner = QueryRunner(store, writer)
    yield runner
    runner.wait_idle()
    writer.close()


def make_tasks(store: Store, *names: str) -> list[int]:
    with store.db.atomic():
        return [tasks_repo.create(TaskSpec(name=n, command="true")).id for n in names]


def insert_runs(store: Store, task_ids: list[int], n: int, first: int = 0) -> None:
    """n runs, fast (raw executemany); run i belongs to task i % len(task_ids) and has
    status STATUSES[i % 4] (exit code 0, 1 or None accordingly)."""
    rows = []
    for i in range(first, first + n):
        task = task_ids[i % len(task_ids)]
        status = STATUSES[i % len(STATUSES)]
        exit_code = {RunStatus.SUCCESS: 0, RunStatus.FAILED: 1}.get(status)
        error = "exit code 1" if status is RunStatus.FAILED else None
        at = T0 + i * 1000
        rows.append(
            (
                f"u{i:07d}",
                task,
                f"task{task}",
                1,
                str(status),
                "manual",
                1,
                "{}",
                0,
                at,
                at,
                at + 500,
                500,
                exit_code,
                error,
                f"/nonexistent/u{i}.log",
                0,
                0,
            )
        )
    sql = (
        "INSERT INTO run (uid, task_id, task_name, version, status, trigger, attempt,"
        " params_json, priority, queued_at, started_at, finished_at, duration_ms, exit_code,"
        " error_message, log_path, log_bytes, slow)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    with store.db.atomic():
        store.db.cursor().executemany(sql, rows)


def filtered(qtbot: QtBot, model: HistoryModel, flt: RunFilter) -> None:
    with qtbot.waitSignal(model.refreshed, timeout=10_000):
        model.set_filter(flt)


def make_model(qtbot: QtBot, query: QueryRunner) -> HistoryModel:
    model = HistoryModel(query)
    filtered(qtbot, model, RunFilter())
    return model


def test_200k_runs_count_and_only_a_few_pages_after_scrolling_to_the_end(
    qtbot: QtBot, store: Store, query: QueryRunner
) -> None:
    tasks = make_tasks(store, "alpha", "beta")
    insert_runs(store, tasks, 200_000)
    model = make_model(qtbot, query)
    assert model.rowCount() == model.total == 200_000
    assert model.cache.row_count == PAGE_SIZE  # the first page only

    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.verticalHeader().setDefaultSectionSize(22)
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    last = model.rowCount() - 1
    assert model.data(model.index(last, Col.ID)) == PLACEHOLDER
    view.scrollToBottom()
    qtbot.waitUntil(lambda: model.run_at(last) is not None, timeout=10_000)

    oldest = model.run_at(last)
    assert oldest is not None and oldest.id == 1 and oldest.uid == "u0000000"
    assert model.data(model.index(last, Col.ID)) == "1"
    assert model.data(model.index(last, Col.STATUS)) == "success"
    assert model.data(model.index(0, Col.ID)) == "200000"
    assert len(model.cache) <= 3
    assert model.cache.row_count <= 3 * PAGE_SIZE


def test_cache_is_bounded_when_jumping_around(
    qtbot: QtBot, store: Store, query: QueryRunner
) -> None:
    insert_runs(store, make_tasks(store, "alpha"), 30_000)
    model = make_model(qtbot, query)
    for page in range(0, 30_000 // PAGE_SIZE, 2):
        row = page * PAGE_SIZE + 7
        model.ensure_row(row)
        qtbot.waitUntil(lambda row=row: model.run_at(row) is not None, timeout=10_000)
        assert model.run_at(row).id == 30_000 - row  # type: ignore[union-attr]
    assert len(model.cache) <= MAX_PAGES


def test_filter_by_task_and_status_counts(qtbot: QtBot, store: Store, query: QueryRunner) -> None:
    alpha, beta = make_tasks(store, "alpha", "beta")
    insert_runs(store, [alpha, beta], 10_000)
    model = make_model(qtbot, query)
    assert model.total == 10_000

    filtered(qtbot, model, RunFilter(task_id=beta))
    assert model.total == 5_000
    assert all(model.run_at(r).task_id == beta for r in range(50))  # type: ignore[union-attr]

    filtered(qtbot, model, RunFilter(statuses=[RunStatus.FAILED]))
    assert model.total == 2_500
    assert model.data(model.index(0, Col.STATUS)) == "failed"
    assert model.data(model.index(0, Col.ERROR)) == "exit code 1"

    # task i%2, status i%4: task beta (odd i) and failed (i%4 == 2) never meet
    filtered(qtbot, model, RunFilter(task_id=beta, statuses=[RunStatus.FAILED]))
    assert model.total == 0
    filtered(qtbot, model, RunFilter(task_id=alpha, statuses=[RunStatus.FAILED]))
    assert model.total == 2_500
    filtered(qtbot, model, RunFilter(exit_code=0, task_id=alpha))
    assert model.total == 2_500


def test_model_tester(qtmodeltester, qtbot: QtBot, store: Store, query: QueryRunner) -> None:  # type: ignore[no-untyped-def]
    insert_runs(store, make_tasks(store, "alpha"), 1_200)
    model = make_model(qtbot, query)
    qtmodeltester.check(model)
    model.ensure_row(1_100)
    qtbot.waitUntil(lambda: model.run_at(1_100) is not None, timeout=10_000)
    qtmodeltester.check(model)
    query.wait_idle()


@pytest.mark.parametrize("new", [3, LIVE_HEAD - 1])
def test_new_runs_are_inserted_on_top_and_cached_rows_shift(
    qtbot: QtBot, store: Store, query: QueryRunner, new: int
) -> None:
    """Also more new runs than a page holds (a filter reads one page first): still rows
    inserted on top, no reset that would lose the selection and the scroll position."""
    tasks = make_tasks(store, "alpha")
    insert_runs(store, tasks, 1_000)
    model = make_model(qtbot, query)
    assert model.cache.row_count == PAGE_SIZE  # the first read: one page
    model.ensure_row(700)
    qtbot.waitUntil(lambda: model.run_at(700) is not None, timeout=10_000)
    assert model.run_at(700).id == 300  # type: ignore[union-attr]

    insert_runs(store, tasks, new, first=1_000)
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    with (
        qtbot.assertNotEmitted(model.modelReset),
        qtbot.waitSignal(model.refreshed, timeout=10_000),
    ):
        model.refresh()
    assert inserted == [(0, new - 1)]
    assert model.total == 1_000 + new
    assert model.run_at(0).id == 1_000 + new  # type: ignore[union-attr]
    assert model.run_at(700 + new).id == 300  # type: ignore[union-attr]  # kept, moved down
    assert model.row_of_id(300) == 700 + new


def test_sort_by_id_ascending_and_locate(qtbot: QtBot, store: Store, query: QueryRunner) -> None:
    insert_runs(store, make_tasks(store, "alpha"), 2_000)
    model = make_model(qtbot, query)
    model.sort(Col.ID, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: model.data(model.index(0, Col.ID)) == "1", timeout=10_000)
    model.sort(Col.TASK, Qt.SortOrder.DescendingOrder)  # not index-backed: ignored
    assert not model.is_descending
    model.sort(Col.ID, Qt.SortOrder.DescendingOrder)

    found: list[int | None] = []
    model.locate(1_234, found.append)
    qtbot.waitUntil(lambda: bool(found), timeout=10_000)
    assert found == [2_000 - 1_234]
    assert model.run_at(found[0]).id == 1_234  # type: ignore[union-attr,index]

    filtered(qtbot, model, RunFilter(statuses=[RunStatus.TIMEOUT]))
    missing: list[int | None] = []
    model.locate(1, missing.append)  # run 1 (i=0) is a success: not in this filter
    qtbot.waitUntil(lambda: bool(missing), timeout=10_000)
    assert missing == [None]
