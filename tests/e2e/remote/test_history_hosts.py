"""The Logs tab by host, against the real sshd: no host filter or column while every run is
local; once runs went to other hosts, the Host column shows where each ran and the filter
keeps one host's runs."""

from __future__ import annotations

import pytest

from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.host_stats import run_hosts
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.history.history_tab import HistoryTab
from tests.helpers import add_task, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)


@pytest.fixture
def ctx(window_ctx: AppContext) -> AppContext:
    return window_ctx


def _finish(qtbot, ctx: AppContext, n: int, queue) -> None:
    done: list[object] = []
    ctx.executor.run_finished.connect(done.append)
    queue()
    qtbot.waitUntil(lambda: len(done) == n and not ctx.executor.is_busy(), timeout=60_000)


def _hosts_shown(tab: HistoryTab) -> list[str]:
    model = tab.model
    return [model.index(r, Col.HOST).data() for r in range(model.rowCount())]


def test_history_by_host(qtbot, ctx) -> None:
    add_task(ctx.store, shell_task("t", "echo hi"))
    task = tasks_repo.get("t")
    _finish(qtbot, ctx, 1, lambda: ctx.executor.enqueue(task.id, task.version, task.spec))
    tab = HistoryTab(ctx)
    qtbot.addWidget(tab)
    tab.resize(1400, 800)
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=30_000)
    combo = tab.filters.host_filter
    with qtbot.waitSignal(tab.filters.tasks_loaded, timeout=30_000):
        tab.filters.reload_tasks()
    qtbot.waitUntil(lambda: combo.count() == 4, timeout=30_000)  # All hosts + the three
    assert not combo.isVisible() and tab.table.isColumnHidden(Col.HOST)

    def batch() -> None:
        ctx.executor.enqueue(task.id, task.version, task.spec, hosts=["web1", "db1"])

    _finish(qtbot, ctx, 2, batch)
    qtbot.waitUntil(
        lambda: combo.isVisible() and not tab.table.isColumnHidden(Col.HOST), timeout=30_000
    )
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=10_000)
    qtbot.waitUntil(lambda: sorted(_hosts_shown(tab)) == ["", "db1", "web1"], timeout=30_000)
    assert run_hosts() == ["db1", "web1"]
    combo.set_host("db1")
    qtbot.waitUntil(lambda: _hosts_shown(tab) == ["db1"], timeout=30_000)
    assert tab.filters.run_filter().host == "db1"
    tab.filters.clear()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 3, timeout=30_000)
    assert combo.host() is None
