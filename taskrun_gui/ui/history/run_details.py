"""Everything known about one run, beside its log.

The record from the table is shown at once; what needs the database (the steps of a multi-step
run, which version the task's previous run used, how many attempts its version allows and
which run a retry retries) is read on a worker and filled in when it arrives, so moving
through the table stays instant. Answers for a run no longer shown are dropped.
"""

from __future__ import annotations

import contextlib
import signal as signal_mod
from dataclasses import dataclass, replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import RunRecord, StepRecord
from taskrun_gui.core.timefmt import human_bytes, human_duration, local_text
from taskrun_gui.storage import chains_repo, runs_repo, tasks_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.tasks_repo import TaskNotFoundError
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.theme import is_dark, status_color
from taskrun_gui.ui.widgets.diff_view import DiffView
from taskrun_gui.ui.widgets.status_delegate import StatusChipDelegate

_FIELDS = (
    "Task",
    "Status",
    "Version",
    "Trigger",
    "Host",  # shown for a run on another machine only
    "Attempt",
    "Parameters",
    "Queued",
    "Started",
    "Finished",
    "Duration",
    "Exit code",
    "Signal",
    "Error",
    "Peak RSS",
    "CPU seconds",
    "Log file",
    "Output not kept",
)
DROPPED_NOTE = "(log cap or full disk; the log file says where)"


@dataclass
class _Extra:
    """What is read from the database for a shown run."""

    steps: list[StepRecord]
    previous_version: int | None
    attempts: int | None = None  # the most the run's version allows (retries + 1)
    retry_of: int | None = None  # the id of the attempt a retry retries; None: deleted


def _read_extra(rec: RunRecord) -> _Extra:
    """On a worker: what the details need beyond the record."""
    run_id = rec.id
    assert run_id is not None
    previous = runs_repo.page_before(RunFilter(task_id=rec.task_id), run_id, 1)
    extra = _Extra(runs_repo.steps(run_id), previous[0].version if previous else None)
    with contextlib.suppress(TaskNotFoundError):  # a version not in the store: not said
        extra.attempts = tasks_repo.version_spec(rec.task_id, rec.version).retries + 1
    first = rec.first_uid
    if first is not None and rec.attempt > 1:
        extra.retry_of = chains_repo.retried_run_id(rec.task_id, run_id, rec.attempt, first)
    return extra


def _attempt_text(rec: RunRecord, extra: _Extra | None) -> str:
    """Which attempt, of how many, retrying which run: "2 of 3, retry of run 8"."""
    retry = rec.first_uid is not None and rec.attempt > 1
    if extra is None:
        return f"{rec.attempt} (a retry)" if retry else str(rec.attempt)
    text = str(rec.attempt)
    if extra.attempts is not None and max(extra.attempts, rec.attempt) > 1:
        text += f" of {max(extra.attempts, rec.attempt)}"
    if retry:
        gone = extra.retry_of is None
        text += ", retry of a run that was deleted" if gone else f", retry of run {extra.retry_of}"
    return text


def _signal_text(sig: int | None) -> str:
    if sig is None:
        return ""
    try:
        return f"{sig} ({signal_mod.Signals(sig).name})"
    except ValueError:
        return str(sig)


