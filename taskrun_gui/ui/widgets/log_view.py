"""The run-output viewer: a bounded, colour-aware tail of a log file that can follow a live run.

The full output lives in one file per run; this view keeps at most ``max_lines`` lines in
memory, replays the file's tail on a worker when opened, fetches earlier chunks on demand,
and accepts live batches. Byte offsets tie the three together so that a batch arriving
while the replay is still being read is neither lost nor shown twice.
"""

from __future__ import annotations

from functools import partial
from html import escape

from PySide6.QtCore import Qt, QThreadPool, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.engine.logsink import SKIP_NOTE_START
from taskrun_gui.ui.widgets.log_chunk_reader import (
    LogChunk,
    LogChunkReader,
    read_earlier,
    read_from,
    read_range,
    read_tail,
    unseen_part,
)
from taskrun_gui.ui.widgets.log_text import LogText
from taskrun_gui.ui.widgets.search_bar import SearchBar
from taskrun_gui.ui.widgets.shipped_feed import ShippedFeed

__all__ = ["LogView"]

DEFAULT_MAX_LINES = 20_000
DEFAULT_TAIL_BYTES = 2 * 1024 * 1024
# live output with a find text shown: the matches are counted again this often (a count of
# 20,000 lines takes ~30 ms of the UI thread)
RECOUNT_MS = 1000


