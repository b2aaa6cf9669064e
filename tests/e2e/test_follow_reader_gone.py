"""`taskrun run T --follow | head -1`: the reader going away neither stops the run (with no
daemon the command is its host: it cancelled it) nor turns its failure into exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli import cli_env, ended, start_daemon, taskrun, taskrun_json


@pytest.mark.parametrize("daemon", [False, True], ids=["self-hosted", "daemon-served"])
def test_a_followed_run_outlives_its_reader_and_keeps_its_exit_code(
    tmp_path: Path, daemon: bool
) -> None:
    data, gate = tmp_path / "data", tmp_path / "gate"
    line = f"echo first; while [ ! -e {gate} ]; do sleep 0.05; done; echo second; exit 3"
    assert taskrun(data, "task", "add", "lf", "--command", line).returncode == 0
    server = start_daemon(data) if daemon else None
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "taskrun_gui.cli", "run", "lf", "--follow"],
            env=cli_env(data),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        with ended(proc, gate):
            assert proc.stdout is not None and proc.stdout.readline() == b"first\n"
            proc.stdout.close()  # `| head -1` has what it wanted
            gate.touch()  # the run writes on, to a pipe nobody reads
            err = proc.communicate(timeout=60)[1]
        assert proc.returncode == 1, err  # the run failed: so does the command
        assert b"Traceback" not in err
    finally:
        if server is not None:
            server.terminate()
            server.communicate(timeout=30)
    [run] = taskrun_json(data, "runs", "--json")
    assert (run["status"], run["exit_code"]) == ("failed", 3)  # ran to its end
    assert Path(run["log_path"]).read_bytes() == b"first\nsecond\n"


def test_a_waited_runs_failure_is_told_by_the_exit_code_with_nobody_reading(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "f", "--command", "exit 5").returncode == 0
    res = subprocess.run(
        f"{sys.executable} -m taskrun_gui.cli run f --wait | true; exit ${{PIPESTATUS[0]}}",
        shell=True,
        executable="/bin/bash",
        env=cli_env(data),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 1, res.stderr  # it said 0: the summary line found no reader
    assert "Traceback" not in res.stderr
