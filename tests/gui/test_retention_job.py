"""Retention applied from the settings: old finished runs and their log files go, the
queued one and the newest stay, and runs are recorded while a long cleanup goes on."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from taskrun_gui.core.models import RunStatus, Trigger
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.engine.retention_keeper import last_run
from taskrun_gui.storage import policy_file, retention, runs_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.retention_job import RetentionJob
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
        policy_file.update(ctx.store.data_dir, retention_per_task=2)
        job = RetentionJob(ctx)
        with qtbot.waitSignal(job.cleaned, timeout=10_000) as got:
            assert job.run_now()
        assert got.args[0].runs_deleted == 2
        left = {r.uid for r in runs_repo.page_before(RunFilter(task_id=task.id), None, 10)}
        assert left == {uids[2], uids[3], queued.uid}
        assert not any(Path(p).exists() for p in old_logs)
        assert last_run(ctx.store) is not None  # the data dir's: a daemon sees it too


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


def test_a_run_is_recorded_while_a_large_cleanup_goes_on(
    qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each batch is its own short transaction on the writer and its log files go after its
    commit: a run written in the middle of the cleanup is committed at once."""
    monkeypatch.setattr(retention, "BATCH", 50)
    with app_context(tmp_path, schedules=False) as ctx:
        task = add_task(ctx.store, shell_task("r", "true"))
        for n in range(200):
            old = records.new_run(task.id, 1, task.spec, {}, Trigger.MANUAL, ctx.store.logs_dir)
            Path(old.log_path).parent.mkdir(parents=True, exist_ok=True)
            Path(old.log_path).write_text(str(n))
            done = replace(old, status=RunStatus.SUCCESS, queued_at=0)
            ctx.writer.submit(RunQueued(done), lazy=True)
        assert ctx.writer.flush(10)
        seen: list[tuple[int, bool]] = []  # per batch: its rows still seen elsewhere, run kept
        remove_logs = retention._remove_logs

        def in_between(paths: Iterable[str]) -> int:
            """After a batch: its deletion is committed, and the writer takes a new run."""
            paths = list(paths)
            with sqlite3.connect(ctx.store.db_path) as other:
                marks = ",".join("?" * len(paths))
                sql = f"SELECT COUNT(*) FROM run WHERE log_path IN ({marks})"
                (still,) = other.execute(sql, paths).fetchone()
            new = records.new_run(task.id, 1, task.spec, {}, Trigger.MANUAL, ctx.store.logs_dir)
            ctx.writer.submit(RunQueued(new)).result(10)
            seen.append((still, runs_repo.get_by_uid(new.uid) is not None))
            return remove_logs(paths)

        monkeypatch.setattr(retention, "_remove_logs", in_between)
        policy_file.update(ctx.store.data_dir, retention_days=1)
        job = RetentionJob(ctx)
        with qtbot.waitSignal(job.cleaned, timeout=30_000) as got:
            assert job.run_now()
        assert got.args[0].runs_deleted == 200
        assert seen == [(0, True)] * 4
        assert runs_repo.count(RunFilter(task_id=task.id)) == 4  # the four recorded meanwhile
