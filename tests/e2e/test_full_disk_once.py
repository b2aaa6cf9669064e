"""A full disk under the data dir with retries and secret parameters: the outcome is kept (a
retry whose secrets cannot be saved is not queued, and the record says so), and runs whose
records the disk refused are not run again by a successor daemon."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import taskrun
from tests.e2e.disks import fill
from tests.e2e.test_full_disk import _runs_when
from tests.e2e.test_runs_once import _daemons, _daemons_started, _lines, _until


def test_retry_with_a_secret_on_a_full_disk_keeps_the_outcome(small_disk: Path) -> None:
    data = small_disk / "data"
    res = taskrun(
        data,
        "task",
        "add",
        "flaky",
        "--command",
        "echo trying; exit 3",
        "--secret-param",
        "tok",
        "--retries",
        "1",
        "--retry-backoff",
        "0",
    )
    assert res.returncode == 0, res.stderr
    filler = fill(small_disk)
    res = taskrun(data, "run", "flaky", "--param", "tok=abc123", "--wait")
    assert "Traceback" not in res.stderr
    assert res.returncode == 1
    assert "the retry was not queued" in res.stdout
    assert list((data / "secrets").iterdir()) == []  # no empty secrets file left
    filler.unlink()
    (run,) = _runs_when(data, lambda rs: rs and rs[0]["status"] not in ("queued", "running"))
    assert run["status"] == "failed"
    assert "the retry was not queued" in run["error_message"]
    assert "abc123" not in json.dumps(run)


CHATTY = "python3 -c \"import sys; sys.stdout.write('x' * 3_000_000)\"; echo ran >> {marks}"


def test_runs_on_a_filling_disk_run_once_and_no_successor_chain(
    small_disk: Path,
    tmp_path: Path,
) -> None:
    data, marks = small_disk / "data", tmp_path / "executions"
    res = taskrun(data, "task", "add", "chatty", "--command", CHATTY.format(marks=marks))
    assert res.returncode == 0, res.stderr
    res = taskrun(data, "run", "chatty", "--repeat", "3")
    assert res.returncode == 0, res.stderr
    _until(lambda: _lines(marks) >= 3, why="the runs ran")
    _until(lambda: not _daemons(data), why="the daemons ended")
    assert _lines(marks) == 3
    assert _daemons_started(data) <= 1
    log = data / "daemon.out"
    assert "Traceback" not in (log.read_text() if log.exists() else "")
    for path in (data / "logs").rglob("*.log"):
        path.unlink()  # room again: the records are written, nothing runs again
    _runs_when(data, lambda rs: len(rs) == 3 and all(r["status"] == "success" for r in rs))
    assert _lines(marks) == 3
