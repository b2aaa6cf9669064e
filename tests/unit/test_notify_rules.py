"""The alert and chain rules of a task, the dead man's switch and the digest's wording: pure
decisions the engine (window or daemon) makes the same way."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskrun_gui.core import digest, late, notify_rules
from taskrun_gui.core.models import RunStatus, Schedule, TaskSpec
from taskrun_gui.core.validation import validate_task


def test_rules_parse_and_their_errors_name_the_field() -> None:
    rule = notify_rules.parse_rule("ops: failure, late")
    assert rule == notify_rules.Rule("ops", frozenset({"failure", "late"}))
    spec = TaskSpec("t", command="true", notify=["ops:boom"], then=["after:x"])
    problems = [(e.field, e.message) for e in validate_task(spec, check_environment=False)]
    assert problems == [
        ("notify", "unknown event 'boom' in 'ops:boom'; events: " + ", ".join(notify_rules.EVENTS)),
        ("then", "unknown event 'after' in 'after:x'; events: success, failure, finish"),
    ]


def test_a_task_rule_replaces_the_channel_defaults() -> None:
    defaults = {"ops": frozenset({"failure"}), "chat": frozenset({"late"}), "quiet": frozenset()}
    assert notify_rules.events_for([], defaults) == {"ops": {"failure"}, "chat": {"late"}}
    own = notify_rules.events_for(["ops:finish", "ops:slow"], defaults)
    assert own == {"ops": {"finish", "slow"}}


@pytest.mark.parametrize(
    ("status", "targets"),
    [
        (RunStatus.SUCCESS, ["ok", "any"]),
        (RunStatus.FAILED, ["bad", "any"]),
        (RunStatus.TIMEOUT, ["bad", "any"]),
        (RunStatus.CANCELLED, []),
    ],
)
def test_then_targets_follow_how_the_run_ended(status: RunStatus, targets: list[str]) -> None:
    then = ["success:ok", "failure:bad", "finish:any"]
    assert notify_rules.then_targets(then, status) == targets


def test_cycles_are_found_with_their_path() -> None:
    chains = {"b": ["finish:c"], "c": ["success:a"], "d": []}
    assert notify_rules.link_errors("a", [], ["success:b"], [], chains) == [
        "then: the chain a -> b -> c -> a is a cycle"
    ]
    assert notify_rules.link_errors("a", [], ["success:d"], [], chains) == []
    assert notify_rules.link_errors("a", ["x:late"], [], ["y"], chains) == [
        "notify: no channel named 'x' (see taskrun channel list)"
    ]


def _ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_late_after_one_period_plus_grace() -> None:
    hourly = TaskSpec("t", schedule=Schedule(every_seconds=3600))
    since = _ms(2026, 1, 1, 0, 0)
    assert late.late_after(hourly, since) == since + 3600_000 + 3600_000  # grace: a period
    own = TaskSpec("t", schedule=Schedule(every_seconds=3600), grace_seconds=300)
    assert late.late_after(own, since) == since + 3600_000 + 300_000
    nightly = TaskSpec("t", schedule=Schedule(cron="0 3 * * *"))
    assert late.late_after(nightly, _ms(2026, 1, 1, 12, 0)) == _ms(2026, 1, 2, 4, 0)
    assert late.late_after(TaskSpec("t"), since) is None  # not scheduled
    one_off = TaskSpec("t", schedule=Schedule(at="2026-05-01T10:00:00+00:00"))
    assert late.late_after(one_off, since) is None


def test_digest_text_sums_up_the_period() -> None:
    tasks = [
        digest.TaskFigures("backup", 3, 2, 65_000, ["success", "failed", "failed"]),
        digest.TaskFigures("sync", 8, 4, 1_000, ["success", "failed"] * 4),
    ]
    title, body = digest.digest_text("weekly", tasks, ["report"])
    assert title == "TaskRun weekly digest: 11 run(s), 6 failure(s)"
    assert body.splitlines() == [
        "Runs: 11",
        "Failures: 6",
        "Failing: sync (4), backup (2)",
        "Slowest: backup (1m 05s), sync (1.00 s)",
        "Flaky: sync",
        "Late: report",
    ]
