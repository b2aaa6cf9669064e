"""A full disk under the data dir: tasks still run, hosts survive, outcomes are kept and
written once there is room, and the log says how much output it could not keep."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from taskrun_gui.engine.locks import host_pid
from tests.e2e.cli import cli_env, taskrun, taskrun_json
from tests.e2e.disks import fill

CHATTY = "python3 -c \"import sys; sys.stdout.write('x' * 6_000_000); sys.exit(3)\""


def _free_logs(data: Path) -> None:
    for log in (data / "logs").rglob("*.log"):
        log.unlink()


def _runs_when(data: Path, done: Any, timeout: float = 30) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    runs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        res = taskrun(data, "runs", "--json")
        if res.returncode == 0:
            runs = json.loads(res.stdout)
            if done(runs):
                return runs
        time.sleep(0.2)
    raise AssertionError(f"runs never got there: {runs}")


def test_run_wait_on_a_disk_that_fills_up_keeps_the_outcome(small_disk: Path) -> None:
    data = small_disk / "data"
    assert taskrun(data, "task", "add", "chatty", "--command", CHATTY).returncode == 0
    res = taskrun(data, "run", "chatty", "--wait")
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert "failed" in res.stdout and "exited with code 3" in res.stdout
    assert "could not be written to" in res.stderr and "No space left on device" in res.stderr
    _free_logs(data)  # room again: the record the store refused is written
    (run,) = _runs_when(data, lambda rs: rs and rs[0]["status"] != "running")
    assert (run["status"], run["exit_code"]) == ("failed", 3)
    assert run["log_dropped_bytes"] > 0


def test_the_daemon_survives_a_full_disk_and_goes_on_serving(
    small_disk: Path, tmp_path: Path
) -> None:
    data = small_disk / "data"
    assert taskrun(data, "task", "add", "chatty", "--command", CHATTY).returncode == 0
    assert taskrun(data, "task", "add", "quick", "--command", "echo quick").returncode == 0
    err_path = tmp_path / "daemon.err"  # not on the full disk: the test reads it
    with open(err_path, "w") as err:
        daemon = subprocess.Popen(
            [sys.executable, "-m", "taskrun_gui.cli", "daemon"],
            env=cli_env(data),
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        deadline = time.monotonic() + 30
        while host_pid(data / "locks") != daemon.pid:  # serving: `run` must not start another
            assert daemon.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, "the daemon did not start serving"
            time.sleep(0.05)
        assert taskrun(data, "run", "chatty").returncode == 0
        while "could not be written to" not in err_path.read_text():
            assert daemon.poll() is None, err_path.read_text()
            assert time.monotonic() < deadline, "the chatty run never ended"
            time.sleep(0.1)
        assert daemon.poll() is None, err_path.read_text()  # the run ended; it serves on
        _free_logs(data)
        runs = _runs_when(data, lambda rs: rs and rs[0]["status"] not in ("queued", "running"))
        assert (runs[0]["status"], runs[0]["exit_code"]) == ("failed", 3)
        assert taskrun(data, "run", "quick").returncode == 0
        _runs_when(data, lambda rs: len(rs) == 2 and rs[0]["status"] == "success")
        assert daemon.poll() is None
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
    assert "Traceback" not in err_path.read_text()


def _disk_room(mnt: Path) -> int:
    st = os.statvfs(mnt)
    return st.f_bavail * st.f_frsize


def test_with_the_disk_already_full_the_task_still_runs(small_disk: Path, tmp_path: Path) -> None:
    data = small_disk / "data"
    ran = tmp_path / "ran"  # outside the full disk
    cmd = f"{sys.executable} -c \"import sys; open(sys.argv[1], 'a').write('x')\" {ran}"
    assert taskrun(data, "task", "add", "mark", "--command", cmd).returncode == 0
    filler = fill(small_disk)
    res = taskrun(data, "run", "mark", "--wait")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr and "success" in res.stdout
    res = taskrun(data, "run", "mark")  # no --wait: it cannot be queued, it runs anyway
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    deadline = time.monotonic() + 30
    while not ran.exists() or ran.read_text() != "xx":
        assert time.monotonic() < deadline, "the second run never ran"
        time.sleep(0.1)
    filler.unlink()
    runs = _runs_when(data, lambda rs: len(rs) == 2 and all(r["status"] == "success" for r in rs))
    assert len({r["id"] for r in runs}) == 2


def test_cli_reads_work_on_a_full_disk(small_disk: Path) -> None:
    data = small_disk / "data"
    assert taskrun(data, "task", "add", "quick", "--command", "echo hi").returncode == 0
    assert taskrun(data, "run", "quick", "--wait").returncode == 0
    fill(small_disk)
    runs = taskrun_json(data, "runs", "--json")
    assert runs[0]["status"] == "success"


def test_output_the_disk_refuses_is_an_error_not_a_silent_loss(small_disk: Path) -> None:
    data = small_disk / "data"
    assert taskrun(data, "task", "add", "quick", "--command", "echo hi").returncode == 0
    assert taskrun(data, "run", "quick", "--wait").returncode == 0
    fill(small_disk)
    with open(small_disk / "out.json", "w") as out:
        res = subprocess.run(
            [sys.executable, "-m", "taskrun_gui.cli", "runs", "--json"],
            env=cli_env(data),
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert res.returncode == 1
    last = res.stderr.strip().splitlines()[-1]  # after the warning that the disk is full
    assert last.startswith("taskrun: ") and "No space left on device" in last
    assert "Traceback" not in res.stderr and "Exception ignored" not in res.stderr
