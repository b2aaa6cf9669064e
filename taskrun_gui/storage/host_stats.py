"""Statistics of the runs on one host or node (`taskrun stats --host/--node`). The daily
aggregates are per task and day, not per host or node: these come from the run rows through
the (host, id) and (node, finished_at, ...) indexes."""

from __future__ import annotations

from typing import cast

from peewee import Field, fn

from taskrun_gui.core.models import ACTIVE_STATUSES
from taskrun_gui.core.stats import RunStats, stats_from_runs
from taskrun_gui.storage.schema import Run
from taskrun_gui.storage.stats_repo import Scope


def run_stats(host: str | None, scope: Scope, node: str | None = None) -> RunStats:
    query = Run.select(Run.status, Run.duration_ms).where(
        Run.status.not_in([str(s) for s in ACTIVE_STATUSES])
    )
    if host is not None:
        query = query.where(Run.host == host)
    if node is not None:
        query = query.where(Run.node == node)
    if scope.task_id is not None:
        query = query.where(Run.task == scope.task_id)
    since = scope.since_ms()
    if since is not None:
        query = query.where(Run.finished_at >= since)
    pairs = cast(list[tuple[str, int | None]], list(query.tuples()))
    return stats_from_runs(pairs)


def run_hosts() -> list[str]:
    """Every host some run was on, by name (the (host, id) index)."""
    return distinct_values(Run.host)


def distinct_values(column: Field) -> list[str]:
    """Every value of an indexed run column, in order: one index seek per value, however
    many runs each has (a GROUP BY would read every row)."""
    found: list[str] = []
    while True:
        after = column > found[-1] if found else column.is_null(False)
        name = Run.select(fn.MIN(column)).where(after).scalar()
        if name is None:
            return found
        found.append(str(name))
