"""A parameter value given as bytes that are not UTF-8 (`--param $'v=\\xff'`): refused in one
line as a task's defaults are (a secret one crashed the worker with a traceback, a plain one
was kept and broke every CSV export after it); one kept from before still exports."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.e2e.cli import cli_env, one_line_refusal, taskrun, taskrun_json


def _run(data: Path, *args: str | bytes) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "taskrun_gui.cli", "run", "p", *args, "--wait"]
    return subprocess.run(argv, env=cli_env(data), capture_output=True, text=True, timeout=60)


def test_a_value_that_is_not_text_is_refused_and_nothing_runs(tmp_path: Path) -> None:
    data = tmp_path / "data"
    add = ["task", "add", "p", "--command", "echo ran", "--param", "v", "--secret-param", "s=x"]
    assert taskrun(data, *add).returncode == 0
    for given in ([b"v=\xff\xfe"], [b"v=ok", b"s=\xffSEC"]):
        res = _run(data, *[arg for value in given for arg in ("--param", value)])
        one_line_refusal(res, "its value contains bytes that are not UTF-8 text")
    assert taskrun_json(data, "runs", "--json") == []


def test_a_value_kept_from_before_still_exports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "p", "--command", "true", "--param", "v").returncode == 0
    assert _run(data, "--param", "v=ok").returncode == 0
    db = sqlite3.connect(data / "taskrun.db")
    with db:
        db.execute("""UPDATE run SET params_json = '{"v": "\\udcff\\udcfe"}'""")
    db.close()
    out = tmp_path / "runs.csv"
    res = taskrun(data, "export-runs", "--format", "csv", "--out", str(out))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert b'"{""v"": ""\xff\xfe""}"' in out.read_bytes()  # its bytes, as they were given
    out = tmp_path / "runs.json"  # (after review) JSON that any reader still takes
    res = taskrun(data, "export-runs", "--format", "json", "--out", str(out))
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr
    assert json.loads(out.read_bytes())[0]["params"] == {"v": "\udcff\udcfe"}
