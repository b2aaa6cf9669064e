"""On a shared history a run's start takes its task's slot with a round trip to the server:
in the window the dispatch makes them on the dispatcher's thread, not on the UI thread, and
the runs queued from the window still start and end."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from taskrun_gui.core.models import RunStatus, TaskSpec
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import pg_slots, runs_repo
from taskrun_gui.storage.db import Store
from tests.helpers import add_task


def test_slot_round_trips_are_made_off_the_ui_thread(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch, qtbot
) -> None:  # type: ignore[no-untyped-def]
    where: list[str] = []
    take = pg_slots.PgSlots._take

    def recorded(self, task_id, host, max_concurrent):  # type: ignore[no-untyped-def]
        where.append(threading.current_thread().name)
        return take(self, task_id, host, max_concurrent)

    monkeypatch.setattr(pg_slots.PgSlots, "_take", recorded)
    store = Store(tmp_path / "data", pg_url).open()
    host = Host(store, workers=2)
    try:
        assert host.try_serve()
        task = add_task(store, TaskSpec(name="t", command="true", max_concurrent=1))
        with qtbot.waitSignal(host.executor.idle, timeout=30_000):
            host.executor.enqueue(task.id, task.version, task.spec, repeat=4)
        host.writer.flush(10)
        runs = runs_repo.page_before(runs_repo.RunFilter(task_id=task.id), None, 10)
        assert [r.status for r in runs] == [RunStatus.SUCCESS] * 4
        assert len(where) >= 4  # one slot taken for each run, at least
        assert threading.main_thread().name not in where, where
    finally:
        host.close()
        store.close()
