"""What the Tasks table shows per task, read in one go on a worker (never from data())."""

from __future__ import annotations

from dataclasses import dataclass

from taskrun_gui.core import insights
from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage import runs_repo, stats_repo, tasks_repo, trends_repo
from taskrun_gui.storage.tasks_repo import TaskRow

SUCCESS_WINDOW_DAYS = 30


@dataclass
class TaskOverview:
    task: TaskRow
    last: RunRecord | None
    success_rate: float | None  # 0..1 over the last 30 days; None when nothing finished
    running: int  # running or paused, as the store knows it (any process)
    queued: int
    flip_rate: float = 0.0  # how often recent runs alternate between success and failure
    flaky: bool = False
    recent: tuple[str, ...] = ()  # the last runs' statuses, oldest first (the strip)


def load_overview() -> list[TaskOverview]:
    """One row per live task. Tasks are few (tens to hundreds), so a per-task read of the
    daily aggregates is cheap, and it keeps this on indexed tables only."""
    tasks = tasks_repo.list_all()
    last = runs_repo.last_runs_by_task()
    active = runs_repo.active_counts_by_task()
    rates = stats_repo.success_counts(SUCCESS_WINDOW_DAYS)
    out = []
    for t in tasks:
        success, total = rates.get(t.id, (0, 0))
        running, queued = active.get(t.id, (0, 0))
        recent = trends_repo.recent_statuses(t.id)  # the read flakiness made, kept
        flips, flaky = insights.flakiness(recent)
        out.append(
            TaskOverview(
                task=t,
                last=last.get(t.id),
                success_rate=(success / total) if total else None,
                running=running,
                queued=queued,
                flip_rate=flips,
                flaky=flaky,
                recent=tuple(recent),
            )
        )
    return out
