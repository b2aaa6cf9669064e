"""engine.alerts.AlertWatch: a burst of runs that ended together is judged from one read of
the store per task, each run with those judged before it (their records may not be
committed yet), so the alert they raise is raised."""

from __future__ import annotations

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.engine.alerts import AlertWatch, RaisedAlert
from taskrun_gui.storage import policy_file
from taskrun_gui.storage.db import Store


def test_a_burst_of_failures_not_yet_committed_raises_the_alert_once(store: Store) -> None:
    policy_file.update(store.data_dir, alert_success_rate=50, alert_window=4)
    raised: list[RaisedAlert] = []
    watch = AlertWatch(store, raised.append)
    burst = [RunRecord(f"u{i}", 7, "nightly", 1, status=RunStatus.FAILED) for i in range(4)]
    watch._judge(burst)  # as the thread does with what ended since its last look
    assert [(a.title, a.record.uid) for a in raised] == [("nightly is failing often", "u3")]
