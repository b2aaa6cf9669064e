"""The window's start-up tells why a data dir cannot be used (a damaged database, nothing to
read) in its message box, from the exception Store.open raises."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskrun_gui import app


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch, qapp: object) -> list[str]:
    messages: list[str] = []
    monkeypatch.setattr(
        app.QMessageBox, "critical", lambda _parent, _title, text: messages.append(text)
    )
    return messages


def test_a_damaged_database_is_explained_in_the_message_box(
    tmp_path: Path, shown: list[str]
) -> None:
    d = tmp_path / "data"
    d.mkdir()
    (d / "taskrun.db").write_bytes(os.urandom(4096))
    assert app._open_store(d) is None
    (text,) = shown
    assert f"the history store {d / 'taskrun.db'} is damaged or not a TaskRun database" in text
    assert "TaskRun starts a new history when the file is gone" in text
