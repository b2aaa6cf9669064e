"""The bar above the history table: which runs to show, as one `RunFilter`.

Every control maps to a SQL condition (see `RunFilter.where`), so filtering a million runs is an
indexed query and never a proxy model over rows in memory. Typing is debounced: a new filter
resets the model and costs a COUNT(*), which should not happen per keystroke.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QDate, QDateTime, QTime, Signal
from PySide6.QtGui import QAction, QIntValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QWidget,
)

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.history.host_filter import HostFilter
from taskrun_gui.ui.history.node_filter import NodeFilter
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.throttle import Throttle

TEXT_DEBOUNCE_MS = 250


class HistoryFilters(QWidget):
    filter_changed = Signal(object)  # RunFilter
    tasks_loaded = Signal()

    def __init__(self, query: QueryRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._query = query
        self._quiet = False  # set while several controls change at once (clear, set_task)
        self._pending_task: int | None = None  # asked for before the task list arrived

        self.task_combo = QComboBox(self)
        self.task_combo.setObjectName("taskCombo")
        self.task_combo.setMinimumContentsLength(14)
        # squeezed (the name elided) before a narrow window's bar grows past the screen
        self.task_combo.setMinimumWidth(self.fontMetrics().horizontalAdvance("nightly-b") + 32)
        self.task_combo.addItem("All tasks", None)
        self.task_combo.currentIndexChanged.connect(self._emit_now)

        self._make_status_button()

        today = QDate.currentDate()
        self.from_check, self.from_edit = self._date_pair("From", today.addDays(-7))
        self.to_check, self.to_edit = self._date_pair("To", today)

        self.exit_edit = QLineEdit(self)
        self.exit_edit.setObjectName("exitEdit")
        self.exit_edit.setPlaceholderText("exit code")
        self.exit_edit.setValidator(QIntValidator(-(2**31), 2**31 - 1, self))
        self.exit_edit.setMaximumWidth(90)
        self.exit_edit.setClearButtonEnabled(True)
        self.error_edit = QLineEdit(self)
        self.error_edit.setObjectName("errorEdit")
        self.error_edit.setPlaceholderText("error message contains…")
        self.error_edit.setClearButtonEnabled(True)

        self._debounce = Throttle(self._emit_now, TEXT_DEBOUNCE_MS, self, debounce=True)
        self.exit_edit.textChanged.connect(self._on_text_changed)
        self.error_edit.textChanged.connect(self._on_text_changed)

        self.host_filter = HostFilter(query, self)
        self.host_filter.name_changed.connect(self._emit_now)
        self.node_filter = NodeFilter(query, self)
        self.node_filter.name_changed.connect(self._emit_now)

        clear = QToolButton(self)
        clear.setText("Clear")
        clear.setToolTip("Show every run")
        clear.clicked.connect(self.clear)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Task", self))
        layout.addWidget(self.task_combo)
        layout.addWidget(self.status_button)
        layout.addWidget(self.host_filter)
        layout.addWidget(self.node_filter)
        for widget in (self.from_check, self.from_edit, self.to_check, self.to_edit):
            layout.addWidget(widget)
        layout.addWidget(self.exit_edit)
        layout.addWidget(self.error_edit, 1)
        layout.addWidget(clear)
        self._update_status_text()

    def _make_status_button(self) -> None:
        """A menu of statuses to check: none checked is every status."""
        self.status_button = QToolButton(self)
        self.status_button.setObjectName("statusButton")
        self.status_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self._status_menu = QMenu(self.status_button)
        self.status_actions: dict[RunStatus, QAction] = {}
        for status in RunStatus:
            action = self._status_menu.addAction(str(status))
            action.setCheckable(True)
            action.toggled.connect(self._on_status_toggled)
            self.status_actions[status] = action
        self.status_button.setMenu(self._status_menu)

    def _date_pair(self, label: str, date: QDate) -> tuple[QCheckBox, QDateEdit]:
        """A date bound is off ("any") until its box is ticked: no sentinel date to pick."""
        check = QCheckBox(label, self)
        check.setToolTip(f"{label} a day (unticked: any)")
        edit = QDateEdit(date, self)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setEnabled(False)
        check.toggled.connect(edit.setEnabled)
        check.toggled.connect(self._emit_now)
        edit.dateChanged.connect(self._on_date_changed)
        return check, edit

    # -- public -----------------------------------------------------------------------------
    def reload_tasks(self) -> None:
        """Fill the task list (on a worker); the current choice survives when it still exists."""
        self._query.read(tasks_repo.list_all, self._on_tasks_read, owner=self)
        self.host_filter.reload()
        self.node_filter.reload()

    def run_filter(self) -> RunFilter:
        exit_text = self.exit_edit.text().strip()
        return RunFilter(
            task_id=self.task_combo.currentData(),
            statuses=[s for s, a in self.status_actions.items() if a.isChecked()],
            since_ms=_day_start(self.from_edit.date()) if self.from_check.isChecked() else None,
            until_ms=(
                _day_start(self.to_edit.date().addDays(1)) if self.to_check.isChecked() else None
            ),
            exit_code=int(exit_text) if exit_text.lstrip("-").isdigit() else None,
            text=self.error_edit.text().strip(),
            host=self.host_filter.host(),
            node=self.node_filter.name(),
        )

    def set_task(self, task_id: int | None) -> None:
        """Show one task's runs (all other conditions cleared)."""
        self._change_quietly(lambda: self._clear_controls(task_id))

    def set_statuses(self, statuses: list[RunStatus]) -> None:
        def apply() -> None:
            for status, action in self.status_actions.items():
                action.setChecked(status in statuses)

        self._change_quietly(apply)

    def clear(self) -> None:
        self._change_quietly(lambda: self._clear_controls(None))

    # -- internals --------------------------------------------------------------------------
    def _clear_controls(self, task_id: int | None) -> None:
        index = self.task_combo.findData(task_id) if task_id is not None else 0
        self._pending_task = task_id if index < 0 else None
        self.task_combo.setCurrentIndex(max(0, index))
        for action in self.status_actions.values():
            action.setChecked(False)
        self.from_check.setChecked(False)
        self.to_check.setChecked(False)
        self.exit_edit.clear()
        self.error_edit.clear()
        self.host_filter.set_host(None)
        self.node_filter.set_name(None)

    def _change_quietly(self, change: Callable[[], None]) -> None:
        """Apply several control changes, then emit one filter instead of one per control."""
        self._quiet = True
        try:
            change()
        finally:
            self._quiet = False
        self._debounce.now()

    def _emit_now(self) -> None:
        if self._quiet:
            return
        flt = self.run_filter()
        if self._pending_task is not None and flt.task_id is None:
            flt.task_id = self._pending_task  # the combo has not got the task yet
        self.filter_changed.emit(flt)

    def _on_text_changed(self, _text: str) -> None:
        if not self._quiet:
            self._debounce.ask()

    def _on_date_changed(self, _date: QDate) -> None:
        self._emit_now()

    def _on_status_toggled(self, _checked: bool) -> None:
        self._update_status_text()
        self._emit_now()

    def _update_status_text(self) -> None:
        chosen = [str(s) for s, a in self.status_actions.items() if a.isChecked()]
        if not chosen:
            text = "Any status"
        elif len(chosen) <= 2:
            text = ", ".join(chosen)
        else:
            text = f"{len(chosen)} statuses"
        self.status_button.setText(text)

    def _on_tasks_read(self, tasks: list[TaskRow]) -> None:
        wanted = self._pending_task
        current = self.task_combo.currentData() if wanted is None else wanted
        self.task_combo.blockSignals(True)
        self.task_combo.clear()
        self.task_combo.addItem("All tasks", None)
        for task in tasks:
            self.task_combo.addItem(task.name, task.id)
        index = self.task_combo.findData(current) if current is not None else 0
        self.task_combo.setCurrentIndex(max(0, index))
        self.task_combo.blockSignals(False)
        if index >= 0:
            self._pending_task = None
        elif wanted is None:
            self._emit_now()  # the chosen task is gone: the view now shows all tasks
        self.tasks_loaded.emit()


def _day_start(date: QDate) -> int:
    """Local midnight of a day, in epoch ms: the store's time unit."""
    return QDateTime(date, QTime(0, 0)).toMSecsSinceEpoch()
