"""`task rm` while one of the task's runs goes: the run ends as it ends, and starts no
retry (its retries went on running under a name no list shows)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import ended, gated_line, start_daemon, taskrun, taskrun_json
from tests.helpers import wait_for


def test_a_run_of_a_deleted_task_is_not_retried(tmp_path: Path) -> None:
    data = tmp_path / "data"
    line, gate, _started = gated_line(tmp_path)
    add = ["task", "add", "rr", "--command", f"{line}; exit 1", "--retries", "2"]
    assert taskrun(data, *add, "--retry-backoff", "0.1").returncode == 0
    with ended(start_daemon(data), gate) as daemon:
        assert taskrun(data, "run", "rr").returncode == 0

        def statuses() -> list[str]:
            return [r["status"] for r in taskrun_json(data, "runs", "--task", "rr", "--json")]

        wait_for(lambda: statuses() == ["running"], timeout=30)
        rm = taskrun(data, "task", "rm", "rr")
        assert rm.returncode == 0, rm.stderr
        gate.touch()
        wait_for(lambda: statuses() == ["failed"], timeout=30)
        daemon.terminate()
        daemon.communicate(timeout=30)
    runs = taskrun_json(data, "runs", "--task", "rr", "--json")
    assert [(r["attempt"], r["status"]) for r in runs] == [(1, "failed")]
    assert runs[0]["error_message"] == "exited with code 1; no retry: the task was deleted"
