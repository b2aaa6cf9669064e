"""The History tab's running rows: a run just started is selected as soon as the table lists
it (Run takes the user to its live log), and live rows' Duration ticks each second."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from taskrun_gui.storage.runs_repo import RunFilter

if TYPE_CHECKING:
    from taskrun_gui.ui.history.history_tab import HistoryTab


class LiveRows(QObject):
    def __init__(self, tab: HistoryTab) -> None:
        super().__init__(tab)
        self._tab = tab
        self._follow_uid: str | None = None  # a run just started, to select once listed
        self._ticker = QTimer(self)  # live runs' elapsed time, while the tab is shown
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._on_ticker_timeout)
        self._ticker.start()
        tab.model.refreshed.connect(self._select_followed_run)

    def follow_new_run(self, uid: str) -> None:
        """Select run `uid` once the table has it (the filter is cleared when it would hide
        the run)."""
        self._follow_uid = uid
        if self._tab.model.run_filter != RunFilter():
            self._tab.filters.clear()
        self._select_followed_run()
        self._tab.model.refresh()

    def _select_followed_run(self) -> None:
        uid = self._follow_uid
        row = None if uid is None else self._tab.model.row_of_uid(uid)
        if row is not None:
            self._follow_uid = None
            self._tab.select_row(row)

    def _on_ticker_timeout(self) -> None:
        table, model = self._tab.table, self._tab.model
        if self._tab.isVisible() and model.rowCount():
            bottom = table.rowAt(table.viewport().height() - 1)
            model.tick_live(table.rowAt(0), bottom if bottom >= 0 else 1 << 30)
