"""The run details of a retry say which attempt it is, of how many, and which run it retries
(looked up on a worker), or that the run it retries was deleted."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.schema import Run
from taskrun_gui.ui.history.run_details import RunDetails
from tests.helpers import add_task, app_context, shell_task


def _attempt_shown(qtbot: QtBot, details: RunDetails, rec: RunRecord) -> str:
    with qtbot.waitSignal(details.extra_loaded, timeout=10_000):
        details.show_run(rec)
        before = details.values["Attempt"].text()
    assert "run" not in before  # the lookup is not made on the UI thread
    return details.values["Attempt"].text()


def test_a_retry_names_the_run_it_retries(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        task = add_task(ctx.store, shell_task("flaky", "exit 2", retries=2, retry_backoff=0.05))
        ctx.executor.enqueue(task.id, task.version, task.spec)
        with qtbot.waitSignal(ctx.executor.idle, timeout=20_000):
            pass
        assert ctx.writer.flush(10)
        first, second, third = reversed(runs_repo.page_before(RunFilter(task_id=task.id), None, 5))
        details = RunDetails(ctx.query)
        qtbot.addWidget(details)

        assert _attempt_shown(qtbot, details, first) == "1 of 3"
        assert _attempt_shown(qtbot, details, second) == f"2 of 3, retry of run {first.id}"
        assert _attempt_shown(qtbot, details, third) == f"3 of 3, retry of run {second.id}"

        Run.delete().where(Run.id == first.id).execute()  # as an older retention did
        text = _attempt_shown(qtbot, details, second)
        assert text == "2 of 3, retry of a run that was deleted"
