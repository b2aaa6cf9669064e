"""engine.alerts.AlertWatch: a burst of runs that ended together is judged from one read of
the store per task, each run with those judged before it (their records may not be
committed yet), so the alert they raise is raised."""

from __future__ import annotations

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.engine.alerts import AlertWatch, RaisedAlert, statuses_with
from taskrun_gui.storage import policy_file
from taskrun_gui.storage.db import Store


def test_a_burst_of_failures_not_yet_committed_raises_the_alert_once(store: Store) -> None:
    policy_file.update(store.data_dir, alert_success_rate=50, alert_window=4)
    raised: list[RaisedAlert] = []
    watch = AlertWatch(store, raised.append)
    burst = [RunRecord(f"u{i}", 7, "nightly", 1, status=RunStatus.FAILED) for i in range(4)]
    watch._judge(burst)  # as the thread does with what ended since its last look
    assert [(a.title, a.record.uid) for a in raised] == [("nightly is failing often", "u3")]


def test_runs_the_read_has_as_running_are_judged_with_how_they_ended() -> None:
    """The read was made while the burst ran: its rows say running. Each run judged takes
    its final status in the read, so the next one sees it (not 'running')."""
    recent = [("u1", "running"), ("u0", "running"), ("old", "success")]
    first = RunRecord("u0", 7, "nightly", 1, status=RunStatus.FAILED)
    second = RunRecord("u1", 7, "nightly", 1, status=RunStatus.SUCCESS)
    assert statuses_with(first, recent, 3) == ["success", "failed", "running"]
    assert statuses_with(second, recent, 3) == ["success", "failed", "success"]
