"""Timeouts of a task with steps: the task's own timeout holds for the whole run (it was
ignored: every step ran to its end), a step's for that step; a step that may fail
(continue_on_error) may also time out, the run going on."""

from __future__ import annotations

from pathlib import Path

from taskrun_gui.core.models import STEP_SKIPPED, RunStatus, Step, TaskSpec
from taskrun_gui.storage import runs_repo
from tests.e2e.runs import run_task
from tests.helpers import add_task


def test_the_tasks_timeout_holds_over_all_its_steps(qtbot, service, store):
    spec = TaskSpec(
        name="steps-deadline",
        timeout=3,
        steps=[
            Step(name="quick", command="echo quick"),
            Step(name="slow", command="sleep 60; echo slow"),  # no timeout of its own
            Step(name="never", command="echo never"),
        ],
    )
    rec = run_task(qtbot, service, add_task(store, spec))
    assert rec.status is RunStatus.TIMEOUT
    assert rec.error_message == (
        "timed out after 3 s (the task's timeout) in step 'slow'; the process tree was stopped"
    )
    steps = [(s.name, s.status) for s in runs_repo.steps(rec.id)]
    assert steps == [("quick", "success"), ("slow", "timeout"), ("never", STEP_SKIPPED)]
    assert Path(rec.log_path).read_bytes() == b"quick\n"


def test_a_step_that_may_fail_may_time_out_and_the_run_goes_on(qtbot, service, store):
    spec = TaskSpec(
        name="steps-may-time-out",
        steps=[
            Step(name="flaky", command="sleep 60", timeout=1, continue_on_error=True),
            Step(name="after", command="echo after"),
        ],
    )
    rec = run_task(qtbot, service, add_task(store, spec))
    assert rec.status is RunStatus.SUCCESS, rec.error_message
    assert [(s.name, s.status) for s in runs_repo.steps(rec.id)] == [
        ("flaky", "timeout"),
        ("after", "success"),
    ]
    assert Path(rec.log_path).read_bytes() == b"after\n"


def test_a_step_that_may_fail_fails_and_the_run_goes_on_under_a_task_timeout(qtbot, service, store):
    """(after review) the task's timeout must not make every failure of such a step fatal."""
    spec = TaskSpec(
        name="steps-may-fail",
        timeout=30,
        steps=[
            Step(name="flaky", command="exit 3", continue_on_error=True),
            Step(name="after", command="echo after"),
        ],
    )
    rec = run_task(qtbot, service, add_task(store, spec))
    assert rec.status is RunStatus.SUCCESS, rec.error_message
    assert [(s.name, s.status) for s in runs_repo.steps(rec.id)] == [
        ("flaky", "failed"),
        ("after", "success"),
    ]
