"""Alerts fire once per change of state: a task failing more often than the threshold
allows, its recovery, and a run much slower than usual."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from taskrun_gui.core.models import Param, RunStatus
from taskrun_gui.storage import policy_file
from taskrun_gui.ui import settings_dialog as cfg
from taskrun_gui.ui.notification_banner import NotificationBanner
from taskrun_gui.ui.notifications import Notifier
from taskrun_gui.ui.tasks.run_notices import RunNotices
from taskrun_gui.ui.tasks.task_table_model import TaskTableModel
from tests.e2e.runs import run_task
from tests.helpers import add_task, app_context, shell_task


def test_success_rate_alert_fires_once_per_change(qtbot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        settings, query = ctx.settings, ctx.query
        policy_file.update(ctx.store.data_dir, alert_success_rate=50, alert_window=4)
        settings.setValue(cfg.KEY_NOTIFY_FAILURE, False)
        settings.setValue(cfg.KEY_NOTIFY_RECOVERY, False)
        window = QWidget()
        qtbot.addWidget(window)
        notifier = Notifier(NotificationBanner(window))
        notices = RunNotices(notifier, settings, TaskTableModel(ctx), window, query=query)
        ctx.hub.changed.connect(notices.apply_changes)
        flaky = add_task(
            ctx.store,
            shell_task(
                "coin", 'test "$TASKRUN_PARAM_SIDE" = heads', params=[Param("side", "heads")]
            ),
        )

        def run(side: str) -> None:
            with qtbot.waitSignal(notices.rate_checked, timeout=10_000):
                rec = run_task(qtbot, ctx.executor, flaky, given={"side": side})
            assert rec.status is (RunStatus.SUCCESS if side == "heads" else RunStatus.FAILED)

        for side in ("heads", "heads", "tails", "tails", "tails"):
            run(side)
        titles = [n.title for n in notifier.history()]
        assert titles.count("coin is failing often") == 1  # fired once, not at every failure
        for side in ("heads", "heads", "heads", "heads"):
            run(side)
        titles = [n.title for n in notifier.history()]
        assert titles.count("coin is failing often") == 1
        assert titles.count("coin is healthy again") == 1


def test_a_desktop_rule_of_the_task_replaces_the_window_switches(qtbot, tmp_path: Path) -> None:
    with app_context(tmp_path, schedules=False) as ctx:
        ctx.settings.setValue(cfg.KEY_NOTIFY_FAILURE, True)
        ctx.settings.setValue(cfg.KEY_NOTIFY_FINISH, False)
        window = QWidget()
        qtbot.addWidget(window)
        notifier = Notifier(NotificationBanner(window))
        tasks = TaskTableModel(ctx)
        notices = RunNotices(notifier, ctx.settings, tasks, window, query=ctx.query)
        ctx.hub.changed.connect(notices.apply_changes)
        quiet = add_task(ctx.store, shell_task("quiet", "exit 1", notify=["desktop:finish"]))
        loud = add_task(ctx.store, shell_task("loud", "exit 1"))
        with qtbot.waitSignal(tasks.loaded, timeout=10_000):
            tasks.reload_now()
        for task in (quiet, loud):
            with qtbot.waitSignal(notices.rate_checked, timeout=10_000):
                run_task(qtbot, ctx.executor, task)
        titles = [n.title for n in notifier.history()]
        assert titles == ["quiet finished", "loud: failed"]
