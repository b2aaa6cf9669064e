"""Pages by position are the same rows whichever end of the filtered set they are counted from."""

from __future__ import annotations

import pytest

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.runs_repo import RunFilter
from tests.unit.test_trends_repo import History, day_ms


@pytest.fixture
def hist(store: Store) -> History:
    return History(store)


def test_a_page_counted_from_the_oldest_end_holds_the_same_runs(hist: History) -> None:
    a, b = hist.task("a"), hist.task("b")
    for i in range(37):
        hist.run(a if i % 3 else b, "failed" if i % 4 else "success", 1000 + i, day_ms(2, 0, i))
    for flt in (RunFilter(), RunFilter(task_id=a), RunFilter(statuses=[RunStatus.FAILED])):
        total = runs_repo.count(flt)
        for offset in range(total + 2):
            by_newest = [r.id for r in runs_repo.page_at(flt, offset, 7)]
            by_oldest = [r.id for r in runs_repo.page_at(flt, offset, 7, total)]
            assert by_oldest == by_newest, (flt, offset)
