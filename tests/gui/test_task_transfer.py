"""Importing task files in the window: the user chooses what happens to tasks that exist."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.task_import import OnExisting
from taskrun_gui.ui.tasks.task_transfer import TaskTransfer
from tests.helpers import add_task, app_context, shell_task


def test_an_import_over_an_existing_task_does_what_the_user_chose(
    qtbot: QtBot, tmp_path: Path
) -> None:
    f = tmp_path / "nightly.toml"
    f.write_text('name = "nightly"\ncommand = "echo new"\n')
    with app_context(tmp_path, schedules=False) as ctx:
        add_task(ctx.store, shell_task("nightly", "echo old"))
        parent = QWidget()
        qtbot.addWidget(parent)
        transfer = TaskTransfer(ctx, lambda: None, parent)
        asked: list[list[str]] = []
        choices = [OnExisting.RENAME, OnExisting.REPLACE]

        def choose(taken: list[str]) -> OnExisting:
            asked.append(taken)
            return choices.pop(0)

        transfer.choose_on_existing = choose
        for _ in range(2):
            with qtbot.waitSignal(transfer.written, timeout=10_000):
                transfer.import_path(f)
        assert asked == [["nightly"], ["nightly"]]
        commands = {t.name: (t.spec.command, t.version) for t in tasks_repo.list_all()}
        assert commands == {"nightly": ("echo new", 2), "nightly-2": ("echo new", 1)}
