"""Chains in the window: the window's host starts the next task as the daemon does, the run
details say which run triggered a run, and the editor shows the chain and refuses a cycle."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.editor.editor_tab import EditorTab
from taskrun_gui.ui.history.run_details import RunDetails
from tests.helpers import add_task, app_context, shell_task


def test_the_window_chains_and_shows_the_trigger(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        second = add_task(ctx.store, shell_task("second", 'echo "$TRIGGER_TASK"'))
        first = add_task(ctx.store, shell_task("first", "true", then=["success:second"]))
        ctx.executor.enqueue(first.id, first.version, first.spec)

        def second_done() -> bool:
            assert ctx.writer.flush(10)
            runs = runs_repo.page_before(RunFilter(task_id=second.id), None, 1)
            return bool(runs) and runs[0].status is RunStatus.SUCCESS

        qtbot.waitUntil(second_done, timeout=20_000)
        (trigger,) = runs_repo.page_before(RunFilter(task_id=first.id), None, 5)
        (chained,) = runs_repo.page_before(RunFilter(task_id=second.id), None, 5)
        assert chained.triggered_by == trigger.id
        assert Path(chained.log_path).read_text() == "first\n"
        details = RunDetails(ctx.query)
        qtbot.addWidget(details)
        details.show_run(chained)
        assert details.values["Trigger"].text() == f"chain, triggered by run {trigger.id}"
        ctx.query.wait_idle()


def test_the_editor_shows_the_chain_and_refuses_a_cycle(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        b = add_task(ctx.store, shell_task("b", "true"))
        add_task(ctx.store, shell_task("a", "true", then=["failure:b"]))
        editor = EditorTab(ctx)
        qtbot.addWidget(editor)
        with qtbot.waitSignal(editor.loaded, timeout=10_000):
            editor.edit_task(b.id)
        chain = editor.form.alerts.chain
        qtbot.waitUntil(lambda: chain.text() == "a (failure) -> b", timeout=10_000)
        editor.form.alerts.then.setText("finish:a")
        editor.save()
        error = editor.form.errors["then"]
        qtbot.waitUntil(lambda: not error.isHidden(), timeout=10_000)
        assert error.text() == "the chain b -> a -> b is a cycle"
        assert editor.status.text() == "Not saved: then: the chain b -> a -> b is a cycle"
        assert [v.number for v in tasks_repo.versions(b.id)] == [1]
        ctx.query.wait_idle()
        assert editor.is_dirty()  # the edit is kept, unsaved: it looked saved, and was lost
        assert editor.form.alerts.then.text() == "finish:a"
        editor.save()
        editor.save()  # Ctrl+S twice before the store answers: still one unsaved edit
        qtbot.waitUntil(lambda: editor.saves_pending == 0, timeout=10_000)  # both answered
        assert editor.is_dirty() and [v.number for v in tasks_repo.versions(b.id)] == [1]
