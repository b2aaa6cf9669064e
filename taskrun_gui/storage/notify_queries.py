"""The reads alerting needs that no view does: a task's last success (late), the status of its
previous chain of attempts (recovery), its recent successful durations (slow) and what a
digest sums up. One seek per task in the (task_id, status, id) index, never a table scan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage.schema import Run

_FAILURES = [str(s) for s in RunStatus if s.is_failure]
_COUNTED = [str(s) for s in RunStatus if s.counts_for_success_rate]


def last_success_at(task_id: int) -> int | None:
    """When the task's newest successful run ended (epoch ms), or None."""
    row = (
        Run.select(Run.finished_at)
        .where((Run.task == task_id) & (Run.status == str(RunStatus.SUCCESS)))
        .order_by(Run.id.desc())
        .first()
    )
    return None if row is None else row.finished_at


def previous_chain_status(task_id: int, run_id: int, chain: str) -> RunStatus | None:
    """The final status of the task's last chain of attempts before `run_id` (not the chain
    `chain` it belongs to; a cancelled run says nothing)."""
    rows = (
        Run.select(Run.uid, Run.first_uid, Run.status)
        .where((Run.task == task_id) & (Run.id < run_id) & Run.status.in_(_COUNTED))
        .order_by(Run.id.desc())
        .limit(50)
    )
    for row in rows:
        if (row.first_uid or row.uid) != chain:
            return RunStatus(row.status)
    return None


def recent_success_durations(task_id: int, before_id: int, n: int) -> list[int]:
    """Durations of the task's last `n` successful runs before `before_id`, oldest first."""
    rows = (
        Run.select(Run.duration_ms)
        .where(
            (Run.task == task_id)
            & (Run.status == str(RunStatus.SUCCESS))
            & (Run.id < before_id)
            & Run.duration_ms.is_null(False)
        )
        .order_by(Run.id.desc())
        .limit(n)
    )
    return [int(r.duration_ms or 0) for r in rows][::-1]


@dataclass(frozen=True)
class TaskPeriod:
    """One task over a digest's period."""

    task_id: int
    name: str
    runs: int
    failures: int
    slowest_ms: int | None
    statuses: list[str]  # oldest first, for flakiness


def period_summary(since_ms: int) -> list[TaskPeriod]:
    """Every task that finished runs since `since_ms` (an index range on finished_at)."""
    rows = (
        Run.select(Run.task_id, Run.task_name, Run.status, Run.duration_ms)
        .where((Run.finished_at >= since_ms) & Run.status.in_(_COUNTED))
        .order_by(Run.finished_at)
        .tuples()
    )
    by_task: dict[int, tuple[str, list[str], list[int]]] = {}
    for task_id, name, status, duration in cast(Iterable[tuple[Any, ...]], rows):
        entry = by_task.setdefault(int(task_id), (str(name), [], []))
        entry[1].append(str(status))
        if duration is not None:
            entry[2].append(int(duration))
    return [
        TaskPeriod(
            task_id,
            name,
            len(statuses),
            sum(1 for s in statuses if s in _FAILURES),
            max(durations) if durations else None,
            statuses,
        )
        for task_id, (name, statuses, durations) in by_task.items()
    ]
