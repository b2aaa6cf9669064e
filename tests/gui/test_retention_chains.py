"""Retention keeps retry chains whole (a chain with an attempt it keeps keeps them all; a chain
it deletes goes with all its attempts and their logs), and refuses nonsense arguments before
deleting anything."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.storage import retention
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run
from tests.helpers import add_task, shell_task

DAY_MS = 86_400_000


class History:
    """Runs written straight into the store, with the ages and links a test needs."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.task_id = add_task(store, shell_task("t", "true")).id
        self.now = now_ms()

    def run(
        self,
        uid: str,
        days_ago: float,
        first: str | None = None,
        attempt: int = 1,
        status: str = "failed",
    ) -> Path:
        log = self.store.logs_dir / f"{uid}.log"
        log.write_text(uid)
        queued = self.now - int(days_ago * DAY_MS)
        Run.insert(
            uid=uid,
            task=self.task_id,
            task_name="t",
            version=1,
            status=status,
            trigger="retry" if first else "manual",
            attempt=attempt,
            first_uid=first,
            queued_at=queued,
            finished_at=None if status == "queued" else queued + 1000,
            log_path=str(log),
        ).execute()
        return log

    def chain(self, name: str, *days_ago: float, last_status: str = "failed") -> list[Path]:
        logs = [self.run(f"{name}1", days_ago[0])]
        for n, days in enumerate(days_ago[1:], start=2):
            status = last_status if n == len(days_ago) else "failed"
            logs.append(self.run(f"{name}{n}", days, first=f"{name}1", attempt=n, status=status))
        return logs

    def left(self) -> set[str]:
        return {str(u) for (u,) in Run.select(Run.uid).tuples()}


def test_by_age_a_chain_goes_whole_or_stays_whole(store: Store) -> None:
    h = History(store)
    h.chain("across", 30.01, 29.99)  # its last attempt is newer than the cutoff
    old_chain = h.chain("old", 40, 40, 40)
    h.chain("waiting", 40, 40, last_status="queued")  # its retry waits for its backoff
    single = h.run("single", 40, status="success")
    h.run("recent", 1, status="success")
    # an old database: retries whose first run an earlier retention deleted
    orphans = [h.run(f"orphan{n}", 40, first="orphan1", attempt=n) for n in (2, 3)]

    result = retention.cleanup(store, older_than_days=30)

    assert h.left() == {"across1", "across2", "waiting1", "waiting2", "recent"}
    assert result.runs_deleted == 6
    assert not any(p.exists() for p in [*old_chain, single, *orphans])
    assert (store.logs_dir / "across1.log").exists()


def test_keep_per_task_keeps_the_chain_it_cuts(store: Store) -> None:
    h = History(store)
    old_chain = h.chain("old", 9, 9)
    h.run("first", 8, status="success")
    h.chain("cut", 7, 7, 7)  # the count falls inside it
    h.run("fifth", 6, status="success")
    h.run("sixth", 5, status="success")

    result = retention.cleanup(store, keep_per_task=3)

    assert h.left() == {"cut1", "cut2", "cut3", "fifth", "sixth"}
    assert result.runs_deleted == 3
    assert not any(p.exists() for p in old_chain)


DAYS_RANGE = "older_than_days must be a number of days above 0, at most 36500, not "
KEEP_RANGE = "keep_per_task must be a whole number from 1 to 1000000000, not "


@pytest.mark.parametrize(
    ("days", "keep", "message"),
    [
        (-1, None, DAYS_RANGE + "-1"),
        (0, None, DAYS_RANGE + "0"),
        (math.nan, None, DAYS_RANGE + "nan"),
        (math.inf, None, DAYS_RANGE + "inf"),
        (1e300, None, DAYS_RANGE + "1e+300"),
        (10**400, None, DAYS_RANGE + "1000"),
        (None, -5, KEEP_RANGE + "-5"),
        (None, 0, KEEP_RANGE + "0"),
        (None, 2**70, KEEP_RANGE + "1180"),
        (30, -1, KEEP_RANGE + "-1"),  # checked before the age is applied
    ],
)
def test_nonsense_arguments_delete_nothing(
    store: Store, days: float | None, keep: int | None, message: str
) -> None:
    h = History(store)
    h.run("old", 400, status="success")
    h.run("new", 0, status="success")
    with pytest.raises(ValueError) as raised:
        retention.cleanup(store, older_than_days=days, keep_per_task=keep)
    assert str(raised.value).startswith(message)
    assert h.left() == {"old", "new"}
    assert (store.logs_dir / "old.log").exists()
