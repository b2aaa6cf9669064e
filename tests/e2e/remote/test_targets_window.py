"""Default targets in the window, against the real sshd (three hosts, aliases of it): the
editor picks them and refuses one the inventory lacks; Run goes to them through the run
dialog, which can send this launch elsewhere (this machine, another tag) with a limit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.editor.editor_tab import EditorTab
from taskrun_gui.ui.tasks.tasks_tab import TasksTab
from taskrun_gui.ui.widgets.targets_picker import TargetsPicker
from tests.helpers import add_task, shell_task

pytestmark = pytest.mark.qt_log_ignore(
    "This plugin does not support propagateSizeHints", "This plugin does not support raise"
)
LINE = 'echo "on ${TASKRUN_HOST:-here}"'


@pytest.fixture
def ctx(window_ctx: AppContext) -> AppContext:
    return window_ctx


def _check(picker: TargetsPicker, target: str) -> None:
    item = picker.item_for(target)
    assert item is not None, target
    item.setCheckState(Qt.CheckState.Checked)


def test_the_editor_picks_targets_and_refuses_a_missing_host(qtbot, ctx) -> None:
    editor = EditorTab(ctx)
    qtbot.addWidget(editor)
    picker = editor.form.targets
    with qtbot.waitSignal(picker.loaded, timeout=30_000):
        editor.edit_task(None)
    assert picker.item_for("").checkState() == Qt.CheckState.Checked  # this machine
    labels = [picker.list.item(r).text().split()[0] for r in range(picker.list.count())]
    assert labels == ["This", "db1", "web1", "web2", "tag:db", "tag:web"]
    editor.form.name.setText("deploy")
    editor.form.command.setText(LINE)
    _check(picker, "tag:web")
    _check(picker, "db1")
    assert picker.item_for("").checkState() == Qt.CheckState.Unchecked
    assert picker.summary.text() == "Runs on 3 hosts: web1, web2, db1"
    with qtbot.waitSignal(editor.saved, timeout=30_000):
        assert editor.save()
    assert tasks_repo.get("deploy").spec.targets == ["tag:web", "db1"]

    picker.set_targets(["ghost"])
    assert "not in the inventory" in picker.item_for("ghost").text()
    assert picker.summary.text() == "ghost: no such host (see `taskrun host list`)"
    assert editor.save()
    qtbot.waitUntil(lambda: editor.form.errors["targets"].isVisibleTo(editor.form), timeout=30_000)
    assert "Not saved" in editor.status.text()
    assert "ghost: no such host" in editor.form.errors["targets"].text()
    assert tasks_repo.get("deploy").spec.targets == ["tag:web", "db1"]  # nothing written


def _run_all(qtbot, ctx: AppContext, start) -> list[RunRecord]:
    """Start runs with `start` and wait until each one queued has finished."""
    done: dict[str, RunRecord] = {}
    ctx.executor.run_finished.connect(lambda rec: done.__setitem__(rec.uid, rec))
    with qtbot.waitSignal(ctx.executor.run_queued, timeout=10_000):
        start()
    qtbot.waitUntil(lambda: bool(done) and not ctx.executor.is_busy(), timeout=60_000)
    return list(done.values())


@pytest.fixture
def tasks_tab(qtbot, ctx) -> Iterator[TasksTab]:
    host = QWidget()
    tab = TasksTab(ctx, parent=host)
    qtbot.addWidget(host)
    host.resize(1100, 600)
    yield tab
    host.close()


def test_run_goes_to_the_targets_and_the_dialog_overrides_them(qtbot, ctx, tasks_tab) -> None:
    add_task(ctx.store, shell_task("deploy", LINE, targets=["tag:web"]))
    task = tasks_repo.get("deploy")
    tasks_tab.run_task(task)
    dialog = tasks_tab.params_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.targets.picker.hosts != [], timeout=30_000)
    assert dialog.targets.isVisibleTo(dialog) and dialog.targets.targets() == ["tag:web"]
    runs = _run_all(qtbot, ctx, dialog.accept)
    assert sorted(r.host or "" for r in runs) == ["web1", "web2"]
    assert len({r.batch for r in runs}) == 1 and all(r.status is RunStatus.SUCCESS for r in runs)
    for r in runs:
        assert Path(r.log_path).read_bytes() == f"on {r.host}\n".encode()

    tasks_tab.run_task(task)
    dialog = tasks_tab.params_dialog
    qtbot.waitUntil(lambda: dialog.targets.picker.hosts != [], timeout=30_000)
    dialog.targets.picker.item_for("").setCheckState(Qt.CheckState.Checked)
    assert not dialog.targets.parallel.isEnabled()
    [here] = _run_all(qtbot, ctx, dialog.accept)
    assert here.host is None and Path(here.log_path).read_bytes() == b"on here\n"

    tasks_tab.run_task(task)
    dialog = tasks_tab.params_dialog
    qtbot.waitUntil(lambda: dialog.targets.picker.hosts != [], timeout=30_000)
    dialog.targets.picker.set_targets(["db1", "web2"])
    dialog.targets.parallel.setValue(1)
    runs = _run_all(qtbot, ctx, dialog.accept)
    assert sorted(r.host or "" for r in runs) == ["db1", "web2"]
    qtbot.waitUntil(
        lambda: all(runs_repo.get_by_uid(r.uid) is not None for r in runs), timeout=30_000
    )
    stored = [runs_repo.get_by_uid(r.uid) for r in runs]
    assert {(s.batch_limit, s.batch) for s in stored if s} == {(1, runs[0].batch)}
