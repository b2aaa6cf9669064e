"""The `taskrun` command as other tools use it: real processes on a real data dir."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.e2e.cli import cli_env, popen_taskrun, taskrun, taskrun_json
from tests.helpers import gone

PY = sys.executable


def test_add_run_wait_json_contract(tmp_path):
    d = tmp_path / "data"
    res = taskrun(
        d,
        "task",
        "add",
        "hello",
        "--command",
        "echo hello $TASKRUN_PARAM_WHO",
        "--param",
        "who=world",
        "--tag",
        "demo",
    )
    assert res.returncode == 0, res.stderr
    runs = taskrun_json(d, "run", "hello", "--param", "who=you", "--wait", "--json")
    assert len(runs) == 1
    run = runs[0]
    assert set(run) == {
        "id",
        "task",
        "version",
        "status",
        "trigger",
        "attempt",
        "exit_code",
        "signal",
        "error_type",
        "error_message",
        "queued_at",
        "started_at",
        "finished_at",
        "duration",
        "params",
        "peak_rss_bytes",
        "cpu_seconds",
        "log_path",
        "log_dropped_bytes",
        # the active time (pauses left out) and the paused time beside the wall "duration"
        "active_duration",
        "paused_seconds",
        "host",  # None: this machine (runs on other machines over SSH)
        "batch",
        "triggered_by",  # issue 14: the run whose end started this one
        "node",  # issue 11: where it executed
    }
    assert (run["task"], run["status"], run["trigger"], run["exit_code"]) == (
        "hello",
        "success",
        "cli",
        0,
    )
    assert run["params"] == {"who": "you"}
    assert run["queued_at"].endswith("Z")
    assert Path(run["log_path"]).read_bytes() == b"hello you\n"
    log = taskrun(d, "log", str(run["id"]))
    assert log.stdout == "hello you\n"
    listed = taskrun_json(d, "runs", "--json", "--task", "hello")
    assert [r["id"] for r in listed] == [run["id"]]
    stats = taskrun_json(d, "stats", "--task", "hello", "--json")
    assert (stats["total"], stats["success"], stats["success_rate"]) == (1, 1, 1.0)
    assert stats["per_day"][0]["success"] == 1
    assert os.stat(d).st_mode & 0o777 == 0o700
    assert os.stat(d / "taskrun.db").st_mode & 0o777 == 0o600
    assert os.stat(run["log_path"]).st_mode & 0o777 == 0o600


def test_repeat_and_exit_code_when_one_fails(tmp_path):
    d = tmp_path / "data"
    taskrun(
        d,
        "task",
        "add",
        "coin",
        "--command",
        'test "$TASKRUN_PARAM_SIDE" = heads',
        "--param",
        "side=heads",
    )
    ok = taskrun(d, "--workers", "2", "run", "coin", "--repeat", "3", "--wait")
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.count("success") == 3
    bad = taskrun(d, "run", "coin", "--param", "side=tails", "--wait")
    assert bad.returncode == 1
    assert "failed" in bad.stdout


def test_errors_are_one_line_without_traceback(tmp_path):
    d = tmp_path / "data"
    for args in (
        ["run", "nope", "--wait"],
        ["task", "add", "bad name!", "--command", "x"],
        ["task", "add", "t", "--command", "x", "--timeout", "-1"],
        ["task", "add", "t", "--command", "x", "--cron", "61 * * * *"],
        ["log", "12345"],
        ["runs", "--since", "yesterday"],
    ):
        res = taskrun(d, *args)
        assert res.returncode != 0, args
        assert "Traceback" not in res.stderr, res.stderr
        assert res.stderr.startswith("taskrun: "), res.stderr
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr


def test_versions_diff_and_rollback(tmp_path):
    d = tmp_path / "data"
    taskrun(d, "task", "add", "v", "--command", "echo one")
    taskrun(d, "task", "edit", "v", "--command", "echo two")
    versions = taskrun_json(d, "task", "versions", "v", "--json")
    assert [v["version"] for v in versions] == [2, 1]
    diff = taskrun(d, "task", "diff", "v", "1", "2").stdout
    assert '-  "command": "echo one"' in diff and '+  "command": "echo two"' in diff
    assert taskrun(d, "task", "rollback", "v", "1").returncode == 0
    shown = taskrun_json(d, "task", "show", "v", "--json")
    assert (shown["version"], shown["command"]) == (3, "echo one")
    run = taskrun_json(d, "run", "v", "--wait", "--json")[0]
    assert run["version"] == 3


def test_bad_toml_import_writes_nothing(tmp_path):
    d = tmp_path / "data"
    folder = tmp_path / "tasks"
    folder.mkdir()
    (folder / "good.toml").write_text('name = "good"\ncommand = "echo ok"\n')
    (folder / "bad.toml").write_text('name = "bad"\ncommand = "echo"\ntimeout = "soon"\n')
    (folder / "worse.toml").write_text('name = "worse"\ncommand = [1\n')
    res = taskrun(d, "task", "import", str(folder))
    assert res.returncode == 1
    assert "bad.toml: timeout:" in res.stderr
    assert "worse.toml: not valid TOML" in res.stderr
    assert "Traceback" not in res.stderr
    assert taskrun_json(d, "task", "list", "--json") == []
    (folder / "bad.toml").unlink()
    (folder / "worse.toml").unlink()
    assert taskrun(d, "task", "import", str(folder)).returncode == 0
    assert [t["name"] for t in taskrun_json(d, "task", "list", "--json")] == ["good"]


def test_export_import_round_trip(tmp_path):
    d, d2 = tmp_path / "a", tmp_path / "b"
    taskrun(
        d,
        "task",
        "add",
        "one",
        "--command",
        "echo 1",
        "--timeout",
        "5",
        "--tag",
        "x",
        "--secret-param",
        "token",
        "--every",
        "5m",
    )
    assert taskrun(d, "task", "export", "--out", str(tmp_path / "out")).returncode == 0
    assert taskrun(d2, "task", "import", str(tmp_path / "out")).returncode == 0
    a = taskrun_json(d, "task", "show", "one", "--json")["definition"]
    b = taskrun_json(d2, "task", "show", "one", "--json")["definition"]
    assert a == b
    assert a["schedule"]["every_seconds"] == 300


def test_two_cli_processes_never_run_a_max_one_task_at_once(tmp_path):
    d = tmp_path / "data"
    spans = tmp_path / "spans"
    code = (
        "import time, os\n"
        f"f = open({str(spans)!r}, 'a')\n"
        "f.write(f'start {time.time()}\\n'); f.flush()\n"
        "time.sleep(0.6)\n"
        "f.write(f'end {time.time()}\\n'); f.flush()\n"
    )
    script = tmp_path / "t.py"
    script.write_text(code)
    assert taskrun(d, "task", "add", "solo", "--script", str(script)).returncode == 0
    procs = [popen_taskrun(d, "--workers", "4", "run", "solo", "--wait") for _ in range(2)]
    for p in procs:
        _out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    events = [line.split() for line in spans.read_text().splitlines()]
    assert [e[0] for e in events] == ["start", "end", "start", "end"]  # never overlapping


def test_kill_9_of_the_host_leaves_an_interrupted_run_and_no_process(tmp_path):
    d = tmp_path / "data"
    pidfile = tmp_path / "pids"
    script = tmp_path / "tree.py"
    script.write_text(
        "import subprocess, time\n"
        "a = subprocess.Popen(['sleep', '60'])\n"
        "b = subprocess.Popen(['sleep', '61'], start_new_session=True)\n"
        f"open({str(pidfile)!r}, 'w').write(f'{{a.pid}} {{b.pid}}')\n"
        "time.sleep(60)\n"
    )
    taskrun(d, "task", "add", "victim", "--script", str(script))
    host = popen_taskrun(d, "run", "victim", "--wait")
    deadline = time.monotonic() + 30
    while not pidfile.exists() or not pidfile.read_text():
        assert time.monotonic() < deadline, "the task never started"
        time.sleep(0.05)
    os.kill(host.pid, signal.SIGKILL)
    host.communicate(timeout=10)
    children = [int(p) for p in pidfile.read_text().split()]
    runs = taskrun_json(d, "runs", "--json")  # any command recovers when no host is alive
    assert runs[0]["status"] == "interrupted"
    assert runs[0]["error_type"] == "interrupted"
    deadline = time.monotonic() + 10
    while not all(gone(p) for p in children):
        assert time.monotonic() < deadline, "children of the dead host survived"
        time.sleep(0.05)


def test_locked_store_still_runs_the_task_and_records_it_later(tmp_path):
    d = tmp_path / "data"
    marker = tmp_path / "ran"
    taskrun(d, "task", "add", "tough", "--command", f"echo ran > {marker}; echo out")
    blocker = sqlite3.connect(d / "taskrun.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        res = taskrun(d, "run", "tough", "--wait", TASKRUN_BUSY_TIMEOUT_MS="100")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert res.returncode == 0, res.stderr
    assert marker.read_text() == "ran\n"  # execution won
    assert "history store failing" in res.stderr
    assert "Traceback" not in res.stderr
    runs = taskrun_json(d, "runs", "--json")  # replays what was kept aside
    assert [(r["task"], r["status"]) for r in runs] == [("tough", "success")]
    assert Path(runs[0]["log_path"]).read_bytes() == b"out\n"


def test_cancel_from_another_process(tmp_path):
    d = tmp_path / "data"
    taskrun(d, "task", "add", "long", "--command", "echo started; sleep 30")
    host = popen_taskrun(d, "run", "long", "--wait", "--json")
    deadline = time.monotonic() + 30
    while True:
        runs = taskrun_json(d, "runs", "--json")
        if runs and runs[0]["status"] == "running":
            break
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert taskrun(d, "cancel", str(runs[0]["id"])).returncode == 0
    out, err = host.communicate(timeout=30)
    assert host.returncode == 1, err
    assert json.loads(out)[0]["status"] == "cancelled"


def test_run_without_wait_starts_a_daemon_that_exits_when_idle(tmp_path):
    d = tmp_path / "data"
    taskrun(d, "task", "add", "bg", "--command", "echo background")
    res = taskrun(d, "run", "bg", "--json")
    assert res.returncode == 0, res.stderr
    run_id = json.loads(res.stdout)[0]["id"]
    deadline = time.monotonic() + 30
    while True:
        runs = taskrun_json(d, "runs", "--json")
        if runs[0]["status"] == "success":
            break
        assert time.monotonic() < deadline, runs
        time.sleep(0.1)
    assert runs[0]["id"] == run_id
    from taskrun_gui.engine.locks import host_alive

    deadline = time.monotonic() + 15
    while host_alive(d / "locks"):
        assert time.monotonic() < deadline, "the daemon did not exit when idle"
        time.sleep(0.1)


def test_cleanup_and_storage(tmp_path):
    d = tmp_path / "data"
    taskrun(d, "task", "add", "c", "--command", "echo x")
    taskrun(d, "run", "c", "--repeat", "5", "--wait")
    before = taskrun_json(d, "storage", "--json")
    assert before["runs"] == 5 and before["log_bytes"] == 10
    res = taskrun_json(d, "cleanup", "--keep-per-task", "2", "--json")
    assert res == {"runs_deleted": 3, "log_bytes_freed": 6, "log_files_left": 0}
    assert len(taskrun_json(d, "runs", "--json")) == 2
    assert taskrun_json(d, "stats", "--json")["success"] == 2
    out = tmp_path / "runs.csv"
    assert taskrun(d, "export-runs", "--format", "csv", "--out", str(out)).returncode == 0
    assert len(out.read_text().splitlines()) == 3


def test_export_runs_writes_json_atomically_and_privately(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "hi", "--command", "echo hi").returncode == 0
    assert taskrun(d, "run", "hi", "--wait").returncode == 0
    out = tmp_path / "runs.json"
    res = taskrun(d, "export-runs", "--format", "json", "--out", str(out))
    assert res.returncode == 0 and "exported 1 run(s)" in res.stdout
    assert [r["task"] for r in json.loads(out.read_text())] == ["hi"]
    assert out.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "runs.json"]


def test_import_over_existing_tasks_refuses_renames_or_skips(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "nightly", "--command", "echo old").returncode == 0
    f = tmp_path / "nightly.toml"
    f.write_text('name = "nightly"\ncommand = "echo new"\n')
    refused = taskrun(d, "task", "import", str(f))
    assert refused.returncode == 1 and "task(s) already exist: nightly" in refused.stderr
    renamed = taskrun(d, "task", "import", str(f), "--rename")
    assert renamed.returncode == 0 and "as 'nightly-2'" in renamed.stdout
    skipped = taskrun(d, "task", "import", str(f), "--skip-existing")
    assert skipped.returncode == 0 and "skipped 1 that exist: nightly" in skipped.stdout
    tasks = {t["name"]: t["command"] for t in taskrun_json(d, "task", "list", "--json")}
    assert tasks == {"nightly": "echo old", "nightly-2": "echo new"}


def _follow_bytes(d: Path, name: str, **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "taskrun_gui.cli", "run", name, "--follow"],
        env=cli_env(d, **extra),
        capture_output=True,
        timeout=60,
    )


def test_follow_waits_and_prints_the_exact_bytes_of_each_attempt(tmp_path: Path) -> None:
    """--follow alone waits (it said "queued" and printed nothing), and the output is the
    log's bytes, invalid UTF-8 as it is, on the path where this process runs the task and
    on the one where the store is locked and it runs it directly."""
    d = tmp_path / "data"
    line = r"printf 'ok \377\376 bad\n'; echo two; exit 3"
    add = ("task", "add", "bad", "--command", line, "--retries", "1", "--retry-backoff", "0.1")
    assert taskrun(d, *add).returncode == 0
    res = _follow_bytes(d, "bad")
    assert res.returncode == 1, res.stderr
    assert res.stdout.startswith(b"ok \xff\xfe bad\ntwo\nok \xff\xfe bad\ntwo\n"), res.stdout
    assert b"failed" in res.stdout and b"\xef\xbf\xbd" not in res.stdout
    blocker = sqlite3.connect(d / "taskrun.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        res = _follow_bytes(d, "bad", TASKRUN_BUSY_TIMEOUT_MS="100")
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert res.stdout.startswith(b"ok \xff\xfe bad\ntwo\n"), res.stdout + res.stderr
