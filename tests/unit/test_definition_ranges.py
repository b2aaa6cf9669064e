"""Numbers in a task definition from any source (CLI, TOML, editor) are checked the same:
NaN, infinite and out-of-range values are refused, naming the field."""

from __future__ import annotations

import math

import pytest

from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec
from taskrun_gui.core.validation import validate_task
from taskrun_gui.engine.records import MAX_RETRY_DELAY_S, next_attempt


def _fields(spec: TaskSpec) -> list[str]:
    return [e.field for e in validate_task(spec, check_environment=False)]


@pytest.mark.parametrize("value", [math.nan, math.inf, -1.0, 0, 1e8])
def test_timeouts_must_be_finite_and_in_range(value: float) -> None:
    assert _fields(TaskSpec(name="t", command="true", timeout=value)) == ["timeout"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -0.5, 1e6])
def test_retry_backoff_must_be_finite_and_in_range(value: float) -> None:
    assert _fields(TaskSpec(name="t", command="true", retry_backoff=value)) == ["retry_backoff"]


@pytest.mark.parametrize("value", [10**30, -1001, 1001, True])
def test_priority_stays_in_range(value: int) -> None:
    assert _fields(TaskSpec(name="t", command="true", priority=value)) == ["priority"]


def test_the_hundredth_retry_waits_at_most_a_day(tmp_path) -> None:
    spec = TaskSpec(name="t", command="false", retries=100, retry_backoff=86_400)
    rec = RunRecord(uid="u", task_id=1, task_name="t", version=1, status=RunStatus.FAILED)
    rec.attempt = 100
    retry = next_attempt(rec, spec, tmp_path)
    assert retry is not None and retry.not_before is not None
    assert retry.not_before - retry.queued_at == MAX_RETRY_DELAY_S * 1000
