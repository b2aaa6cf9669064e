"""The History tab: every run, filtered in SQL, with the selected run's details and log.

The table is a view over `HistoryModel` (paged, never all rows), with fixed row heights and no
word wrap so that a million rows cost what the visible fifty cost. The selected run's log is
replayed from its file and then followed live from the executor's output batches.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    Qt,
    Signal,
)
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.models import RunRecord, StepRecord
from taskrun_gui.engine.log_search import LogHit
from taskrun_gui.engine.shipped_log import reads_shipped
from taskrun_gui.storage.run_export import ExportFormat, export_runs
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.change_hub import RunChanges
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.find_shortcut import focus_line_edit
from taskrun_gui.ui.history.batch_dialog import BatchDialog, open_batch
from taskrun_gui.ui.history.compare_dialog import CompareDialog
from taskrun_gui.ui.history.empty_runs import EmptyRuns
from taskrun_gui.ui.history.history_columns import Col
from taskrun_gui.ui.history.history_filters import HistoryFilters
from taskrun_gui.ui.history.history_model import HistoryModel
from taskrun_gui.ui.history.history_table import make_history_table
from taskrun_gui.ui.history.live_rows import LiveRows
from taskrun_gui.ui.history.output_search_dialog import OutputSearchDialog
from taskrun_gui.ui.history.run_actions import RunActions
from taskrun_gui.ui.history.run_details import RunDetails
from taskrun_gui.ui.history.table_fit import fit_to_width
from taskrun_gui.ui.widgets.log_view import LogView

_KEY = "history/"


class HistoryTab(QWidget):
    run_selected = Signal(object)  # RunRecord | None
    export_finished = Signal(int, str)  # rows written, path

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._selected_uid: str | None = None
        self.compare_dialog: CompareDialog | None = None
        self.last_message = ""
        self.run_actions = RunActions(ctx, self)
        self.run_actions.message.connect(self._inform)
        self.run_actions.batch_requested.connect(self.show_batch)
        self.batch_dialog: BatchDialog | None = None

        self.filters = HistoryFilters(ctx.query, self)
        self.count_label = QLabel(self)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setToolTip("Save the filtered runs as CSV or JSON")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.search_all_button = QPushButton("Search logs…", self)
        self.search_all_button.setObjectName("searchAllOutput")
        self.search_all_button.setToolTip("Search every run's output for a text (Ctrl+Shift+F)")
        self.search_all_button.clicked.connect(self.open_output_search)
        self.output_search: OutputSearchDialog | None = None
        self._pending_hit: LogHit | None = None  # a search hit to open once its run is selected
        self.model = HistoryModel(ctx.query, ctx.hub, self)
        self.model.refresher.shown = self.isVisible  # hidden (another tab, the tray): no reads
        self.table = self._make_table()
        self.details = RunDetails(ctx.query, self)
        self.details.step_selected.connect(self._on_details_step_selected)
        self.details.batch_requested.connect(self.show_batch)
        self.log_view = LogView(self)
        self.log_view.whole_log_requested.connect(self._on_log_view_whole_log_requested)
        search_all = QShortcut(QKeySequence("Ctrl+Shift+F"), self)
        search_all.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        search_all.activated.connect(self.open_output_search)
        self.run_actions.add_keys(self, lambda: self.model.run_at(self.table.currentIndex().row()))

        self._lay_out()

        self.filters.filter_changed.connect(self.model.set_filter)
        self.filters.host_filter.relevant_changed.connect(self._on_hosts_relevant_changed)
        self.filters.node_filter.relevant_changed.connect(self._on_nodes_relevant_changed)
        self.model.count_changed.connect(self._on_model_count_changed)
        self.model.dataChanged.connect(self._on_model_data_changed)
        self.model.modelReset.connect(self._on_model_reset)
        ctx.executor.run_output.connect(self._on_run_output)
        ctx.hub.changed.connect(self._on_hub_changed)
        self.live = LiveRows(self)
        self.empty = EmptyRuns(self)  # the message over an empty table
        self._restore_layout()
        self.table.setColumnHidden(Col.HOST, True)  # until a run on another host is known
        self.table.setColumnHidden(Col.NODE, True)  # until a second node is known
        self.filters.reload_tasks()
        self.model.set_filter(self.filters.run_filter())
        self._on_model_count_changed(0)

    def _lay_out(self) -> None:
        """The filter bar over the runs table, the details and the log side by side below."""
        details_scroll = QScrollArea(self)
        details_scroll.setWidget(self.details)
        details_scroll.setWidgetResizable(True)
        details_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.bottom_splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.bottom_splitter.addWidget(details_scroll)
        self.bottom_splitter.addWidget(self.log_view)
        self.bottom_splitter.setStretchFactor(1, 2)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self.bottom_splitter)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([480, 360])  # until the user's own sizes are restored
        self.bottom_splitter.setSizes([420, 980])
        bar = QHBoxLayout()
        bar.addWidget(self.filters, 1)
        bar.addWidget(self.count_label)
        bar.addWidget(self.search_all_button)
        bar.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)

    def _make_table(self) -> QTableView:
        table = make_history_table(self.model, self)
        header = table.horizontalHeader()
        header.setSortIndicator(Col.ID, Qt.SortOrder.DescendingOrder)
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._on_sort_indicator_changed)
        header.sectionResized.connect(self._save_layout)
        header.sectionMoved.connect(self._save_layout)
        table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._on_context_menu_requested)
        return table

    # -- public -----------------------------------------------------------------------------
    def show_batch(self, batch: str) -> BatchDialog:
        """The batch's hosts, one row each, live (a dialog of its own: the tab stays usable)."""
        self.batch_dialog = open_batch(self._ctx, batch, self, self.batch_dialog)
        return self.batch_dialog

    def show_task(self, task_id: int) -> None:
        """Show one task's runs."""
        self.filters.set_task(task_id)

    def show_run(self, run_id: int) -> None:
        """Select a run, loading its page; a run outside the filter clears the filter first."""

        def found(row: int | None, retried: bool = False) -> None:
            if row is not None:
                self.select_row(row)
            elif not retried and self.model.run_filter != RunFilter():
                self.filters.clear()
                self.model.locate(run_id, lambda r: found(r, retried=True))
            else:
                self._inform("Run not found", f"There is no run {run_id} in the history.")

        self.model.locate(run_id, found)

    def focus_search(self) -> None:
        """Ctrl+F: the log's find bar when the log (or the run's details) is where the user
        is, or nothing else has the focus and a run is shown; else the runs filter."""
        focus = self.focusWidget()
        in_log = focus is not None and self.bottom_splitter.isAncestorOf(focus)
        if in_log or (focus is None and self._selected_uid is not None):
            self.log_view.search_bar().focus_query()
        else:
            focus_line_edit(self.filters.error_edit)

    def open_output_search(self) -> OutputSearchDialog:
        """The search across every run's output (one dialog, kept while the tab lives)."""
        if self.output_search is None:
            dialog = OutputSearchDialog(self.model.run_filter, self)
            dialog.hit_opened.connect(self.open_hit)
            self.filters.filter_changed.connect(dialog.set_filter)
            self.output_search = dialog
        self.output_search.show()
        self.output_search.raise_()
        self.output_search.pattern_edit.setFocus()
        return self.output_search

    def open_hit(self, hit: LogHit) -> None:
        """Select the hit's run and show its log from the matching line, the match selected."""
        if hit.uid == self._selected_uid and self.details.record is not None:
            self._open_log(self.details.record, hit)
            return
        self._pending_hit = hit
        self.show_run(hit.run_id)

    def _open_log(self, rec: RunRecord, hit: LogHit | None = None) -> None:
        if hit is not None and hit.offset is not None:
            self.log_view.show_match(rec.log_path, hit.line_start, hit.match)
        elif reads_shipped(rec):  # another node's run: its log file is on that machine
            self.log_view.show_shipped(rec, live=not rec.status.is_final)
        else:
            self.log_view.show_file(rec.log_path or None, live=not rec.status.is_final)

    def follow_new_run(self, uid: str) -> None:
        """Run was pressed: select the new run once listed, its live log followed."""
        self.live.follow_new_run(uid)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        flags = (
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows
        )
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def selected_records(self) -> list[RunRecord]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [rec for rec in (self.model.run_at(r) for r in rows) if rec is not None]

    def export_to(self, path: str, fmt: ExportFormat) -> None:
        """Write the filtered runs on a worker; `export_finished` tells how many."""
        flt = self.model.run_filter
        self.export_button.setEnabled(False)

        def done(count: int) -> None:
            self.export_button.setEnabled(True)
            self._inform("Export finished", f"Exported {count} runs to {path}")
            self.export_finished.emit(count, path)

        def failed(exc: Exception) -> None:
            self.export_button.setEnabled(True)
            self._inform("Export failed", f"Could not write {path}: {exc}")

        self._ctx.query.read(lambda: export_runs(flt, path, fmt), done, failed, self)

    def compare(self, a: RunRecord, b: RunRecord) -> CompareDialog:
        older, newer = sorted((a, b), key=lambda r: r.id or 0)
        dialog = CompareDialog(self._ctx.query, older, newer, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.compare_dialog = dialog
        dialog.open()
        return dialog

    # -- selection, details, log ------------------------------------------------------------
    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.show_current()

    def show_current(self) -> None:
        row = self.table.currentIndex().row()
        rec = self.model.run_at(row)
        if rec is None:
            self.model.ensure_row(row)  # its page is on the way: dataChanged brings it here
            if row < 0:
                self._selected_uid = None
                self.details.show_run(None)
                self.log_view.clear()
            return
        if rec.uid != self._selected_uid:
            self._selected_uid = rec.uid
            hit = self._pending_hit
            if hit is not None and hit.uid == rec.uid:  # the search hit's run, at last
                self._pending_hit = None
            self._open_log(rec, hit if hit is not None and hit.uid == rec.uid else None)
        if rec != self.details.record:
            self.details.show_run(rec)
            self.run_selected.emit(rec)

    def _on_log_view_whole_log_requested(self) -> None:
        if self.details.steps_table.selectedItems():
            self.details.steps_table.clearSelection()  # shows the whole log
            return
        rec = self.details.record
        if rec is not None:
            self._open_log(rec)

    def _on_details_step_selected(self, step: StepRecord | None) -> None:
        """One step's section of the log, or (no step selected) the whole log again."""
        rec = self.details.record
        if rec is None or not rec.log_path:
            return
        if step is None:
            self.log_view.show_file(rec.log_path, live=not rec.status.is_final)
        else:
            self.log_view.show_range(rec.log_path, step.log_start, step.log_end, step.name)

    def _on_model_data_changed(self, top: QModelIndex, bottom: QModelIndex) -> None:
        if top.row() <= self.table.currentIndex().row() <= bottom.row():
            self.show_current()

    def _on_model_reset(self) -> None:
        """A reset loses the selection; keep the same run selected when it is still here."""
        row = None if self._selected_uid is None else self.model.row_of_uid(self._selected_uid)
        if row is not None:
            self.select_row(row)

    def _on_run_output(self, uid: str, text: str, offset: int) -> None:
        if uid == self._selected_uid:
            self.log_view.append_output(text, offset)

    def _on_hub_changed(self, changes: RunChanges) -> None:
        self.filters.host_filter.note_runs(changes.runs)
        self.filters.node_filter.note_runs(changes.runs)
        if any(rec.uid == self._selected_uid for rec in changes.finished):
            self.show_current()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.model.refresher.refresh_if_needed()
        fit_to_width(self.table)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        fit_to_width(self.table)

    def _on_hosts_relevant_changed(self, relevant: bool) -> None:
        self.table.setColumnHidden(Col.HOST, not relevant)

    def _on_nodes_relevant_changed(self, relevant: bool) -> None:
        self.table.setColumnHidden(Col.NODE, not relevant)

    def _on_model_count_changed(self, count: int) -> None:
        self.count_label.setText(f"{count:,} runs")

    def _on_sort_indicator_changed(self, section: int, order: Qt.SortOrder) -> None:
        """Only the id order is index-backed (see HistoryModel): put the arrow back there."""
        if section != Col.ID:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            descending = self.model.is_descending
            keep = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
            header.setSortIndicator(Col.ID, keep)
            header.blockSignals(False)
        self._save_layout()

    # -- context menu -----------------------------------------------------------------------
    def _on_context_menu_requested(self, pos: QPoint) -> None:
        records = self.selected_records()
        if not records:
            return
        rec = self.model.run_at(self.table.currentIndex().row()) or records[0]
        menu = self.run_actions.build_menu(rec, records, self.compare)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.viewport().mapToGlobal(pos))

    # -- export, messages, layout -----------------------------------------------------------
    def _on_export_clicked(self) -> None:
        start = str(Path.home() / "taskrun-history.csv")
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export runs", start, "CSV (*.csv);;JSON (*.json)"
        )
        if not path:
            return
        json_wanted = path.lower().endswith(".json") or chosen.startswith("JSON")
        self.export_to(path, ExportFormat.JSON if json_wanted else ExportFormat.CSV)

    def _inform(self, title: str, text: str) -> None:
        """Tell the user without blocking: the tab keeps updating behind the message."""
        self.last_message = text
        box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _save_layout(self) -> None:
        settings = self._ctx.settings
        settings.setValue(_KEY + "header", self.table.horizontalHeader().saveState())
        settings.setValue(_KEY + "splitter", self.splitter.saveState())
        settings.setValue(_KEY + "bottom_splitter", self.bottom_splitter.saveState())

    def _restore_layout(self) -> None:
        settings = self._ctx.settings
        for key, target in (
            ("header", self.table.horizontalHeader()),
            ("splitter", self.splitter),
            ("bottom_splitter", self.bottom_splitter),
        ):
            state = settings.value(_KEY + key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                target.restoreState(state)
        header = self.table.horizontalHeader()  # a state saved before Error stretched
        header.setSectionResizeMode(Col.ERROR, QHeaderView.ResizeMode.Stretch)
        self.splitter.splitterMoved.connect(self._save_layout)
        self.bottom_splitter.splitterMoved.connect(self._save_layout)
