"""`taskrun grep`: the runs whose output matches, newest first, as lines or JSON; exit codes
as grep's (0 found, 1 none, 2 a bad pattern); logs gone to retention are counted."""

from __future__ import annotations

import os
from pathlib import Path

from tests.e2e.cli import taskrun, taskrun_json


def _runs(d: Path) -> list[dict[str, object]]:
    for name, line in (
        ("fetch", "printf 'got 3 files\\nERROR: disk full on /data\\n'"),
        ("build", "printf 'step 1\\r\\nstep 2\\n'"),
        ("fetch", "printf 'Error: DISK FULL again\\n'"),
    ):
        if taskrun(d, "task", "show", name).returncode != 0:
            assert taskrun(d, "task", "add", name, "--command", line).returncode == 0
        else:
            assert taskrun(d, "task", "edit", name, "--command", line).returncode == 0
        assert taskrun(d, "run", name, "--wait").returncode == 0
    return list(taskrun_json(d, "runs", "--json"))


def test_grep_lines_json_filters_and_exit_codes(tmp_path: Path) -> None:
    d = tmp_path / "data"
    runs = _runs(d)
    newest, _build, oldest = runs

    res = taskrun(d, "grep", "disk full", "-i")
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert [int(line.split("\t")[0]) for line in lines] == [newest["id"], oldest["id"]]
    assert lines[1].endswith("\tfetch\tsuccess\tERROR: disk full on /data")
    assert "2 of 3 runs matched" in res.stderr

    got = taskrun_json(d, "grep", r"disk\s+full", "--regex", "--limit", "1", "--json")
    assert [(g["run_id"], g["line"], g["match"]) for g in got] == [
        (oldest["id"], "ERROR: disk full on /data", "disk full")
    ]
    log = Path(str(got[0]["log_path"])).read_bytes()
    assert log[got[0]["offset"] :].startswith(b"disk full")

    none = taskrun(d, "grep", "disk full", "--task", "build")
    assert (none.returncode, none.stdout) == (1, "")

    bad = taskrun(d, "grep", "(", "--regex")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("taskrun: PATTERN: not a valid regular expression")
    assert len(bad.stderr.splitlines()) == 1
    for typo in (("--task", "nosuch"), ("--status", "bogus")):  # trouble, not "no match"
        wrong = taskrun(d, "grep", "disk full", *typo)
        assert wrong.returncode == 2 and wrong.stdout == "", wrong.stderr
        assert len(wrong.stderr.splitlines()) == 1 and typo[1] in wrong.stderr

    os.remove(str(oldest["log_path"]))  # retention took it
    gone = taskrun(d, "grep", "disk full")
    assert gone.returncode == 1 and "1 logs gone" in gone.stderr


def test_grep_with_worker_processes_gives_the_same_answer(tmp_path: Path) -> None:
    d = tmp_path / "data"
    _runs(d)
    one = taskrun(d, "grep", "disk full", "-i", "--json")
    pool = taskrun(d, "grep", "disk full", "-i", "--json", "--jobs", "2")
    assert pool.returncode == 0 and pool.stdout == one.stdout
    assert "Traceback" not in pool.stderr and "worker processes failed" not in pool.stderr
    assert len(taskrun_json(d, "runs", "--json")) == 3  # the workers ran no command of their own
