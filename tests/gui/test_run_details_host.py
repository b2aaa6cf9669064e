"""The run details say which host a run on another machine ran on (and its batch); a local
run shows no Host row."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.ui.history.run_details import RunDetails
from tests.helpers import app_context


def test_the_host_row_shows_for_remote_runs_only(qtbot: QtBot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        details = RunDetails(ctx.query)
        qtbot.addWidget(details)
        remote = RunRecord("u1", 1, "deploy", 1, RunStatus.SUCCESS, host="web1", batch="7cb9" * 8)
        details.show_run(remote)
        assert details.values["Host"].text() == "web1  (batch 7cb97cb9)"
        assert details._form.isRowVisible(details.values["Host"])
        details.show_run(RunRecord("u2", 1, "deploy", 1, RunStatus.SUCCESS))
        assert not details._form.isRowVisible(details.values["Host"])