class LogView(QWidget):
    """Shows a run's output; ``show_file`` replays, ``append_output`` adds live batches."""

    loaded = Signal()  # the replay of the file's tail is on screen
    earlier_loaded = Signal()  # a chunk from before the shown text was prepended
    whole_log_requested = Signal()  # showing one step: the user asked for the whole log

    def __init__(
        self,
        parent: QWidget | None = None,
        max_lines: int = DEFAULT_MAX_LINES,
        tail_bytes: int = DEFAULT_TAIL_BYTES,
    ) -> None:
        super().__init__(parent)
        self._tail_bytes = tail_bytes
        self._max_lines = max_lines
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)  # reads finish in the order they were asked for
        self._readers: dict[int, LogChunkReader] = {}  # keeps running readers alive
        self._next_job_id = 0
        self._generation = 0  # bumped on every new file; older results are stale
        self._path: str | None = None
        self._live = False
        self._replaying = False
        self._loading_earlier = False
        self._pending: list[tuple[str, int | None]] = []  # live batches held during replay
        self._shown_end = 0  # file offset just past the last byte shown
        # showing part of the file: (what it is, as HTML; where "Load earlier" stops)
        self._section: tuple[str, int] | None = None
        self._match: str | None = None  # opened at a search match: select it once loaded
        self.shipped = ShippedFeed(self, tail_bytes)  # another node's run: from the database
        self._recount = QTimer(self)  # the find text kept, the count follows the output
        self._recount.setSingleShot(True)
        self._recount.setInterval(RECOUNT_MS)
        self._recount.timeout.connect(self._on_recount_timeout)
        self._build_ui()

    def _build_ui(self) -> None:
        self._search = SearchBar(self)
        self._search.next_requested.connect(self.find_next)
        self._search.previous_requested.connect(self.find_previous)
        self._search.query_changed.connect(self._on_query_changed)

        self._follow = self._tool_button("followButton", "Follow", "Keep showing the newest output")
        self._follow.setCheckable(True)
        self._follow.setChecked(True)
        self._follow.toggled.connect(self._on_follow_toggled)
        copy = self._tool_button("copyButton", "Copy", "Copy the selection, or all shown output")
        copy.clicked.connect(self.copy)
        self._open_raw = self._tool_button(
            "openRawButton", "Open raw file", "Open the complete log file"
        )
        self._open_raw.clicked.connect(self.open_raw_file)
        self._open_raw.setEnabled(False)

        self._note = QLabel(self)
        self._note.setObjectName("logNote")
        self._note.linkActivated.connect(self._on_note_link_activated)
        self._note.hide()

        self._text = LogText(self, self._max_lines)
        self._text.setObjectName("logText")
        self._text.top_trimmed.connect(self._update_note)
        self._text.verticalScrollBar().valueChanged.connect(self._on_scrolled)

        bar = QHBoxLayout()
        bar.addWidget(self._search, 1)
        for button in (self._follow, copy, self._open_raw):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self._note)
        layout.addWidget(self._text, 1)

        # Scoped to this view, so two log views in one window do not make Ctrl+F ambiguous.
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        find.activated.connect(self._search.focus_query)
        find.activatedAmbiguously.connect(self._search.focus_query)  # see ui/find_shortcut.py

    def _tool_button(self, name: str, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setObjectName(name)
        button.setText(text)
        button.setToolTip(tip)
        return button

    # --- public API -------------------------------------------------------------------

    def text(self) -> str:
        """The plain text currently shown."""
        return self._text.toPlainText()

    def text_edit(self) -> LogText:
        """The text pane (scroll position, selection, block count)."""
        return self._text

    def search_bar(self) -> SearchBar:
        """The find bar above the text."""
        return self._search

    def clear(self) -> None:
        """Empty the view and forget the file; reads still in flight are ignored. The find
        text stays: its count is blank until the next output is shown and counted."""
        self._generation += 1
        self.shipped.stop()
        self._path = None
        self._replaying = self._loading_earlier = False
        self._pending.clear()
        self._shown_end = 0
        self._section = self._match = None
        self._text.reset()
        self._open_raw.setEnabled(False)
        self._update_note()
        self._recount.stop()
        self._search.set_match_info(None, 0, counted=False)
        self._text.highlight("")

    def show_file(self, path: str | None, live: bool) -> None:
        """Replay the tail of ``path`` (on a worker), then show live batches after it."""
        self.clear()
        self._path = path
        self._live = live
        self._open_raw.setEnabled(path is not None)
        self._follow.setChecked(True)
        if path is None:
            self.loaded.emit()
            return
        self._replaying = True
        self._start_read(partial(read_tail, path, self._tail_bytes, self._max_lines, live))

    def show_shipped(self, rec: RunRecord, live: bool) -> None:
        """Show the output of a run of another node of a shared history, as it shipped it
        into the database (its log file is on that machine), live until the run ends."""
        self.show_file(None, live)
        self.shipped.start(rec, live)

    def show_range(self, path: str, start: int, end: int, step: str = "") -> None:
        """Show only the bytes [start, end) of a finished log: the section of the step named
        ``step``; the note says which step is shown, not how much of the file is before it."""
        self.clear()
        label = f"step “{escape(step)}”" if step else "one step"
        self._section = (f"Showing the output of {label} only", start)
        self._path = path
        self._live = False
        self._open_raw.setEnabled(True)
        self._replaying = True
        self._start_read(partial(read_range, path, start, end, self._tail_bytes, self._max_lines))

    def show_match(self, path: str, line_start: int, match: str) -> None:
        """Open a finished log at a search match: from its line on, the match selected, with
        Load earlier above it and a way to the whole log."""
        self.clear()
        self._section = ("Showing the output from the match on", 0)
        self._match = match
        self._path = path
        self._live = False
        self._open_raw.setEnabled(True)
        self._replaying = True
        self._start_read(partial(read_from, path, line_start, self._tail_bytes, self._max_lines))

    def load_earlier(self) -> None:
        """Prepend the chunk of the file just before the first line shown (on a worker)."""
        busy = self._replaying or self._loading_earlier
        floor = 0 if self._section is None else self._section[1]
        if self._path is None or busy or self._text.first_offset <= floor:
            return
        self._loading_earlier = True
        before = self._text.first_offset
        self._start_read(partial(read_earlier, self._path, before, self._tail_bytes, floor))

    def append_output(self, text: str, end_offset: int | None = None) -> None:
        """Add one batch of live output; ``end_offset`` is the file offset just past it.

        Batches that arrive while the replay is being read are held and applied after it;
        any part of a batch that the replay already showed is dropped by offset.
        """
        if self._replaying:
            self._pending.append((text, end_offset))
            return
        file_bytes = None
        if end_offset is not None:
            unseen = unseen_part(text, end_offset, self._shown_end)
            if unseen is None:
                return
            # what the batch stands for in the file, output skipped live included
            file_bytes = end_offset - self._shown_end if text.startswith(SKIP_NOTE_START) else None
            text = unseen
            self._shown_end = end_offset
        follow = self._follow.isChecked() or self._text.at_bottom()
        self._text.append_text(text, follow=follow, file_bytes=file_bytes)
        if self._search.query() and self._search.isVisible() and not self._recount.isActive():
            self._recount.start()

    def find_next(self) -> bool:
        """Select the next match (wrapping at the end); False when there is none."""
        found = self._text.find_wrapping(self._search.query(), backward=False)
        self._update_match_info(found)
        return found

    def find_previous(self) -> bool:
        """Select the previous match (wrapping at the start); False when there is none."""
        found = self._text.find_wrapping(self._search.query(), backward=True)
        self._update_match_info(found)
        return found

    def copy(self) -> None:
        """Copy the selection, or everything shown when nothing is selected."""
        selected = self._text.textCursor().selection().toPlainText()
        QGuiApplication.clipboard().setText(selected or self.text())

    def open_raw_file(self) -> None:
        """Open the whole log in the desktop's viewer; the view itself holds only a tail."""
        if self._path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self._path))

    # --- reading ------------------------------------------------------------------------

    def _start_read(self, job: partial[LogChunk]) -> None:
        self._next_job_id += 1
        reader = LogChunkReader(job, self._generation, self._next_job_id)
        reader.signals.read.connect(self._on_chunk_read)
        self._readers[self._next_job_id] = reader
        self._pool.start(reader)

    def _on_chunk_read(self, chunk: LogChunk) -> None:
        self._readers.pop(chunk.job_id, None)
        if chunk.generation != self._generation:
            return  # the user moved on to another file meanwhile
        if self._replaying:
            self._show_tail(chunk)
        else:
            self._show_earlier(chunk)

    def _show_tail(self, chunk: LogChunk) -> None:
        self._replaying = False
        missing = isinstance(chunk.error, FileNotFoundError)
        if chunk.error is None or (missing and self._live):
            self._text.show_chunk(chunk)  # a live run may not have written its file yet
            self._shown_end = chunk.end
            self._update_note()
        elif missing:
            self._show_error("The log file no longer exists.")
        else:
            self._show_error(f"Could not read the log: {chunk.error}")
        pending, self._pending = self._pending, []
        for text, end_offset in pending:
            self.append_output(text, end_offset)
        if self._match is not None:
            self._select_match(self._match)
        else:
            self._text.scroll_to_bottom()
            self._update_match_info(False)
        self.loaded.emit()

    def _show_earlier(self, chunk: LogChunk) -> None:
        self._loading_earlier = False
        if chunk.error is not None:
            self._show_error(f"Could not read earlier output: {chunk.error}")
        else:
            if chunk.start < self._text.first_offset:
                self._text.prepend_chunk(chunk)
            self._update_note()
        self.earlier_loaded.emit()

    def _select_match(self, match: str) -> None:
        self._follow.setChecked(False)
        self._search.set_query(match)  # marks every match, the caret before the first
        self._text.moveCursor(QTextCursor.MoveOperation.Start)
        self.find_next()

    # --- follow, note, search ---------------------------------------------------------------

    def _on_scrolled(self, _value: int) -> None:
        """Scrolling away from the bottom stops following; scrolling back resumes it."""
        at_bottom = self._text.at_bottom()
        if at_bottom != self._follow.isChecked():
            self._follow.blockSignals(True)
            self._follow.setChecked(at_bottom)
            self._follow.blockSignals(False)

    def _on_follow_toggled(self, checked: bool) -> None:
        if checked:
            self._text.scroll_to_bottom()

    def _on_note_link_activated(self, link: str) -> None:
        if link == "whole-log":
            self.whole_log_requested.emit()
        else:
            self.load_earlier()

    def _show_error(self, message: str) -> None:
        self._note.setText(message)
        self._note.setTextFormat(Qt.TextFormat.PlainText)
        self._note.show()

    def _update_note(self) -> None:
        if self._section is not None:
            self._update_section_note(*self._section)
            return
        earlier = self._text.first_offset
        if earlier <= 0:
            self._note.hide()
            return
        size = human_bytes(earlier)
        self._note.setTextFormat(Qt.TextFormat.RichText)
        if self._path is None:
            self._note.setText(f"… {size} earlier output not shown")
        else:
            link = '<a href="load-earlier">Load earlier</a>'
            self._note.setText(f"… {size} earlier output not shown — {link}")
        self._note.show()

    def _update_section_note(self, what: str, floor: int) -> None:
        """Which part is shown, how much of it is above, and the way back to the whole log."""
        text = what
        earlier = self._text.first_offset - floor
        if earlier > 0:
            link = '<a href="load-earlier">Load earlier</a>'
            text += f" (… {human_bytes(earlier)} before it — {link})"
        self._note.setTextFormat(Qt.TextFormat.RichText)
        self._note.setText(f'{text} — <a href="whole-log">Show the whole log</a>')
        self._note.show()

    def _on_query_changed(self, query: str) -> None:
        """Typing shows the matches as it goes: all marked, the first from the view on in view."""
        self._text.show_first_match(query)
        self._update_match_info(False)

    def _on_recount_timeout(self) -> None:
        """Live output came: count and mark again, the selected match kept, the view still."""
        query = self._search.query().lower()
        cursor = self._text.textCursor()
        selected = bool(query) and cursor.selectedText().lower() == query
        self._update_match_info(selected, scroll=False)

    def _update_match_info(self, selected: bool, scroll: bool = True) -> None:
        self._recount.stop()
        query = self._search.query()
        current, count = self._text.match_info(query, selected)
        self._search.set_match_info(current, count)
        self._text.highlight(query)
        if selected and scroll:
            self._text.centerCursor()
