"""Settings → Database: the PostgreSQL URL the next start opens. Checked with the --db parser
(a bad one stays in the dialog with one line, nothing written); a password typed in the URL
is moved out of it into the data dir's 0600 secret store, never into the window's settings;
--db and $TASKRUN_DB win over it; the next start opens the saved database."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.storage import db_setting, db_url, tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.ui.context import AppContext
from tests.gui.test_log_cap_settings import _dialog, _ok
from tests.helpers import app_context

PASSWORD = "s3cret-Pw%!"


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.delenv(db_url.ENV, raising=False)
    with app_context(tmp_path, schedules=False) as context:
        yield context


def _everything_on_disk(root: Path) -> str:
    return "\n".join(
        p.read_text(errors="replace") for p in root.rglob("*") if p.is_file() and p.suffix != ".db"
    )


def test_a_password_in_the_url_goes_to_the_secret_store(
    qtbot: QtBot, ctx: AppContext, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, ctx)
    box = dialog.database
    dialog.pages.setCurrentWidget(dialog.database_page)
    assert dialog.pages.tabText(dialog.pages.currentIndex()) == "Database"
    assert box.in_use.text() == "In use now: SQLite in the data folder"
    assert box.hint.text().startswith("Takes effect at the next start. The window's --db")
    box.url.setText(f"postgresql://alice:{PASSWORD.replace('%', '%25')}@db.example.org/hist")
    _ok(qtbot, dialog)
    assert not dialog.isVisible()
    data = ctx.store.data_dir
    path = db_setting.path_of(data)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert os.stat(path.parent).st_mode & 0o777 == 0o700
    assert json.loads(path.read_text()) == {
        "url": "postgresql://alice@db.example.org:5432/hist",
        "password": PASSWORD,
    }
    ctx.settings.sync()
    assert PASSWORD not in Path(ctx.settings.fileName()).read_text()
    assert PASSWORD not in _everything_on_disk(tmp_path).replace(path.read_text(), "")
    # shown again: the URL without it, the password masked in its own field
    again = _dialog(qtbot, ctx)
    assert again.database.url.text() == "postgresql://alice@db.example.org:5432/hist"
    assert again.database.password.echoMode() == again.database.password.EchoMode.Password


def test_a_bad_url_stays_in_the_dialog_and_writes_nothing(qtbot: QtBot, ctx: AppContext) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.database.url.setText(f"mysql://bob:{PASSWORD}@db/x")
    _ok(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.pages.tabText(dialog.pages.currentIndex()) == "Database"  # where it says why
    error = dialog.database.error
    assert error.isVisible()
    assert error.text() == (f"Database URL: expected {db_url.FORM}, got 'mysql://bob:***@db/x'")
    assert PASSWORD not in error.text()
    assert not db_setting.path_of(ctx.store.data_dir).exists()


def test_the_next_start_opens_the_saved_database_unless_db_or_env_says(
    qtbot: QtBot, ctx: AppContext, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, ctx)
    dialog.database.url.setText(pg_url)
    _ok(qtbot, dialog)
    data = ctx.store.data_dir
    chosen = db_setting.at_start(data, None)
    assert chosen is not None and db_url.parse(chosen) == db_url.parse(pg_url)
    other = "postgresql://carol@elsewhere:5433/other"
    assert db_setting.at_start(data, other) == other  # the window's --db
    monkeypatch.setenv(db_url.ENV, other)
    assert db_setting.at_start(data, None) == other  # $TASKRUN_DB
    monkeypatch.delenv(db_url.ENV)
    # what the next start opens: the PostgreSQL history, not the data dir's SQLite file
    next_start = Store(data / "next", chosen)
    next_start.open()
    try:
        assert next_start.url is not None
        assert tasks_repo.list_all() == []
    finally:
        next_start.close()
