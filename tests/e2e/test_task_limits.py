"""A task's max_concurrent applies to the runs it has queued already: raised (to clear a
backlog) the waiting runs start beside the running one, lowered no new one starts until
fewer run. A queued run still runs the version it was queued with."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import ended, gated_line, start_daemon, taskrun, taskrun_json
from tests.helpers import wait_for


def _statuses(data: Path) -> list[str]:
    return sorted(r["status"] for r in taskrun_json(data, "runs", "--task", "slow", "--json"))


def test_raising_max_concurrent_starts_the_runs_queued_behind_the_limit(tmp_path: Path) -> None:
    data = tmp_path / "data"
    line, gate, _started = gated_line(tmp_path)
    add = taskrun(data, "task", "add", "slow", "--command", line, "--max-concurrent", "1")
    assert add.returncode == 0, add.stderr
    with ended(start_daemon(data, "--workers", "4"), gate) as daemon:
        assert taskrun(data, "run", "slow", "--repeat", "3").returncode == 0
        wait_for(lambda: _statuses(data) == ["queued", "queued", "running"], timeout=30)
        edit = taskrun(data, "task", "edit", "slow", "--max-concurrent", "3")
        assert edit.returncode == 0, edit.stderr
        wait_for(lambda: _statuses(data) == ["running"] * 3, timeout=30)
        gate.touch()
        wait_for(lambda: _statuses(data) == ["success"] * 3, timeout=30)
        daemon.terminate()
        daemon.communicate(timeout=30)
    runs = taskrun_json(data, "runs", "--task", "slow", "--json")
    assert {r["version"] for r in runs} == {1}  # they ran the version they were queued with
    assert json.loads(taskrun(data, "task", "show", "slow", "--json").stdout)["version"] == 2
