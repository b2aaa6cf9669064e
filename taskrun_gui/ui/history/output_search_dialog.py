"""Search all output: the runs whose log contains a text or matches a regular expression,
newest first, listed as they are found, with progress and Stop; opening one shows its log
at the match. Answers "when did this error first appear?" without leaving the window.

Enter in the pattern starts the search; the button is no default button, since the same Enter
would click it after start() made it "Stop". Esc stops a search under way, or else closes."""

from __future__ import annotations

from PySide6.QtCore import Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from taskrun_gui.core.timefmt import human_bytes, local_text
from taskrun_gui.engine.log_search import LogHit, Pattern, SearchProgress, check_pattern
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.history.output_search_worker import OutputSearch

_HEADERS = ("Run", "Queued", "Task", "Status", "Matching line")
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
MAX_ROWS = 10_000  # more hits than this are counted, not listed


class OutputSearchDialog(QDialog):
    """Non-modal: the user opens hits one after another while the list stays."""

    hit_opened = Signal(object)  # LogHit
    search_finished = Signal(object)  # SearchProgress, or the Exception that ended it

    def __init__(self, current_filter: RunFilter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Search all output")
        self._filter = current_filter
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._search: OutputSearch | None = None
        self._searching: tuple[Pattern, RunFilter] | None = None  # what the one under way seeks
        self._hits: list[LogHit] = []
        self._build_query_row()
        self._build_results()
        self.resize(900, 520)

    def _build_query_row(self) -> None:
        self.pattern_edit = QLineEdit(self)
        self.pattern_edit.setObjectName("outputSearchPattern")
        self.pattern_edit.setPlaceholderText("Text to find in every run's output…")
        self.pattern_edit.returnPressed.connect(self._on_pattern_edit_return_pressed)
        self.regex_check = QCheckBox("Regular expression", self)
        self.case_check = QCheckBox("Match case", self)
        self.scope_combo = QComboBox(self)
        self.scope_combo.addItem("All runs", False)
        self.scope_combo.addItem("Runs in the History filter", True)
        self.search_button = QPushButton("Search", self)
        self.search_button.setAutoDefault(False)  # Enter belongs to the pattern (see above)
        self.search_button.clicked.connect(self._on_search_button_clicked)
        row = QHBoxLayout()
        row.addWidget(self.pattern_edit, 1)
        for widget in (self.regex_check, self.case_check, self.scope_combo, self.search_button):
            row.addWidget(widget)
        self._rows = row

    def _build_results(self) -> None:
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.status_label = QLabel("Newest runs first; a match opens the log there.", self)
        self.status_label.setObjectName("outputSearchStatus")
        self.table = QTableWidget(0, len(_HEADERS), self)
        self.table.setObjectName("outputSearchResults")
        self.table.setHorizontalHeaderLabels(list(_HEADERS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        for col, width in enumerate((60, 150, 140, 80)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(len(_HEADERS) - 1, QHeaderView.ResizeMode.Stretch)
        self.table.cellActivated.connect(self._on_table_cell_activated)
        self.table.cellDoubleClicked.connect(self._on_table_cell_activated)
        layout = QVBoxLayout(self)
        layout.addLayout(self._rows)
        layout.addWidget(self.progress)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)

    # -- public -----------------------------------------------------------------------------
    def hits(self) -> list[LogHit]:
        return list(self._hits)

    def set_filter(self, flt: RunFilter) -> None:
        """The History filter, for the "Runs in the History filter" scope."""
        self._filter = flt

    def start(self) -> None:
        """Start a search (stopping one under way); a bad pattern is said, not searched."""
        self.stop()
        pattern, flt = self._query()
        try:
            check_pattern(pattern)
        except ValueError as exc:
            self.status_label.setText(f"Pattern: {exc}")
            return
        self._hits.clear()
        self.table.setRowCount(0)
        self._searching = (pattern, flt)
        search = OutputSearch(flt, pattern)
        search.signals.found.connect(self._on_search_found)
        search.signals.progressed.connect(self._on_search_progressed)
        search.signals.finished.connect(lambda done: self._on_search_finished(search, done))
        self._search = search
        self.search_button.setText("Stop")
        self.progress.setRange(0, 0)
        self.status_label.setText("Searching…")
        self._pool.start(search)

    def stop(self) -> None:
        if self._search is not None:
            self._search.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    def reject(self) -> None:
        self.stop()  # hidden, the dialog would search on for nobody
        super().reject()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc stops a search under way (the dialog stays, with what it found); else closes."""
        if event.key() == Qt.Key.Key_Escape and self._search is not None:
            self.stop()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- slots ------------------------------------------------------------------------------
    def _on_pattern_edit_return_pressed(self) -> None:
        """Search; while a search for the same runs and pattern is under way, let it go on."""
        if self._search is None or self._searching != self._query():
            self.start()

    def _query(self) -> tuple[Pattern, RunFilter]:
        text, regex, case = self.pattern_edit.text(), self.regex_check, self.case_check
        pattern = Pattern(text, regex.isChecked(), not case.isChecked())
        return pattern, self._filter if self.scope_combo.currentData() else RunFilter()

    def _on_search_button_clicked(self) -> None:
        if self._search is not None:
            self.stop()
        else:
            self.start()

    def _on_search_found(self, hits: list[LogHit]) -> None:
        room = MAX_ROWS - len(self._hits)
        shown = hits[: max(0, room)]
        self._hits.extend(shown)
        row = self.table.rowCount()
        self.table.setRowCount(row + len(shown))
        for i, hit in enumerate(shown):
            cells = (str(hit.run_id), local_text(hit.queued_at), hit.task_name, hit.status)
            for col, text in enumerate((*cells, hit.line.strip())):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setTextAlignment(_RIGHT)
                if col == len(_HEADERS) - 1:
                    item.setToolTip(hit.line)
                self.table.setItem(row + i, col, item)

    def _on_search_progressed(self, progress: SearchProgress) -> None:
        if progress.total:
            self.progress.setRange(0, progress.total)
            self.progress.setValue(progress.runs)
        self.status_label.setText(_progress_text(progress, "Searching… "))

    def _on_search_finished(self, search: OutputSearch, done: object) -> None:
        if search is not self._search:
            return  # a search replaced by a newer one
        self._search = self._searching = None
        self.search_button.setText("Search")
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        if isinstance(done, Exception):
            self.status_label.setText(f"The search failed: {done}")
        else:
            assert isinstance(done, SearchProgress)
            self.status_label.setText(_progress_text(done, "Stopped: " if done.stopped else ""))
        self.search_finished.emit(done)

    def _on_table_cell_activated(self, row: int, _col: int) -> None:
        if 0 <= row < len(self._hits):
            self.hit_opened.emit(self._hits[row])


def _progress_text(p: SearchProgress, prefix: str) -> str:
    found = f"{p.hits:,} run{'s' if p.hits != 1 else ''} found"
    of = f" of {p.total:,}" if p.total else ""
    gone = f" · {p.missing:,} logs gone (retention)" if p.missing else ""
    return f"{prefix}{found} · {p.runs:,}{of} runs searched ({human_bytes(p.bytes)}){gone}"
