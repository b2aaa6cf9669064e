"""`taskrun task add/edit` flags that no other test gives: the schedule's policies, --env,
--disabled/--enabled and --no-schedule, as `task show --json` then tells them."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import taskrun, taskrun_json


def test_edit_flags_change_only_what_they_name(tmp_path: Path) -> None:
    d = tmp_path / "data"
    added = taskrun(
        d,
        *("task", "add", "s", "--command", "echo hi", "--every", "5m"),
        *("--overlap", "queue", "--missed", "once", "--env", "A=1", "--disabled"),
    )
    assert added.returncode == 0, added.stderr
    spec = taskrun_json(d, "task", "show", "s", "--json")["definition"]
    assert (spec["enabled"], spec["env"]) == (False, {"A": "1"})
    assert spec["schedule"]["every_seconds"] == 300
    assert (spec["schedule"]["overlap"], spec["schedule"]["missed"]) == ("queue", "once")

    edited = taskrun(d, "task", "edit", "s", "--no-schedule", "--enabled", "--env", "B=2")
    assert edited.returncode == 0, edited.stderr
    spec = taskrun_json(d, "task", "show", "s", "--json")["definition"]
    assert (spec["enabled"], spec["env"]) == (True, {"A": "1", "B": "2"})
    sched = spec["schedule"]
    assert (sched["cron"], sched["every_seconds"], sched["at"]) == (None, None, None)
    assert (sched["overlap"], sched["missed"]) == ("queue", "once")  # kept without a schedule
    assert (spec["command"], spec["interpreter"]) == ("echo hi", "sh")
