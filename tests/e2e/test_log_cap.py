"""A chatty task cannot fill the disk: its log keeps the head and the newest tail within the
cap (the data dir's, or the task's own), and the run records how much it dropped."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.e2e.cli import taskrun, taskrun_json

FLOOD = "python3 -c \"import sys; [sys.stdout.write('%09d\\n' % i) for i in range(300_000)]\""
TOTAL = 3_000_000  # 300,000 lines of 10 bytes


def _only_run(data: Path) -> dict[str, object]:
    (run,) = taskrun_json(data, "runs", "--json")
    return run


def test_a_task_cap_keeps_head_and_tail_and_says_what_it_dropped(tmp_path: Path) -> None:
    data = tmp_path / "data"
    res = taskrun(data, "task", "add", "flood", "--command", FLOOD, "--log-cap", "256K")
    assert res.returncode == 0, res.stderr
    assert taskrun(data, "run", "flood", "--wait").returncode == 0
    run = _only_run(data)
    log = Path(str(run["log_path"])).read_bytes()
    assert log.startswith(b"".join(b"%09d\n" % i for i in range(100)))  # the head
    assert log.endswith(b"000299999\n")  # the newest output
    dropped = run["log_dropped_bytes"]
    assert isinstance(dropped, int) and dropped > 0
    note = f"[taskrun: {dropped} bytes of output not kept here: the log is capped at 262144 bytes]"
    assert note.encode() in log
    assert len(log) == TOTAL - dropped + len(note) + 2  # the note's own two newlines
    assert len(log) <= 256 * 1024 + len(note) + 2
    shown = taskrun(data, "log", str(run["id"]))
    assert shown.stdout.encode() == log  # the log as it is, and beside it on stderr:
    assert shown.stderr.startswith(f"taskrun: warning: run {run['id']}: ")
    assert "of its output were not kept (beyond its log cap, or refused by the disk)" in (
        shown.stderr
    )
    Path(str(run["log_path"])).unlink()
    gone = taskrun(data, "log", str(run["id"]))
    assert gone.returncode == 1 and "is gone" in gone.stderr
    with sqlite3.connect(data / "taskrun.db") as db:  # as a log folder that took no write
        db.execute("UPDATE run SET log_bytes = 0 WHERE id = ?", (run["id"],))
    never = taskrun(data, "log", str(run["id"]))
    assert never.returncode == 1 and f"the log of run {run['id']} was never written" in (
        never.stderr
    )


def test_the_data_dir_policy_caps_every_task_and_a_task_may_opt_out(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    (data / "settings.toml").write_text("log_cap_bytes = 65536\n")
    assert taskrun(data, "task", "add", "flood", "--command", FLOOD).returncode == 0
    assert (
        taskrun(data, "task", "add", "whole", "--command", FLOOD, "--log-cap", "none").returncode
        == 0
    )
    for name in ("flood", "whole"):
        assert taskrun(data, "run", name, "--wait").returncode == 0
    runs = {r["task"]: r for r in taskrun_json(data, "runs", "--json")}
    assert Path(runs["flood"]["log_path"]).stat().st_size < 65536 + 200
    assert runs["flood"]["log_dropped_bytes"] > 0
    assert Path(runs["whole"]["log_path"]).stat().st_size == TOTAL
    assert runs["whole"]["log_dropped_bytes"] == 0
    shown = json.loads(taskrun(data, "task", "show", "whole", "--json").stdout)
    assert shown["definition"]["log_cap_bytes"] == 0


def test_nonsense_caps_are_refused_in_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for bad in ("-1", "nan", "12", "1e400", "lots", "99999T"):
        res = taskrun(data, "task", "add", "t", "--command", "true", "--log-cap", bad)
        assert res.returncode == 2, bad
        assert res.stderr.count("\n") == 1 and "--log-cap" in res.stderr, res.stderr
    assert taskrun_json(data, "task", "list", "--json") == []
