"""Importing task files in the window: the user chooses what happens to tasks that exist."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.task_import import Conflict, OnExisting
from taskrun_gui.ui.tasks.import_conflict_dialog import ImportConflictDialog
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

        def choose(taken: list[Conflict]) -> OnExisting:
            asked.append([c.name for c in taken])
            return choices.pop(0)

        transfer.choose_on_existing = choose
        for _ in range(2):
            with qtbot.waitSignal(transfer.written, timeout=10_000):
                transfer.import_path(f)
        assert asked == [["nightly"], ["nightly"]]
        commands = {t.name: (t.spec.command, t.version) for t in tasks_repo.list_all()}
        assert commands == {"nightly": ("echo new", 2), "nightly-2": ("echo new", 1)}


def _answer_dialogs(qtbot: QtBot, answers: list[tuple[str, bool]], seen: list[str]) -> None:
    """Answer each conflict dialog as it opens: click the button whose text starts with the
    first word given, ticking "apply to all" when asked to; record each dialog's text."""

    def answer_open_one() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ImportConflictDialog):
            QTimer.singleShot(20, answer_open_one)
            return
        seen.append(f"{dialog.text()}\n{dialog.informativeText()}")
        start, to_all = answers.pop(0)
        if to_all:
            dialog.apply_to_all.setChecked(True)
        button = next(b for b in dialog.buttons() if b.text().startswith(start))
        if answers:
            QTimer.singleShot(20, answer_open_one)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer_open_one)


def test_each_taken_name_is_asked_about_by_file_with_apply_to_all(
    qtbot: QtBot, tmp_path: Path
) -> None:
    folder = tmp_path / "defs"
    folder.mkdir()
    for name in ("alpha", "beta", "gamma", "delta"):
        (folder / f"{name}.toml").write_text(f'name = "{name}"\ncommand = "echo new {name}"\n')
    with app_context(tmp_path, schedules=False) as ctx:
        for name in ("alpha", "beta", "gamma"):
            add_task(ctx.store, shell_task(name, f"echo old {name}"))
        parent = QWidget()
        qtbot.addWidget(parent)
        transfer = TaskTransfer(ctx, lambda: None, parent)
        seen: list[str] = []
        _answer_dialogs(qtbot, [("Import as", False), ("Skip", True)], seen)
        with qtbot.waitSignal(transfer.written, timeout=10_000):
            transfer.import_path(folder)
        assert len(seen) == 2  # the third conflict took the "apply to all" answer
        assert "<b>alpha.toml</b> defines the task “alpha”" in seen[0]
        assert f"File: {folder / 'alpha.toml'}" in seen[0]
        assert "Do the same" not in seen[0]
        assert "<b>beta.toml</b>" in seen[1]
        commands = {t.name: t.spec.command for t in tasks_repo.list_all()}
        assert commands == {
            "alpha": "echo old alpha",
            "alpha-2": "echo new alpha",
            "beta": "echo old beta",
            "gamma": "echo old gamma",
            "delta": "echo new delta",
        }
        _answer_dialogs(qtbot, [("Cancel", False)], seen)
        transfer.import_path(folder)
        qtbot.waitUntil(lambda: len(seen) == 3, timeout=10_000)
        assert len(tasks_repo.list_all()) == 5  # a cancelled import writes nothing


def test_a_folder_of_tasks_that_chain_to_each_other_imports_together(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "chained"
    folder.mkdir()
    (folder / "a.toml").write_text('name = "a"\ncommand = "true"\nthen = ["success:b"]\n')
    (folder / "b.toml").write_text('name = "b"\ncommand = "true"\n')
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(folder))
    with app_context(tmp_path, schedules=False) as ctx:
        parent = QWidget()
        qtbot.addWidget(parent)
        transfer = TaskTransfer(ctx, lambda: None, parent)
        with qtbot.waitSignal(transfer.written, timeout=10_000):
            transfer.import_folder()
        assert {t.name for t in tasks_repo.list_all()} == {"a", "b"}
        cycle = tmp_path / "cycle"
        cycle.mkdir()
        (cycle / "c.toml").write_text('name = "c"\ncommand = "true"\nthen = ["success:d"]\n')
        (cycle / "d.toml").write_text('name = "d"\ncommand = "true"\nthen = ["success:c"]\n')
        monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(cycle))
        monkeypatch.setattr(QMessageBox, "warning", lambda *_a, **_k: None)
        with qtbot.waitSignal(transfer.failed, timeout=10_000) as failed:
            transfer.import_folder()
        assert "nothing imported" in failed.args[0] and "is a cycle" in failed.args[0]
        assert {t.name for t in tasks_repo.list_all()} == {"a", "b"}
