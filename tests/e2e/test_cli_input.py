"""Bad numbers given to the real `taskrun`: one line, a non-zero exit, and nothing written
(the history a mistyped cleanup would have wiped is still there)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from taskrun_gui.core.models import Param, Schedule, TaskSpec
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from tests.e2e.cli import start_daemon, taskrun, taskrun_json
from tests.helpers import wait_for


def _one_line(res: subprocess.CompletedProcess[str]) -> str:
    err = res.stderr
    assert "Traceback" not in err, err
    assert err.startswith("taskrun: "), err
    assert len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A data dir with three finished runs of one task."""
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "c", "--command", "echo x").returncode == 0
    assert taskrun(d, "run", "c", "--repeat", "3", "--wait").returncode == 0
    return d


@pytest.mark.parametrize(
    "args",
    [
        ["--keep-per-task", "-5"],
        ["--keep-per-task", "0"],
        ["--older-than", "-1"],
        ["--older-than", "0"],
        ["--older-than", "nan"],
        ["--older-than", "inf"],
        ["--older-than", "1e400"],
        ["--older-than", "99999999999999"],
    ],
)
def test_cleanup_with_a_bad_number_deletes_nothing(history: Path, args: list[str]) -> None:
    res = taskrun(history, "cleanup", *args)
    assert res.returncode == 2
    assert _one_line(res).startswith(f"taskrun: error: {args[0]}: must be ")
    runs = taskrun_json(history, "runs", "--json")
    assert len(runs) == 3
    assert all(Path(r["log_path"]).read_bytes() == b"x\n" for r in runs)


def test_log_tail_and_run_ids_out_of_range(history: Path) -> None:
    for args in (
        ["log", "1", "--tail", "-1"],
        ["log", "1", "--tail", "0"],
        ["log", "0"],
        ["log", "99999999999999999999999"],
        ["runs", "--before", "99999999999999999999999"],
        ["runs", "--exit-code", "99999999999999999999999"],
        ["cancel", "-1"],
    ):
        res = taskrun(history, *args)
        assert res.returncode == 2, args
        _one_line(res)
    assert taskrun(history, "log", "1", "--tail", "1").stdout == "x\n"


def test_bad_task_numbers_and_empty_schedules_write_no_task(tmp_path: Path) -> None:
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "keep", "--command", "true").returncode == 0
    for extra in (
        ["--timeout", "nan"],
        ["--timeout", "inf"],
        ["--timeout", "0"],
        ["--retries", "-1"],
        ["--retries", "101"],
        ["--retry-backoff", "-1"],
        ["--max-concurrent", "0"],
        ["--priority", "99999999999999999999999"],
        ["--every", ""],
        ["--every", "99999999999999999999999d"],
        ["--every", "1e400s"],
        ["--cron", ""],
        ["--at", ""],
    ):
        res = taskrun(d, "task", "add", "t", "--command", "true", *extra)
        assert res.returncode == 2, extra
        assert _one_line(res).startswith(f"taskrun: error: {extra[0]}: must"), res.stderr
    for cron in ("*/99999999999999999999 * * * *", "99999999999999999999 * * * *"):
        res = taskrun(d, "task", "add", "t", "--command", "true", "--cron", cron)
        assert res.returncode == 1
        assert "cron: field 1 (minute)" in _one_line(res)
    assert [t["name"] for t in taskrun_json(d, "task", "list", "--json")] == ["keep"]


def test_schedule_settings_without_a_schedule_are_refused_not_dropped(tmp_path: Path) -> None:
    d = tmp_path / "data"
    for extra in (["--overlap", "allow"], ["--missed", "once"], ["--grace", "10m"]):
        res = taskrun(d, "task", "add", "t", "--command", "true", *extra)
        assert res.returncode == 2, extra
        assert _one_line(res).startswith(f"taskrun: {extra[0]}: only for a scheduled task")
    res = taskrun(d, "task", "add", "t", "--command", "true", "--every", "2.9s")
    assert res.returncode == 2 and "must be whole seconds" in _one_line(res), res.stderr
    assert taskrun_json(d, "task", "list", "--json") == []
    assert taskrun(d, "task", "add", "t", "--command", "true", "--every", "5m").returncode == 0
    res = taskrun(d, "task", "edit", "t", "--no-schedule", "--missed", "skip")
    assert res.returncode == 2, res.stderr
    ok = taskrun(d, "task", "edit", "t", "--missed", "skip", "--overlap", "allow", "--grace", "1m")
    assert ok.returncode == 0, ok.stderr
    [task] = taskrun_json(d, "task", "list", "--json")
    assert task["version"] == 2  # the refused edit wrote nothing
    assert taskrun(d, "task", "edit", "t", "--disabled").returncode == 0
    listed = taskrun(d, "task", "list").stdout.splitlines()[1]
    assert listed.endswith("every 5 min (task disabled)"), listed


def test_a_schedule_or_chain_that_could_never_start_its_run_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "data"
    line = "echo $TASKRUN_PARAM_MONTH"
    assert taskrun(d, "task", "add", "need", "--command", line, "--param", "month").returncode == 0
    res = taskrun(d, "task", "add", "up", "--command", "true", "--after-success", "need")
    assert res.returncode == 1
    said = "taskrun: then: task 'need' needs parameter 'month' (required, no default)\n"
    assert _one_line(res) == said
    res = taskrun(d, "task", "add", "sch", "--command", "true", "--param", "month", "--every", "1m")
    assert res.returncode == 1
    assert _one_line(res) == "taskrun: schedule: parameter 'month' is required with no default\n"
    assert [t["name"] for t in taskrun_json(d, "task", "list", "--json")] == ["need"]
    with_default = ["--param", "month=2026-01", "--every", "1m"]
    assert taskrun(d, "task", "add", "sch", "--command", "true", *with_default).returncode == 0
    res = taskrun(d, "task", "edit", "need", "--param", "month=2026-02")
    assert res.returncode == 0, res.stderr  # a default now: a chain may start it
    res = taskrun(d, "task", "add", "up", "--command", "true", "--after-success", "need")
    assert res.returncode == 0, res.stderr


