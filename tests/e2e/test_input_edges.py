"""Edge values a reviewer found accepted, and files made under a wide-open umask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli import cli_env, taskrun, taskrun_json


@pytest.mark.parametrize(
    ("flag", "value"),
    [
        ("--timeout", "1e-300"),
        ("--log-cap", "4096.9"),
        ("--at", "1970-01-01T00:00"),
        ("--at", "0001-01-01T00:00:00+14:00"),
    ],
)
def test_values_that_would_never_work_are_refused(tmp_path: Path, flag: str, value: str) -> None:
    res = taskrun(tmp_path / "data", "task", "add", "t", "--command", "true", flag, value)
    assert res.returncode == 2, res.stderr
    assert res.stderr.count("\n") == 1 and flag in res.stderr
    assert "Traceback" not in res.stderr


def test_a_time_to_come_is_taken(tmp_path: Path) -> None:
    data = tmp_path / "data"
    res = taskrun(data, "task", "add", "t", "--command", "true", "--at", "2999-01-01T10:00")
    assert res.returncode == 0, res.stderr
    assert taskrun_json(data, "task", "show", "t", "--json")["schedule"].startswith("once")


def _umask_000(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    code = "import os, sys, runpy; os.umask(0); sys.argv = ['taskrun', *sys.argv[1:]]; "
    code += "runpy.run_module('taskrun_gui.cli', run_name='__main__')"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env=cli_env(data),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_exports_under_umask_000_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "t", "--command", "true").returncode == 0
    assert taskrun(data, "run", "t", "--wait").returncode == 0
    folder = tmp_path / "exported"
    assert _umask_000(data, "task", "export", "--out", str(folder)).returncode == 0
    runs = tmp_path / "runs.csv"
    res = _umask_000(data, "export-runs", "--format", "csv", "--out", str(runs))
    assert res.returncode == 0, res.stderr
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert {oct(f.stat().st_mode & 0o777) for f in folder.iterdir()} == {"0o600"}
    assert oct(runs.stat().st_mode & 0o777) == "0o600"
    assert os.path.getsize(runs) > 0


def test_export_runs_to_stdout_with_a_dash(tmp_path: Path) -> None:
    data = tmp_path / "d"
    assert taskrun(data, "task", "add", "hello", "--command", "echo hi").returncode == 0
    assert taskrun(data, "run", "hello", "--wait").returncode == 0
    res = taskrun(data, "export-runs", "--format", "csv", "--out", "-")
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[0].startswith("id,task,")
    assert ",hello," in res.stdout.splitlines()[1]
    assert "exported 1 run(s)" in res.stderr
    assert not (tmp_path / "-").exists() and not Path("-").exists()


def test_export_runs_to_dev_stdout_redirected_to_a_file(tmp_path: Path) -> None:
    """The rows reach the shell's file whole; the count goes to stderr, not over them."""
    data = tmp_path / "d"
    assert taskrun(data, "task", "add", "hello", "--command", "echo hi").returncode == 0
    assert taskrun(data, "run", "hello", "--wait").returncode == 0
    out = tmp_path / "runs.csv"
    with open(out, "w") as fh:
        res = subprocess.run(
            [
                sys.executable,
                "-m",
                "taskrun_gui.cli",
                "export-runs",
                "--format",
                "csv",
                "--out",
                "/dev/stdout",
            ],
            env=cli_env(data),
            stdout=fh,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("id,task,") and ",hello," in lines[1] and len(lines) == 2
    assert "exported 1 run(s)" in res.stderr
