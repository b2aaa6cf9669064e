"""The log size cap per run in the Settings dialog is the data dir's policy: it is written to
settings.toml (where `taskrun daemon` reads it too), the next run is capped by it, and the run
details say how much output was not kept."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.policy import DEFAULT_LOG_CAP, MIB, Policy
from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.engine.log_file import dropped_note
from taskrun_gui.storage import policy_file, runs_repo
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.history.run_details import RunDetails
from taskrun_gui.ui.settings_dialog import SettingsDialog
from tests.helpers import add_task, app_context, py_task

CHATTY = "import sys; sys.stdout.write('y' * (3 * 1024 * 1024))"


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[AppContext]:
    with app_context(tmp_path, schedules=False) as context:
        yield context


def _dialog(qtbot: QtBot, ctx: AppContext) -> SettingsDialog:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _ok(qtbot: QtBot, dialog: SettingsDialog) -> None:
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    qtbot.mouseClick(buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)


def _run(qtbot: QtBot, ctx: AppContext, task_id: int) -> RunRecord:
    from taskrun_gui.storage import tasks_repo

    row = tasks_repo.get(task_id)
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=20_000) as finished:
        ctx.executor.enqueue(row.id, row.version, row.spec)
    assert ctx.writer.flush(10)
    stored = runs_repo.get_by_uid(finished.args[0].uid)
    assert stored is not None
    return stored


def test_the_cap_set_in_settings_is_written_to_the_data_dir_and_caps_runs(
    qtbot: QtBot, ctx: AppContext
) -> None:
    path = policy_file.policy_path(ctx.store.data_dir)
    task_id = add_task(ctx.store, py_task("chatty", CHATTY)).id
    dialog = _dialog(qtbot, ctx)
    assert dialog.log_cap.value() == DEFAULT_LOG_CAP // MIB
    dialog.log_cap.setValue(1)
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    assert tomllib.loads(path.read_text())["log_cap_bytes"] == MIB
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert ctx.settings.value("log/cap") is None  # not a preference of this window

    rec = _run(qtbot, ctx, task_id)
    assert rec.status is RunStatus.SUCCESS
    assert rec.log_dropped > 0
    note = dropped_note(rec.log_dropped, f"the log is capped at {MIB} bytes")
    assert MIB // 2 < os.path.getsize(rec.log_path) <= MIB + len(note)

    details = RunDetails(ctx.query)
    qtbot.addWidget(details)
    details.show()
    details.show_run(rec)
    shown = details.values["Output not kept"]
    assert shown.isVisible()
    assert shown.text() == (
        f"{human_bytes(rec.log_dropped)} (log cap or full disk; the log file says where)"
    )

    dialog = _dialog(qtbot, ctx)
    assert dialog.log_cap.value() == 1
    dialog.log_cap.setValue(0)  # "no cap"
    _ok(qtbot, dialog)
    assert tomllib.loads(path.read_text())["log_cap_bytes"] == 0
    rec = _run(qtbot, ctx, task_id)
    assert rec.log_dropped == 0 and os.path.getsize(rec.log_path) == 3 * MIB
    details.show_run(rec)
    assert not details.values["Output not kept"].isVisible()


def test_an_untouched_cap_is_not_rewritten(qtbot: QtBot, ctx: AppContext) -> None:
    path = policy_file.policy_path(ctx.store.data_dir)
    _ok(qtbot, _dialog(qtbot, ctx))
    assert not path.exists()  # nothing changed: the default stays the default
    policy_file.save(ctx.store.data_dir, Policy(log_cap_bytes=5000))  # as a hand edit
    dialog = _dialog(qtbot, ctx)
    assert dialog.log_cap.value() == 1  # shown rounded to whole MiB
    _ok(qtbot, dialog)
    assert tomllib.loads(path.read_text())["log_cap_bytes"] == 5000


def test_a_cap_that_cannot_be_written_keeps_the_dialog_open(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    path = policy_file.policy_path(ctx.store.data_dir)
    path.mkdir()  # settings.toml cannot be replaced by a file
    dialog = _dialog(qtbot, ctx)
    dialog.log_cap.setValue(7)
    _ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.log_cap_error.isVisible()
    assert dialog.log_cap_error.text().startswith(f"Could not save the log cap to {path}: ")
    assert path.is_dir()
