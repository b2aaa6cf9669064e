"""Statistics of the runs on one host (`taskrun stats --host`). The daily aggregates are per
task and day, not per host: these come from the run rows through the (host, id) index."""

from __future__ import annotations

from typing import cast

from peewee import fn

from taskrun_gui.core.models import ACTIVE_STATUSES
from taskrun_gui.core.stats import RunStats, stats_from_runs
from taskrun_gui.storage.schema import Run
from taskrun_gui.storage.stats_repo import Scope


def run_stats(host: str, scope: Scope) -> RunStats:
    query = Run.select(Run.status, Run.duration_ms).where(
        (Run.host == host) & Run.status.not_in([str(s) for s in ACTIVE_STATUSES])
    )
    if scope.task_id is not None:
        query = query.where(Run.task == scope.task_id)
    since = scope.since_ms()
    if since is not None:
        query = query.where(Run.finished_at >= since)
    pairs = cast(list[tuple[str, int | None]], list(query.tuples()))
    return stats_from_runs(pairs)


def run_hosts() -> list[str]:
    """Every host some run was on, by name: one index seek per host (the (host, id) index),
    however many runs each has."""
    found: list[str] = []
    while True:
        after = Run.host > found[-1] if found else Run.host.is_null(False)
        name = Run.select(fn.MIN(Run.host)).where(after).scalar()
        if name is None:
            return found
        found.append(str(name))
