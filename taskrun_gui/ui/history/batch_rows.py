"""What the batch view shows, apart from the widgets: one row per host of a batch (a
`run --on` invocation), its newest attempt, and that host's success rate for the task.

Rows come from two places: the store (read on a worker) and the change hub's in-memory
states, which are newer while a run is live. A state never goes back: a stored row read a
moment ago does not undo the final state the hub already announced."""

from __future__ import annotations

from dataclasses import dataclass, field

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.stats import RunStats
from taskrun_gui.storage import host_stats, runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.stats_repo import Scope

MAX_BATCH_RUNS = 5000  # far more than a desktop's hosts times their retries


@dataclass
class BatchData:
    runs: list[RunRecord]
    rates: dict[str, RunStats] = field(default_factory=dict)  # host -> the task's runs there


def read_batch(batch: str) -> BatchData:
    """The batch's runs and, for each host, the stats of the task's finished runs on it
    (on a worker: a few indexed reads)."""
    runs = runs_repo.page_before(RunFilter(batch=batch), None, MAX_BATCH_RUNS)
    rates: dict[str, RunStats] = {}
    for rec in runs:
        if rec.host is not None and rec.host not in rates:
            rates[rec.host] = host_stats.run_stats(rec.host, Scope(task_id=rec.task_id))
    return BatchData(runs, rates)


def _newer(old: RunRecord | None, new: RunRecord) -> bool:
    """Whether `new` is what the row should show instead of `old`: a later attempt, or the
    same run in a state that is not behind (a final state stays)."""
    if old is None or new.attempt > old.attempt:
        return True
    if new.attempt < old.attempt or new.uid != old.uid:
        return False
    return not (old.status.is_final and not new.status.is_final)


class BatchRows:
    """The rows, keyed by host, in the order the hosts were first seen."""

    def __init__(self, batch: str) -> None:
        self.batch = batch
        self.by_host: dict[str, RunRecord] = {}
        self.rates: dict[str, RunStats] = {}

    def take(self, recs: list[RunRecord]) -> bool:
        """Merge runs (of any batch: others are ignored); True when a row changed."""
        changed = False
        for rec in sorted(recs, key=lambda r: (r.attempt, r.id or 0)):
            if rec.batch != self.batch or rec.host is None:
                continue
            if _newer(self.by_host.get(rec.host), rec):
                changed = changed or self.by_host.get(rec.host) != rec
                self.by_host[rec.host] = rec
        return changed

    def take_data(self, data: BatchData) -> None:
        self.rates = dict(data.rates)
        self.take(data.runs)

    def records(self) -> list[RunRecord]:
        return list(self.by_host.values())

    def live(self) -> bool:
        return any(not r.status.is_final for r in self.by_host.values())

    def summary(self) -> str:
        """ "3 hosts: 2 success, 1 failed" (statuses in the order first seen)."""
        counts: dict[str, int] = {}
        for rec in self.by_host.values():
            counts[str(rec.status)] = counts.get(str(rec.status), 0) + 1
        n = len(self.by_host)
        parts = ", ".join(f"{c} {s}" for s, c in counts.items())
        return f"{n} host{'s' * (n != 1)}: {parts}" if n else "no runs yet"

    def rate_text(self, host: str) -> str:
        stats = self.rates.get(host)
        if stats is None or stats.success_rate is None:
            return ""
        return f"{stats.success_rate * 100:.0f}% of {stats.total}"
