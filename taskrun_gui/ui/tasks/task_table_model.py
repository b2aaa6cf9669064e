"""The Tasks table: one row per task, filled from a worker read and from the executor's
in-memory state, so data() is a dictionary lookup and never a query.

Changes come from the change hub, once each: a run's new state at once (kept as an overlay
and shown until the store has caught up: the writer stores it a little later), the store read
once the writer has committed it (throttled, and only while the table is shown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import QApplication

from taskrun_gui.core import schedule
from taskrun_gui.core.interpreters import interpreter_label
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.timefmt import elapsed_text, human_duration, local_text, now_ms
from taskrun_gui.storage import tasks_repo
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.refresher import Refresher
from taskrun_gui.ui.tasks.task_overview import TaskOverview, load_overview
from taskrun_gui.ui.theme import is_dark, status_color
from taskrun_gui.ui.widgets.status_delegate import RECENT_RUNS_ROLE

COLUMNS = (
    "Name",
    "Kind",
    "Tags",
    "Last status",
    "Last run",
    "Last duration",
    "Success 30d",
    "Running",
    "Queue",
    "Next run",
)
(
    COL_NAME,
    COL_KIND,
    COL_TAGS,
    COL_STATUS,
    COL_LAST_RUN,
    COL_DURATION,
    COL_SUCCESS,
    COL_RUNNING,
    COL_QUEUE,
    COL_NEXT,
) = range(len(COLUMNS))

TASK_ID_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
REFRESH_DELAY_MS = 250  # at most ~4 store reads a second however busy the executor is
TASKS_WATCH_MS = 3000  # a task added or edited by another process shows within this

_Index = QModelIndex | QPersistentModelIndex
Stamp = tuple[int, int, int, int]  # tasks_repo.stamp()
_RIGHT = {COL_DURATION, COL_SUCCESS, COL_RUNNING, COL_QUEUE}


class TaskTableModel(QAbstractTableModel):
    loaded = Signal()  # after every store read, changed or not

    def __init__(self, ctx: AppContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._rows: list[TaskOverview] = []
        self._overlay: dict[int, RunRecord] = {}  # task id -> newest record seen on a signal
        self._live: dict[int, int] = {}  # task id -> runs this process is running
        self._paused: dict[int, int] = {}  # task id -> how many of those are paused
        self._queue_pos: dict[int, tuple[int, int]] = {}  # task id -> (first position, count)
        # the view sets `shown`; a model nobody shows reads whenever asked
        self.refresher = Refresher(self._start_read, self, REFRESH_DELAY_MS)
        self._ticker = QTimer(self)  # running tasks' elapsed time
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self.tick_running)
        self._ticker.start()
        # tasks another process added, edited or removed (`taskrun task add`), and next
        # fire times the scheduler set after the first read: no run tells
        self._stamp: Stamp | None = None
        self._looking = False  # a stamp read in flight
        self.watching: Callable[[], bool] = self.refresher.shown  # the tab: not minimized too
        self._watch = QTimer(self)
        self._watch.setInterval(TASKS_WATCH_MS)
        self._watch.timeout.connect(self._look_for_task_changes)
        self._watch.start()

    # -- loading ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask for a reload soon (while shown); many calls within the delay make one read."""
        self.refresher.soon()

    def reload_now(self) -> None:
        self.refresher.now()

    def _look_for_task_changes(self) -> None:
        """One read at a time (a store slow to answer is not asked again meanwhile), and
        only while someone can see the table."""
        if self._looking or not self.watching() or not self.refresher.idle:
            return
        self._looking = True
        self._ctx.query.read(tasks_repo.stamp, self._on_stamp, self._on_stamp_failed, self)

    def _on_stamp(self, stamp: Stamp) -> None:
        self._looking = False
        if self._stamp is not None and stamp != self._stamp:
            self.refresh()

    def _on_stamp_failed(self, _exc: Exception) -> None:
        self._looking = False

    def _start_read(self) -> None:
        read, failed = self._on_overview_loaded, self._on_load_failed
        self._ctx.query.read(_stamped_overview, read, failed, self)

    def _on_overview_loaded(self, read: tuple[Stamp, list[TaskOverview]]) -> None:
        self._stamp, rows = read  # the tasks as of this read: a change after it is seen
        self._set_rows(rows)
        self.loaded.emit()
        self.refresher.finished(ok=True)

    def _on_load_failed(self, exc: Exception) -> None:
        self.refresher.finished(ok=False)

    def _set_rows(self, rows: list[TaskOverview]) -> None:
        for r in rows:
            seen = self._overlay.get(r.task.id)
            last = r.last
            if seen is None or last is None or last.uid != seen.uid:
                continue
            if last.status == seen.status or last.status.is_final:
                del self._overlay[r.task.id]  # the store has caught up
        if [r.task.id for r in rows] == [r.task.id for r in self._rows]:
            self._rows = rows
            if rows:
                self._changed_all()
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()

    # -- what the change hub announces --------------------------------------------------------
    def apply_changes(self, changes: RunChanges) -> None:
        """Each changed run once, in memory (shown until the store holds the same), the
        executor's live picture, and a store read once the store holds more (if shown)."""
        for rec in changes.runs:
            seen = self._overlay.get(rec.task_id)
            if seen is None or seen.uid == rec.uid or rec.queued_at >= seen.queued_at:
                self._overlay[rec.task_id] = rec
        if changes.queue:
            self._set_live(changes.running, changes.queued)
        if self._rows and (changes.runs or changes.queue):
            self._changed_all()
        if changes.stored:
            self.refresher.soon()

    def _set_live(self, running: list[RunRecord], queue: list[RunRecord]) -> None:
        live: dict[int, int] = {}
        paused: dict[int, int] = {}
        for rec in running:
            live[rec.task_id] = live.get(rec.task_id, 0) + 1
            if rec.status is RunStatus.PAUSED:
                paused[rec.task_id] = paused.get(rec.task_id, 0) + 1
        pos: dict[int, tuple[int, int]] = {}
        for i, rec in enumerate(queue, start=1):
            first, n = pos.get(rec.task_id, (i, 0))
            pos[rec.task_id] = (first, n + 1)
        self._live, self._paused, self._queue_pos = live, paused, pos

    def tick_running(self) -> None:
        """Repaint the Duration of tasks with a run going (the view calls it each second)."""
        for row in range(len(self._rows)):
            if self.running_count(row):
                index = self.index(row, COL_DURATION)
                self.dataChanged.emit(index, index)

    def _changed_all(self) -> None:
        self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # -- lookups -----------------------------------------------------------------------------
    def row_of(self, task_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.task.id == task_id), None)

    def overview(self, row: int) -> TaskOverview:
        return self._rows[row]

    def overviews(self) -> list[TaskOverview]:
        return list(self._rows)

    def last_run(self, row: int) -> RunRecord | None:
        """The newest run of the row's task, from the store or, if newer, from a signal."""
        r = self._rows[row]
        seen = self._overlay.get(r.task.id)
        if seen is None:
            return r.last
        if r.last is None or seen.uid == r.last.uid or seen.queued_at >= r.last.queued_at:
            return seen
        return r.last

    def running_count(self, row: int) -> int:
        r = self._rows[row]
        return max(r.running, self._live.get(r.task.id, 0))

    def live_status(self, row: int) -> RunStatus:
        """Paused when every live run of the row's task is (the executor's picture, or for a
        run it does not hold, the newest run's state), else running."""
        task_id, n = self._rows[row].task.id, self.running_count(row)
        if self._live.get(task_id, 0) >= n:
            all_paused = self._paused.get(task_id, 0) >= n
        else:  # another process runs it: the store's count says nothing of pauses
            last = self.last_run(row)
            all_paused = n == 1 and last is not None and last.status is RunStatus.PAUSED
        return RunStatus.PAUSED if all_paused else RunStatus.RUNNING

    # -- the Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section] if 0 <= section < len(COLUMNS) else None
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == TASK_ID_ROLE:
            return self._rows[row].task.id
        if role == SORT_ROLE:
            return self._sort_key(row, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATUS:
            status = self._text(row, COL_STATUS)
            if status != "never run":
                return status_color(status, is_dark(QApplication.palette()))
        if role == RECENT_RUNS_ROLE and col == COL_STATUS:
            return self._rows[row].recent  # the last runs' strip
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, col)
        if role == Qt.ItemDataRole.TextAlignmentRole and col in _RIGHT:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _text(self, row: int, col: int) -> str:
        r = self._rows[row]
        spec = r.task.spec
        last = self.last_run(row)
        if col == COL_NAME:
            shown = f"{spec.title} ({r.task.name})" if spec.title else r.task.name
            return f"{shown}  ⚡ flaky" if r.flaky else shown
        if col == COL_KIND:
            label = interpreter_label(spec.kind, spec.interpreter, spec.shell)
            return f"{len(spec.steps)} steps" if spec.steps else f"{spec.kind} · {label}"
        if col == COL_TAGS:
            return ", ".join(spec.tags)
        if col == COL_STATUS:
            if self.running_count(row):
                return str(self.live_status(row))  # a newer queued run must not hide a live one
            return str(last.status) if last else "never run"
        if col == COL_LAST_RUN:
            return local_text(last.started_at or last.queued_at) if last else ""
        if col == COL_DURATION:
            if last and self.running_count(row) and last.status.is_live:
                return elapsed_text(last.started_at, now_ms())  # ticks: see tick_running
            return human_duration(last.duration_seconds) if last else ""
        if col == COL_SUCCESS:
            return "" if r.success_rate is None else f"{r.success_rate * 100:.0f} %"
        if col == COL_RUNNING:
            n = self.running_count(row)
            return str(n) if n else ""
        if col == COL_QUEUE:
            return self._queue_text(r)
        if col == COL_NEXT:
            return self._next_text(r)
        return ""

    def _queue_text(self, r: TaskOverview) -> str:
        first, n = self._queue_pos.get(r.task.id, (0, 0))
        if n:
            return f"#{first}" if n == 1 else f"#{first} (+{n - 1})"
        return f"{r.queued} waiting" if r.queued else ""

    @staticmethod
    def _next_text(r: TaskOverview) -> str:
        sched = r.task.spec.schedule
        if not sched.is_set:
            return ""
        text = schedule.describe(sched)
        if not r.task.spec.enabled and sched.enabled:
            return f"{text} (task disabled)"  # it does not fire: not a time to come
        if r.task.next_fire_at and sched.enabled:
            text += f" — {local_text(r.task.next_fire_at)}"
        return text

    def _sort_key(self, row: int, col: int) -> Any:
        r = self._rows[row]
        last = self.last_run(row)
        if col == COL_LAST_RUN:
            return (last.started_at or last.queued_at) if last else 0
        if col == COL_DURATION:
            return (last.duration_seconds or 0) if last else -1  # as shown: the wall time
        if col == COL_SUCCESS:
            return -1.0 if r.success_rate is None else r.success_rate
        if col == COL_RUNNING:
            return self.running_count(row)
        if col == COL_QUEUE:
            return self._queue_pos.get(r.task.id, (10**9, 0))[0]
        if col == COL_NEXT:
            return r.task.next_fire_at or 2**62
        return self._text(row, col).lower()

    def _tooltip(self, row: int, col: int) -> str | None:
        r = self._rows[row]
        if col == COL_NAME and r.flaky:
            return (
                f"Flaky: its recent runs flip between success and failure "
                f"({r.flip_rate * 100:.0f} % of the time)"
            )
        if col == COL_NAME:
            command_name = f"taskrun run {r.task.name}" if r.task.spec.title else ""
            return "\n".join(t for t in (r.task.spec.description, command_name) if t) or None
        if col == COL_STATUS:
            last = self.last_run(row)
            if last is not None and last.error_message:
                return last.error_message
            if last is not None and last.exit_code is not None:
                return f"exit code {last.exit_code}"
        return None


def _stamped_overview() -> tuple[Stamp, list[TaskOverview]]:
    """On the worker: the stamp first, so a task saved meanwhile makes it differ later."""
    return tasks_repo.stamp(), load_overview()
