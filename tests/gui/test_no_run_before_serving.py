"""The window's engine is there before its claim of the data dir is done (the claim runs on a
thread of its own and may find that a daemon serves it): a run queued meanwhile waits for the
claim, and starts once the window serves; nothing executes without the host lock."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus, TaskSpec
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from tests.helpers import add_task


def test_a_run_queued_before_the_window_serves_waits_for_it(tmp_path: Path, qtbot: QtBot) -> None:
    store = Store(tmp_path / "data").open()
    host = Host(store, workers=1)
    try:
        task = add_task(store, TaskSpec(name="t", command="true"))
        [rec] = host.executor.enqueue(task.id, task.version, task.spec)
        assert host.writer.flush(10)
        assert host.executor.running() == [] and not host.lock.held
        queued = runs_repo.get_by_uid(rec.uid)
        assert queued is not None and queued.status is RunStatus.QUEUED
        with qtbot.waitSignal(host.executor.run_finished, timeout=20_000) as done:
            assert host.try_serve()
        assert done.args[0].uid == rec.uid and done.args[0].status is RunStatus.SUCCESS
    finally:
        host.close()
        store.close()
