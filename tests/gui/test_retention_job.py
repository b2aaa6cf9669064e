"""Retention applied from the settings: old finished runs and their log files go, the
queued one and the newest stay."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.retention_job import KEY_LAST_RUN, RetentionJob
from tests.e2e.runs import wait_final
from tests.helpers import add_task, shell_task


def test_keep_per_task_deletes_older_runs_and_logs(qtbot, tmp_path):
    from taskrun_gui.storage.db import Store

    store = Store(tmp_path / "data").open()
    host = Host(store, 2, schedules=False)
    assert host.try_serve()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    query = QueryRunner(store, host.writer)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    try:
        task = add_task(store, shell_task("r", "echo kept"))
        uids = [r.uid for r in host.executor.enqueue(task.id, task.version, task.spec, repeat=4)]
        for uid in uids:
            wait_final(qtbot, host.executor, uid)
        host.executor.set_queue_paused(True)
        queued = host.executor.enqueue(task.id, task.version, task.spec)[0]
        assert host.writer.flush(10)
        old_logs = [runs_repo.get_by_uid(u).log_path for u in uids[:2]]  # type: ignore[union-attr]
        settings.setValue(cfg.KEY_RETENTION_PER_TASK, 2)
        job = RetentionJob(ctx)
        with qtbot.waitSignal(job.cleaned, timeout=10_000) as got:
            assert job.run_now()
        assert got.args[0].runs_deleted == 2
        left = {r.uid for r in runs_repo.page_before(RunFilter(task_id=task.id), None, 10)}
        assert left == {uids[2], uids[3], queued.uid}
        assert not any(Path(p).exists() for p in old_logs)
        assert settings.value(KEY_LAST_RUN) is not None
    finally:
        host.close()
        query.wait_idle()
        store.close()


def test_clean_up_now_button_in_settings(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from taskrun_gui.storage.db import Store
    from taskrun_gui.ui.settings_dialog import SettingsDialog

    store = Store(tmp_path / "data").open()
    host = Host(store, 2, schedules=False)
    assert host.try_serve()
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    query = QueryRunner(store, host.writer)
    ctx = AppContext(store, host.writer, host.executor, query, settings)
    try:
        task = add_task(store, shell_task("r", "echo kept"))
        for rec in host.executor.enqueue(task.id, task.version, task.spec, repeat=3):
            wait_final(qtbot, host.executor, rec.uid)
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.retention_per_task.setValue(1)
        qtbot.mouseClick(dialog.cleanup_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Deleted 2 run(s)" in dialog.cleanup_result.text(), timeout=10_000)
        assert runs_repo.count(RunFilter(task_id=task.id)) == 1
    finally:
        host.close()
        query.wait_idle()
        store.close()
