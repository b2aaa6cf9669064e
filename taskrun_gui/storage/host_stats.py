"""Statistics of the runs on one host (`taskrun stats --host`). The daily aggregates are per
task and day, not per host: these come from the run rows through the (host, id) index."""

from __future__ import annotations

from typing import cast

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
