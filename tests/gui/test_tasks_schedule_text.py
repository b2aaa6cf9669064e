"""What the Tasks table says of a schedule: its next fire, or that the task does not fire."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Schedule, TaskSpec
from taskrun_gui.storage.trends_repo import ShiftMark
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.main_window import TAB_TASKS
from taskrun_gui.ui.tasks.task_table_model import COL_NAME, COL_NEXT
from taskrun_gui.ui.trends.stats_panel import versions_text
from tests.gui.test_main_window import ctx  # noqa: F401
from tests.helpers import add_task, shown_window


def test_a_disabled_tasks_schedule_says_it_does_not_fire(
    qtbot: QtBot,
    ctx: AppContext,  # noqa: F811
) -> None:
    hourly = Schedule(cron="0 * * * *")
    add_task(ctx.store, TaskSpec(name="off", command="true", schedule=hourly, enabled=False))
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)
        model = window.tasks_tab.table.model()

        def next_of(name: str) -> str | None:
            for row in range(model.rowCount()):
                if model.index(row, COL_NAME).data() == name:
                    return str(model.index(row, COL_NEXT).data())
            return None

        qtbot.waitUntil(lambda: next_of("off") is not None, timeout=10_000)
        assert next_of("off") == "cron 0 * * * * (task disabled)"


def test_a_shift_within_one_version_names_it_once() -> None:
    def shift(before: int | None, after: int | None) -> ShiftMark:
        return ShiftMark(1, 0, 10.0, 20.0, before, after)

    assert versions_text(shift(1, 2)) == " (v1 → v2)"
    assert versions_text(shift(1, 1)) == " (v1)"  # it read "(v1 → v1)"
    assert versions_text(shift(None, None)) == ""
    assert versions_text(shift(None, 2)) == " (v2)"  # it read "(vNone → v2)"


def test_a_task_added_by_another_process_shows_in_the_table(
    qtbot: QtBot,
    ctx: AppContext,  # noqa: F811
) -> None:
    from tests.e2e.cli import taskrun

    add_task(ctx.store, TaskSpec(name="here", command="true"))
    with shown_window(qtbot, ctx) as window:
        window.tabs.setCurrentIndex(TAB_TASKS)
        model = window.tasks_tab.table.model()

        def names() -> set[str]:
            return {str(model.index(r, COL_NAME).data()) for r in range(model.rowCount())}

        qtbot.waitUntil(lambda: "here" in names(), timeout=10_000)
        added = taskrun(ctx.store.data_dir, "task", "add", "elsewhere", "--command", "true")
        assert added.returncode == 0, added.stderr
        qtbot.waitUntil(lambda: "elsewhere" in names(), timeout=15_000)  # no run to tell it
