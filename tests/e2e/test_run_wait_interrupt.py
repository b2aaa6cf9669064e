"""Ctrl+C on `taskrun run --wait` when no daemon serves (the command hosts its own runs):
it says what it does, the runs it queued that have not started are cancelled (not left for
whichever taskrun comes next), the running one is waited for, a second Ctrl+C cancels it,
and the exit code is a shell's for an interrupted command."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.cli import cli_env, ended, gated_line, taskrun, taskrun_json
from tests.helpers import wait_for


def _start(data: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "taskrun_gui.cli", "run", *args],
        env=cli_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )


def _sigint_once_started(proc: subprocess.Popen[str], marker: Path) -> None:
    wait_for(lambda: marker.exists() or proc.poll() is not None, timeout=30)
    assert proc.poll() is None, proc.communicate()  # the first run started (the marker)
    proc.send_signal(signal.SIGINT)


def test_ctrl_c_cancels_the_queued_runs_and_waits_for_the_running_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    line, gate, started = gated_line(tmp_path)
    assert taskrun(data, "task", "add", "slow", "--command", line).returncode == 0
    with ended(_start(data, "slow", "--repeat", "3", "--wait"), gate) as proc:
        _sigint_once_started(proc, started)
        assert proc.stderr is not None
        said = proc.stderr.readline()
        assert said == (
            "taskrun: stopping: cancelled 2 queued runs; waiting for 1 running run to end "
            "(Ctrl+C again cancels)\n"
        ), said
        assert proc.poll() is None  # still waiting for the running one
        gate.touch()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run 1 of 'slow': success" in out and out.count("cancelled while queued") == 2
    runs = {r["id"]: r["status"] for r in taskrun_json(data, "runs", "--json")}
    assert runs == {1: "success", 2: "cancelled", 3: "cancelled"}  # nothing left queued


def test_a_second_ctrl_c_cancels_the_running_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    started = tmp_path / "started"
    line = f"touch {started}; sleep 120"
    assert taskrun(data, "task", "add", "stuck", "--command", line).returncode == 0
    proc = _start(data, "stuck", "--wait")
    try:
        _sigint_once_started(proc, started)
        assert proc.stderr is not None
        assert "waiting for 1 running run to end" in proc.stderr.readline()
        proc.send_signal(signal.SIGINT)
        assert proc.stderr.readline() == "taskrun: stopping: cancelling 1 running run\n"
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "run 1 of 'stuck': cancelled" in out
    (run,) = taskrun_json(data, "runs", "--json")
    assert run["status"] == "cancelled"


def test_a_stop_names_the_paused_run_it_waits_for_and_ends_once_it_is_resumed(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    line, gate, started = gated_line(tmp_path)
    assert taskrun(data, "task", "add", "held", "--command", line).returncode == 0
    with ended(_start(data, "held", "--wait"), gate) as proc:
        wait_for(lambda: started.exists() or proc.poll() is not None, timeout=30)
        assert taskrun(data, "pause", "1").returncode == 0
        wait_for(lambda: taskrun_json(data, "runs", "--json")[0]["status"] == "paused", 30)
        proc.send_signal(signal.SIGINT)
        assert proc.stderr is not None
        assert proc.stderr.readline() == (
            "taskrun: stopping: waiting for 1 paused run to end: resume it, or Ctrl+C again "
            "cancels\n"
        )
        gate.touch()
        assert proc.poll() is None  # paused: it has not seen the gate
        assert taskrun(data, "resume", "1").returncode == 0
        _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert taskrun_json(data, "runs", "--json")[0]["status"] == "success"
