"""Ctrl+C on `taskrun run --on HOST --wait` (no daemon serving): as for a run here, the
batch's runs that have not started are cancelled (not left for the next taskrun to run), the
running one is waited for, and the exit code is a shell's for an interrupted command."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from tests.e2e.cli import cli_env, ended, gated_line, taskrun, taskrun_json
from tests.helpers import wait_for


def test_ctrl_c_cancels_the_batch_runs_not_started_and_exits_130(
    tmp_path: Path, hosts: Path, ssh_home: Path
) -> None:
    line, gate, started = gated_line(tmp_path)
    assert taskrun(hosts, "task", "add", "slow", "--command", line).returncode == 0
    args = ["run", "slow", "--on", "web1", "--repeat", "3", "--parallel", "1", "--wait"]
    call = subprocess.Popen(
        [sys.executable, "-m", "taskrun_gui.cli", *args],
        env=cli_env(hosts, HOME=str(ssh_home)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    with ended(call, gate) as proc:
        wait_for(lambda: started.exists() or proc.poll() is not None, timeout=60)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGINT)
        assert proc.stderr is not None
        said = proc.stderr.readline()
        assert said.startswith("taskrun: stopping: cancelled 2 queued runs; waiting for 1"), said
        gate.touch()
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    runs = sorted(r["status"] for r in taskrun_json(hosts, "runs", "--json"))
    assert runs == ["cancelled", "cancelled", "success"]  # nothing left queued to run later
