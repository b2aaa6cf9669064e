"""The step x day failure heat map of a multi-step task, from known histories."""

from __future__ import annotations

import pytest

from taskrun_gui.storage import run_writes, steps_repo
from taskrun_gui.storage.db import Store
from tests.unit.test_trends_repo import History, _day, day_ms


@pytest.fixture
def hist(store: Store) -> History:
    return History(store)


def _steps(hist: History, run_id: int, statuses: list[str]) -> None:
    uid = f"run-{hist._n}"  # the run just made (History names runs by a counter)
    steps = [
        {
            "idx": i,
            "name": ["fetch", "build", "publish"][i],
            "status": s,
            "started_at": None,
            "finished_at": None,
            "exit_code": None,
            "log_start": 0,
            "log_end": 0,
        }
        for i, s in enumerate(statuses)
    ]
    with hist.store.db.atomic():
        run_writes.apply_op("set_steps", uid, {"steps": steps})
    assert run_id > 0


def test_step_failures_per_day(hist: History) -> None:
    task = hist.task("pipeline")
    # two days ago: build failed once out of two runs; yesterday: publish timed out once
    _steps(hist, hist.run(task, "success", 100, day_ms(2, 9)), ["success", "success", "success"])
    _steps(hist, hist.run(task, "failed", 100, day_ms(2, 10)), ["success", "failed", "skipped"])
    _steps(hist, hist.run(task, "failed", 100, day_ms(1, 9)), ["success", "success", "timeout"])
    heat = steps_repo.step_heatmap(task, days=3)
    assert heat.task_names == ["fetch", "build", "publish"]
    assert heat.days == [_day(2), _day(1), _day(0)]
    assert heat.rates == [[1.0, 1.0, None], [0.5, 1.0, None], [1.0, 0.0, None]]
    assert heat.counts == [[2, 1, 0], [2, 1, 0], [1, 1, 0]]  # a skipped step is not counted


def test_a_task_without_steps_has_no_step_map(hist: History) -> None:
    task = hist.task("single")
    hist.run(task, "success", 100, day_ms(1))
    assert steps_repo.step_heatmap(task, days=7).task_ids == []


def test_tasks_overview_marks_a_flaky_task(hist: History) -> None:
    from taskrun_gui.ui.tasks.task_overview import load_overview

    flaky = hist.task("flaky")
    steady = hist.task("steady")
    for i in range(10):
        hist.run(flaky, "success" if i % 2 else "failed", 100, day_ms(1, 1, i))
        hist.run(steady, "success", 100, day_ms(1, 1, i))
    by_name = {o.task.name: o for o in load_overview()}
    assert by_name["flaky"].flaky and by_name["flaky"].flip_rate == 1.0
    assert not by_name["steady"].flaky
