"""From a failed run in the history, one action shows what changed in the task since its
last success: the diff of the two versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QWidget

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import tasks_repo
from taskrun_gui.ui.history.run_actions import RunActions
from tests.e2e.runs import run_task
from tests.helpers import add_task, app_context, shell_task


def test_what_changed_before_this_run_broke(qtbot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        store = ctx.store
        task = add_task(store, shell_task("deploy", "echo ok"))
        good = run_task(qtbot, ctx.executor, task)
        with store.db.atomic():
            task = tasks_repo.save(task.id, replace(task.spec, command="echo ok; exit 3"))
        bad = run_task(qtbot, ctx.executor, task)
        assert (good.status, bad.status) == (RunStatus.SUCCESS, RunStatus.FAILED)
        parent = QWidget()
        qtbot.addWidget(parent)
        actions = RunActions(ctx, parent)
        menu = actions.build_menu(bad, [bad], lambda a, b: None)
        entry = next(a for a in menu.actions() if a.text().startswith("What changed"))
        assert entry.isEnabled()
        entry.trigger()
        qtbot.waitUntil(lambda: actions.what_changed_dialog is not None, timeout=5000)
        diff = actions.what_changed_dialog.diff_view.toPlainText()  # type: ignore[union-attr]
        assert '-  "command": "echo ok",' in diff
        assert '+  "command": "echo ok; exit 3",' in diff
        good_menu = actions.build_menu(good, [good], lambda a, b: None)
        assert not next(
            a for a in good_menu.actions() if a.text().startswith("What changed")
        ).isEnabled()
        actions.what_changed_dialog.close()  # type: ignore[union-attr]
