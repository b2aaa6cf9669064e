"""core.alerts: what a front end or the daemon tells the user when a run ends."""

from __future__ import annotations

from taskrun_gui.core import alerts
from taskrun_gui.core.alerts import AlertSettings, Level
from taskrun_gui.core.insights import AlertTracker
from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec
from taskrun_gui.core.policy import Policy

DEFAULTS = AlertSettings()
POLICY = Policy()  # the thresholds are the data dir's policy
TWO_RETRIES = TaskSpec(name="nightly", retries=2)


def run(status: RunStatus, attempt: int = 1, version: int = 1) -> RunRecord:
    return RunRecord(f"u{attempt}", 1, "nightly", version, status=status, attempt=attempt)


def told(
    rec: RunRecord,
    previous: RunStatus | None,
    attempts: int | None = None,
    settings: AlertSettings = DEFAULTS,
) -> list[tuple[str, Level]]:
    return [(n.title, n.level) for n in alerts.decide(rec, previous, attempts, settings)]


def test_every_failure_kind_is_told_as_an_error_interrupted_included() -> None:
    for status in (RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.INTERRUPTED):
        assert told(run(status), RunStatus.SUCCESS) == [(f"nightly: {status}", Level.ERROR)]


def test_a_success_after_an_interrupted_run_is_a_recovery() -> None:
    assert told(run(RunStatus.SUCCESS), RunStatus.INTERRUPTED) == [
        ("nightly recovered", Level.INFO)
    ]
    assert told(run(RunStatus.SUCCESS), RunStatus.SUCCESS) == []
    assert told(run(RunStatus.CANCELLED), RunStatus.FAILED) == []


def test_finish_notices_when_asked_and_the_failure_switch_is_off() -> None:
    quiet_failures = AlertSettings(on_failure=False, on_finish=True)
    assert told(run(RunStatus.FAILED), None, settings=quiet_failures) == [
        ("nightly finished", Level.INFO)
    ]


def test_an_attempt_to_be_retried_is_a_note_and_leaves_the_remembered_status() -> None:
    first = run(RunStatus.FAILED, attempt=1)
    attempts = alerts.attempts_if_retried(first, version=1, spec=TWO_RETRIES)
    assert attempts == 3
    assert told(first, RunStatus.SUCCESS, attempts) == [
        ("nightly: attempt 1/3 failed, retrying", Level.NOTE)
    ]
    assert alerts.status_to_remember(first, RunStatus.SUCCESS, attempts) is RunStatus.SUCCESS
    last = run(RunStatus.FAILED, attempt=3)
    assert alerts.attempts_if_retried(last, version=1, spec=TWO_RETRIES) is None
    assert alerts.attempts_if_retried(run(RunStatus.FAILED), version=2, spec=TWO_RETRIES) is None
    assert (
        alerts.attempts_if_retried(run(RunStatus.INTERRUPTED), version=1, spec=TWO_RETRIES) is None
    )


def test_success_rate_notices_fire_once_per_change_of_state() -> None:
    tracker, policy = AlertTracker(), Policy(alert_success_rate=50, alert_window=4)
    rec = run(RunStatus.FAILED)
    low = ["success", "failed", "failed", "interrupted"]
    first = alerts.success_rate_notice(rec, low, policy, tracker)
    assert first is not None and first.title == "nightly is failing often"
    assert first.text == "25 % of the last 4 runs succeeded (threshold 50 %)."
    assert alerts.success_rate_notice(rec, low, policy, tracker) is None
    healthy = alerts.success_rate_notice(rec, ["success"] * 4, policy, tracker)
    assert healthy is not None and healthy.title == "nightly is healthy again"
    assert alerts.success_rate_notice(rec, ["failed"] * 3, policy, tracker) is None  # too few


def test_a_slow_run_is_told_once() -> None:
    tracker, rec = AlertTracker(), run(RunStatus.SUCCESS)
    assert alerts.slow_notice(rec, False, POLICY, tracker) is None
    notice = alerts.slow_notice(rec, True, POLICY, tracker)
    assert notice is not None and notice.level is Level.WARNING
    assert alerts.slow_notice(rec, True, POLICY, tracker) is None
