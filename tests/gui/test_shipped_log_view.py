"""The Logs tab of a window on a shared PostgreSQL history shows the output of a run executing
on another node (a daemon in its own data dir): live as it is shipped, and whole once the run
has ended, though the log file is not this machine's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.storage import output_repo, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.ui.main_window import TAB_LOGS, MainWindow
from taskrun_gui.ui.widgets.log_view import LogView
from tests.e2e.machines import Machines
from tests.e2e.test_shipped_output import serving
from tests.helpers import app_context, shown_window


@pytest.fixture
def beta(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    with serving(tmp_path, pg_url) as m:
        yield m


@pytest.fixture
def alpha_window(
    qtbot: QtBot, tmp_path: Path, beta: Machines, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MainWindow]:
    """A window of node alpha on the same history, in a data dir of its own."""
    monkeypatch.setenv("TASKRUN_NODE", "alpha")
    with (
        app_context(tmp_path / "window", schedules=False, db_url=beta.url) as ctx,
        shown_window(qtbot, ctx) as win,
    ):
        yield win


def test_the_logs_tab_shows_another_nodes_run_live_and_whole(
    qtbot: QtBot, alpha_window: MainWindow, beta: Machines, tmp_path: Path
) -> None:
    gate = tmp_path / "go"
    command = (
        "echo 'warming up on beta'; "
        f"while [ ! -e {gate} ]; do sleep 0.05; done; printf 'done \\033[1mbold\\033[0m\\n'"
    )
    added = beta.cli("beta", "task", "add", "far", "--command", command)
    assert added.returncode == 0, added.stderr
    queued = beta.cli("beta", "run", "far", "--node", "beta", "--json")
    assert queued.returncode == 0, queued.stderr
    run_id = int(json.loads(queued.stdout)[0]["id"])

    alpha_window.tabs.setCurrentIndex(TAB_LOGS)
    history = alpha_window.history_tab
    history.show_run(run_id)
    view = history.log_view
    qtbot.waitUntil(lambda: "warming up on beta" in view.text(), timeout=20_000)
    run = runs_repo.get(run_id)
    assert run is not None and run.status is RunStatus.RUNNING  # shown while it goes
    assert view.shipped.active  # and still followed

    gate.touch()
    qtbot.waitUntil(lambda: not view.shipped.active, timeout=20_000)  # the run ended
    assert view.text() == "warming up on beta\ndone bold\n"
    run = runs_repo.get(run_id)
    assert run is not None and run.status is RunStatus.SUCCESS
    assert not Path(run.log_path).is_relative_to(tmp_path / "window")


def test_the_view_says_where_the_bytes_the_database_dropped_are(
    qtbot: QtBot, tmp_path: Path, pg_url: str
) -> None:
    store = Store(tmp_path / "data", pg_url).open()
    try:
        rec = RunRecord("far-1", 1, "t", 1, RunStatus.SUCCESS, node="beta", log_path="/b/1.log")
        lines = b"".join(b"line %06d\n" % i for i in range(20_000))  # 12 bytes a line
        keep = 2 * output_repo.CHUNK_BYTES  # fewer lines than the view holds
        seq = 0
        for at in range(0, len(lines), 50_000):  # flush by flush, as a node ships them
            seq += output_repo.append(rec.uid, seq, at, lines[at : at + 50_000], keep)
        kept = output_repo.kept_start(rec.uid)
        assert kept > 0
        view = LogView()
        qtbot.addWidget(view)
        view.show_shipped(rec, live=False)
        qtbot.waitUntil(lambda: not view.shipped.active, timeout=10_000)
        first, _, rest = view.text().partition("\n")
        assert first == (
            f"[first {kept} bytes not kept in the database; the full log is on node beta"
            " at /b/1.log]"
        )
        assert rest == lines[kept:].decode()
    finally:
        store.close()
