"""Exporting a task from the window writes a file only its owner can read, whatever the umask,
and with no secret default in it (the same file `taskrun task export` writes)."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QWidget
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Param
from taskrun_gui.core.params import MASK
from taskrun_gui.storage import tasks_repo
from taskrun_gui.ui.tasks.task_transfer import TaskTransfer
from tests.helpers import add_task, app_context, shell_task

SECRET = "export-s3cret-42"


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_an_export_is_0600_and_holds_no_secret(
    qtbot: QtBot, tmp_path: Path, umask_022: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "exported.toml"
    target.parent.mkdir()
    target.write_text("old content\n")
    target.chmod(0o644)  # an existing file keeps no wider mode either
    with app_context(tmp_path, schedules=False) as ctx:
        params = [Param("token", default=SECRET, secret=True)]
        add_task(ctx.store, shell_task("to-export", "echo hi", params=params))
        row = tasks_repo.get("to-export")
        parent = QWidget()
        qtbot.addWidget(parent)
        transfer = TaskTransfer(ctx, lambda: row, parent)
        monkeypatch.setattr(
            QFileDialog, "getSaveFileName", staticmethod(lambda *_a: (str(target), ""))
        )
        with qtbot.waitSignal(transfer.exported, timeout=5000) as done:
            transfer.export_selected()
        assert done.args == [str(target)]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = target.read_text()
    assert SECRET not in text
    assert tomllib.loads(text)["params"][0]["default"] == MASK
