"""engine.records.retry_due is the one rule for "will the engine retry this run" (the window's
notices ask it too), and a retry starts with nothing of its attempt's log accounting."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec, Trigger
from taskrun_gui.engine.records import next_attempt, retry_due


def _rec(status: RunStatus, attempt: int = 1) -> RunRecord:
    return RunRecord(
        uid="a" * 32, task_id=1, task_name="t", version=1, status=status, attempt=attempt
    )


@pytest.mark.parametrize(
    ("status", "attempt", "retries", "due"),
    [
        (RunStatus.FAILED, 1, 2, True),
        (RunStatus.TIMEOUT, 2, 2, True),
        (RunStatus.FAILED, 3, 2, False),  # the chain's last attempt
        (RunStatus.FAILED, 1, 0, False),
        (RunStatus.ERROR, 1, 2, False),  # could not start: a retry would not either
        (RunStatus.CANCELLED, 1, 2, False),
        (RunStatus.INTERRUPTED, 1, 2, False),
        (RunStatus.SUCCESS, 1, 2, False),
    ],
)
def test_retry_due_and_next_attempt_agree(
    tmp_path: Path, status: RunStatus, attempt: int, retries: int, due: bool
) -> None:
    spec = TaskSpec(name="t", retries=retries)
    rec = _rec(status, attempt)
    assert retry_due(rec, spec) is due
    assert (next_attempt(rec, spec, tmp_path) is not None) is due


def test_a_retry_has_lost_no_output_yet(tmp_path: Path) -> None:
    rec = _rec(RunStatus.FAILED)
    rec.log_bytes, rec.log_dropped, rec.log_error, rec.slow = 9, 12_345, "disk full", True
    retry = next_attempt(rec, TaskSpec(name="t", retries=1), tmp_path)
    assert retry is not None
    assert (retry.trigger, retry.attempt, retry.first_uid) == (Trigger.RETRY, 2, rec.uid)
    assert (retry.log_bytes, retry.log_dropped, retry.log_error, retry.slow) == (0, 0, None, False)


def test_a_retry_of_a_paused_run_starts_with_no_pause(tmp_path) -> None:
    """The attempt retried was paused 2 s: its retry has not run, so no pause of its own
    (a queued or cancelled retry would otherwise show the parent's pause in its wall time)."""
    spec = TaskSpec(name="t", command="false", retries=1)
    rec = RunRecord(uid="u", task_id=1, task_name="t", version=1, status=RunStatus.FAILED)
    rec.paused_ms = 2000
    retry = next_attempt(rec, spec, tmp_path)
    assert retry is not None and retry.paused_ms == 0