class RunDetails(QWidget):
    extra_loaded = Signal()  # steps and previous version are on screen
    diff_shown = Signal(object)  # the DiffView dialog, once its text is set
    step_selected = Signal(object)  # StepRecord | None: show only that step's output
    batch_requested = Signal(str)  # the batch of the shown run: its one-row-per-host view

    def __init__(self, query: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._query = query
        self._rec: RunRecord | None = None
        self._previous_version: int | None = None
        self._extra: _Extra | None = None  # of the shown run, once read
        self._extra_uid: str | None = None
        self.values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for name in _FIELDS:
            value = QLabel(self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(name in ("Error", "Parameters", "Output not kept"))
            # a long path or message must not widen the pane: it is clipped, the tooltip
            # and the context menu's "Open log file" have it whole
            value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.values[name] = value
            form.addRow(name, value)
        version = self.values["Version"]
        version.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        version.linkActivated.connect(self._on_version_link_activated)
        self.batch_link = QLabel('<a href="batch">Show every host of the batch…</a>', self)
        self.batch_link.linkActivated.connect(self._on_batch_link_activated)
        form.insertRow(_FIELDS.index("Host") + 1, "", self.batch_link)

        self.steps_table = QTableWidget(0, 4, self)
        self.steps_table.setObjectName("stepsTable")
        self.steps_table.setHorizontalHeaderLabels(["Step", "Status", "Exit code", "Duration"])
        self.steps_table.verticalHeader().hide()
        self.steps_table.setItemDelegateForColumn(1, StatusChipDelegate(self.steps_table))
        self.steps_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.steps_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.steps_table.hide()
        self.steps_table.setToolTip("Select a step to show only its output")
        self.steps_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.steps_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.steps_table.itemSelectionChanged.connect(self._on_steps_selection_changed)
        self._steps: list[StepRecord] = []
        self._steps_uid: str | None = None  # the run whose steps the table holds

        self.placeholder = QLabel("Select a run to see its details", self)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.steps_table)  # first: a multi-step run is read by its steps
        layout.addLayout(form)
        layout.addStretch(1)
        self._form = form
        self._set_form_visible(False)

    @property
    def record(self) -> RunRecord | None:
        return self._rec

    def show_run(self, rec: RunRecord | None) -> None:
        """Show a run (None: nothing selected). The same run again only updates the fields."""
        same = rec is not None and self._rec is not None and rec.uid == self._rec.uid
        self._rec = rec
        self._set_form_visible(rec is not None)
        if rec is None:
            return
        self._fill(rec)
        if rec.steps:
            self._fill_steps(rec.steps)
        if rec.id is not None and not (same and self._previous_version is not None):
            self._load_extra(rec)

    # -- filling ----------------------------------------------------------------------------
    def _set_form_visible(self, visible: bool) -> None:
        self.placeholder.setVisible(not visible)
        for row in range(self._form.rowCount()):
            self._form.setRowVisible(row, visible)
        if not visible:
            self.steps_table.hide()

    def _fill(self, rec: RunRecord) -> None:
        v = self.values
        run_id = "" if rec.id is None else f"  (run {rec.id})"
        v["Task"].setText(f"{rec.task_name}{run_id}")
        colour = status_color(str(rec.status), is_dark(self.palette())).name()
        v["Status"].setText(f'<span style="color:{colour}"><b>{rec.status}</b></span>')
        self._fill_version()
        chained = "" if rec.triggered_by is None else f", triggered by run {rec.triggered_by}"
        v["Trigger"].setText(f"{rec.trigger}{chained}")
        self._fill_attempt()
        params = ", ".join(f"{k}={val}" for k, val in sorted(rec.params.items()))
        v["Parameters"].setText(params or "none")
        v["Queued"].setText(local_text(rec.queued_at))
        v["Started"].setText(local_text(rec.started_at))
        v["Finished"].setText(local_text(rec.finished_at))
        v["Duration"].setText(human_duration(rec.duration_seconds))
        v["Exit code"].setText("" if rec.exit_code is None else str(rec.exit_code))
        v["Signal"].setText(_signal_text(rec.signal))
        kind = "" if rec.error_type is None else f"[{rec.error_type}] "
        v["Error"].setText(f"{kind}{rec.error_message or ''}".strip())
        v["Peak RSS"].setText(human_bytes(rec.peak_rss))
        v["CPU seconds"].setText("" if rec.cpu_seconds is None else f"{rec.cpu_seconds:.2f}")
        v["Log file"].setText(rec.log_path)
        v["Log file"].setToolTip(rec.log_path)
        dropped = rec.log_dropped > 0  # the row is shown only for a run that lost output
        kept_text = f"{human_bytes(rec.log_dropped)} {DROPPED_NOTE}" if dropped else ""
        v["Output not kept"].setText(kept_text)
        self._form.setRowVisible(v["Output not kept"], dropped)
        batch = f"  (batch {rec.batch[:8]})" if rec.batch else ""
        v["Host"].setText(f"{rec.host}{batch}" if rec.host else "")
        self._form.setRowVisible(self.batch_link, bool(rec.batch))
        self._form.setRowVisible(v["Host"], rec.host is not None)
        for name in ("Task", "Status", "Error", "Parameters", "Log file"):
            v[name].setTextFormat(
                Qt.TextFormat.RichText if name == "Status" else Qt.TextFormat.PlainText
            )

    def _fill_version(self) -> None:
        rec, prev = self._rec, self._previous_version
        if rec is None:
            return
        text = f"v{rec.version}"
        if prev is not None and prev != rec.version:
            text += f' — <a href="diff">diff vs previous run\'s version (v{prev})</a>'
        elif prev is not None:
            text += " (same as the previous run)"
        self.values["Version"].setText(text)

    def _fill_attempt(self) -> None:
        rec = self._rec
        if rec is not None:
            extra = self._extra if self._extra_uid == rec.uid else None
            self.values["Attempt"].setText(_attempt_text(rec, extra))

    def _on_steps_selection_changed(self) -> None:
        rows = self.steps_table.selectionModel().selectedRows()
        step = self._steps[rows[0].row()] if rows and rows[0].row() < len(self._steps) else None
        self.step_selected.emit(step)

    def _fill_steps(self, steps: list[StepRecord]) -> None:
        """Refill without telling: a step chosen for this run stays chosen; another run's
        choice is dropped quietly (announcing it would reload the log over what the new run
        shows, a search match say)."""
        uid = self._rec.uid if self._rec is not None else None
        rows = self.steps_table.selectionModel().selectedRows()
        keep = rows[0].row() if rows and uid == self._steps_uid else None
        self._steps, self._steps_uid = list(steps), uid
        table = self.steps_table
        table.blockSignals(True)
        table.clearSelection()
        table.setRowCount(len(steps))
        for row, step in enumerate(steps):
            duration = None
            if step.started_at is not None and step.finished_at is not None:
                duration = (step.finished_at - step.started_at) / 1000.0
            cells = (
                step.name,
                step.status,
                "" if step.exit_code is None else str(step.exit_code),
                human_duration(duration),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 1:
                    item.setForeground(status_color(step.status, is_dark(self.palette())))
                table.setItem(row, col, item)
        if keep is not None and keep < len(steps):
            table.selectRow(keep)
        table.blockSignals(False)
        table.setVisible(bool(steps))
        height = table.horizontalHeader().height() + 2 * table.frameWidth()
        table.setFixedHeight(height + sum(table.rowHeight(r) for r in range(len(steps))))

    # -- database ---------------------------------------------------------------------------
    def _load_extra(self, rec: RunRecord) -> None:
        self._previous_version = None
        uid = rec.uid
        snapshot = replace(rec)  # the worker reads its own copy

        def done(extra: _Extra) -> None:
            if self._rec is None or self._rec.uid != uid:
                return
            self._previous_version = extra.previous_version
            self._extra, self._extra_uid = extra, uid
            self._fill_version()
            self._fill_attempt()
            if extra.steps or not self._rec.steps:
                self._fill_steps(extra.steps)
            self.extra_loaded.emit()

        self._query.read(lambda: _read_extra(snapshot), done, owner=self)

    def _on_batch_link_activated(self, _link: str) -> None:
        if self._rec is not None and self._rec.batch:
            self.batch_requested.emit(self._rec.batch)

    def _on_version_link_activated(self, _link: str) -> None:
        rec, prev = self._rec, self._previous_version
        if rec is None or prev is None:
            return
        task_id, version = rec.task_id, rec.version
        self._query.read(
            lambda: tasks_repo.diff(task_id, prev, version),
            lambda text: self._show_diff(prev, version, text),
            owner=self,
        )

    def _show_diff(self, old: int, new: int, text: str) -> None:
        dialog = QDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle(f"{self._rec.task_name if self._rec else ''}: v{old} → v{new}")
        view = DiffView(dialog)
        view.set_diff(text or "The two versions have the same definition.\n")
        layout = QVBoxLayout(dialog)
        layout.addWidget(view)
        dialog.resize(760, 560)
        dialog.open()
        self.diff_shown.emit(view)
