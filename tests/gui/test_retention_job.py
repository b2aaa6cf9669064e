"""Retention applied from the settings: old finished runs and their log files go, the
queued one and the newest stay."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.retention_job import KEY_LAST_RUN, RetentionJob
from taskrun_gui.ui.settings_dialog import SettingsDialog
from tests.e2e.runs import wait_final
from tests.helpers import add_task, app_context, shell_task


def test_keep_per_task_deletes_older_runs_and_logs(qtbot, tmp_path: Path) -> None:
    with app_context(tmp_path, workers=2, schedules=False) as ctx:
        ex = ctx.executor
        task = add_task(ctx.store, shell_task("r", "echo kept"))
        uids = [r.uid for r in ex.enqueue(task.id, task.version, task.spec, repeat=4)]
        for uid in uids:
            wait_final(qtbot, ex, uid)
        ex.set_queue_paused(True)
        queued = ex.enqueue(task.id, task.version, task.spec)[0]
        assert ctx.writer.flush(10)
        old_logs = [runs_repo.get_by_uid(u).log_path for u in uids[:2]]  # type: ignore[union-attr]
        ctx.settings.setValue(cfg.KEY_RETENTION_PER_TASK, 2)
        job = RetentionJob(ctx)
        with qtbot.waitSignal(job.cleaned, timeout=10_000) as got:
            assert job.run_now()
        assert got.args[0].runs_deleted == 2
        left = {r.uid for r in runs_repo.page_before(RunFilter(task_id=task.id), None, 10)}
        assert left == {uids[2], uids[3], queued.uid}
        assert not any(Path(p).exists() for p in old_logs)
        assert ctx.settings.value(KEY_LAST_RUN) is not None


def test_clean_up_now_button_in_settings(qtbot, tmp_path: Path) -> None:
    with app_context(tmp_path, workers=2, schedules=False) as ctx:
        task = add_task(ctx.store, shell_task("r", "echo kept"))
        for rec in ctx.executor.enqueue(task.id, task.version, task.spec, repeat=3):
            wait_final(qtbot, ctx.executor, rec.uid)
        dialog = SettingsDialog(ctx)
        qtbot.addWidget(dialog)
        dialog.retention_per_task.setValue(1)
        qtbot.mouseClick(dialog.cleanup_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Deleted 2 run(s)" in dialog.cleanup_result.text(), timeout=10_000)
        assert runs_repo.count(RunFilter(task_id=task.id)) == 1