def test_a_task_saved_before_the_check_may_still_be_edited_and_disabled(tmp_path: Path) -> None:
    d = tmp_path / "data"
    store = Store(d).open()
    try:  # as an earlier version saved it: a schedule whose every fire was refused
        with store.db.atomic():
            for name in ("old", "old2"):
                tasks_repo.create(
                    TaskSpec(
                        name=name,
                        command="true",
                        params=[Param("month", required=True)],
                        schedule=Schedule(cron="0 3 * * *"),
                    )
                )
    finally:
        store.close()
    for edit in (["--title", "monthly"], ["--disabled"]):
        res = taskrun(d, "task", "edit", "old", *edit)
        assert res.returncode == 0, res.stderr
    res = taskrun(d, "task", "edit", "old", "--enabled", "--every", "1h")  # a new schedule
    assert res.returncode == 1 and "parameter 'month' is required" in res.stderr
    exported = tmp_path / "old2.toml"
    assert taskrun(d, "task", "export", "old2", "--out", str(exported)).returncode == 0
    res = taskrun(d, "task", "import", str(exported), "--replace")  # its own export restores it
    assert res.returncode == 0, res.stderr
    fresh = tmp_path / "fresh"
    res = taskrun(fresh, "task", "import", str(exported))  # a new one: refused, as an add is
    assert res.returncode == 1 and "parameter 'month' is required" in res.stderr


def test_host_and_history_numbers(tmp_path: Path) -> None:
    d = tmp_path / "data"
    for args in (
        ["--workers", "0", "runs"],
        ["--workers", "-1", "runs"],
        ["run", "t", "--repeat", "0"],
        ["run", "t", "--repeat", "-1"],
        ["stats", "--days", "0"],
        ["stats", "--days", "-1"],
        ["runs", "--limit", "0"],
        ["runs", "--before", "0"],
        ["runs", "--since", "0001-01-01"],
        ["runs", "--until", "99999-12-31"],
    ):
        res = taskrun(d, *args)
        assert res.returncode == 2, args
        _one_line(res)
    assert not d.exists()  # refused before the data dir was even opened


def test_a_huge_number_from_a_toml_file_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    d = tmp_path / "data"
    toml = tmp_path / "t.toml"
    toml.write_text(
        'name = "t"\nkind = "command"\ncommand = "true"\npriority = 99999999999999999999999\n'
    )
    res = taskrun(d, "task", "add", "t", "--from-toml", str(toml))
    assert res.returncode == 1
    _one_line(res)
    assert taskrun_json(d, "task", "list", "--json") == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--data-dir", "", "task", "list"], "--data-dir: must name a folder"),
        (["--data-dir", " ", "runs"], "--data-dir: must name a folder"),
        (
            ["task", "add", "t", "--command", "true", "--disabled", "--enabled"],
            "--enabled: not allowed with argument --disabled",
        ),
        (
            ["task", "add", "t", "--command", "echo 1", "--argv", "--interpreter", "python"],
            "--interpreter: an --argv command runs its program itself",
        ),
        (["runs", "--task", "a", "--task", "b"], "--task: give it once"),
        (["export-runs", "--format", "csv", "--out", "-", "--node", "a", "--node", "b"], "once"),
    ],
)
def test_contradictions_and_empty_words_are_refused(
    tmp_path: Path, args: list[str], expected: str
) -> None:
    d = tmp_path / "data"
    res = taskrun(d, *args) if args[0] != "--data-dir" else taskrun(tmp_path, *args)
    assert res.returncode == 2 and expected in _one_line(res), res.stderr
    assert not (d / "taskrun.db").exists() or taskrun_json(d, "task", "list", "--json") == []


def test_pause_and_resume_that_cannot_apply_are_said(tmp_path: Path) -> None:
    """Said in one line and not requested (it said "requested" and did nothing)."""
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "slow", "--command", "sleep 120").returncode == 0
    daemon = start_daemon(d)
    try:
        assert taskrun(d, "run", "slow").returncode == 0

        def status() -> str:
            return str(taskrun_json(d, "runs", "--json")[0]["status"])

        wait_for(lambda: status() == "running", timeout=60)
        res = taskrun(d, "resume", "1")
        assert res.returncode == 1 and "run 1 is not paused" in _one_line(res)
        assert taskrun(d, "pause", "1").returncode == 0
        wait_for(lambda: status() == "paused", timeout=60)
        res = taskrun(d, "pause", "1")
        assert res.returncode == 1 and "run 1 is already paused" in _one_line(res)
        assert taskrun(d, "resume", "1").returncode == 0
        wait_for(lambda: status() == "running", timeout=60)
        res = taskrun(d, "resume", "1")
        assert res.returncode == 1 and "run 1 is not paused" in _one_line(res)
        assert taskrun(d, "cancel", "1").returncode == 0
        wait_for(lambda: status() == "cancelled", timeout=60)
        res = taskrun(d, "pause", "1")
        assert res.returncode == 1 and "run 1 is already cancelled" in _one_line(res)
    finally:
        taskrun(d, "cancel", "1")  # the daemon would wait for it as it stops
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
