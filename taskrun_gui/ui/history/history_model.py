"""The run history as a table model that stays fast at a million rows.

`rowCount` is a COUNT(*) of the current filter; `data()` reads from a small LRU of 500-row
pages and, for a row not in it, shows a placeholder and asks for its page on a worker (keyset
when the row just above is known, by indexed offset otherwise). Every query goes through the
QueryRunner, never on the UI thread; nothing ever loads all rows.

Order is by run id only, newest first or (reversed) oldest first: that order is what the
primary key and the (task_id, id) / (status, id) indexes give without a sort. Sorting by any
other column would mean a full scan and sort of the filtered set on every page, so it is not
offered; filtering happens in SQL through `RunFilter`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from taskrun_gui.core.models import RunRecord
from taskrun_gui.storage.runs_repo import RunFilter
from taskrun_gui.ui.change_hub import ChangeHub, RunChanges
from taskrun_gui.ui.history.history_columns import HEADERS, Col, alignment, cell_data
from taskrun_gui.ui.history.history_queries import position_of, read_head, read_page
from taskrun_gui.ui.history.live_overlay import LiveOverlay
from taskrun_gui.ui.history.page_cache import LIVE_HEAD, PAGE_SIZE, PageCache
from taskrun_gui.ui.query import QueryRunner
from taskrun_gui.ui.refresher import Refresher

log = logging.getLogger(__name__)

PLACEHOLDER = "…"
RUN_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's RunRecord, or None while it loads
_Index = QModelIndex | QPersistentModelIndex
_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren


class HistoryModel(QAbstractTableModel):
    count_changed = Signal(int)
    page_loaded = Signal(int, int)  # first row, number of rows
    refreshed = Signal()  # a count + first-page refresh was applied

    def __init__(
        self,
        query: QueryRunner,
        hub: ChangeHub | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._query = query
        self._filter = RunFilter()
        self._count = 0
        self._descending = True
        self._gen = 0  # bumped on every reset; answers to older requests are dropped
        self._shift = 0  # rows inserted at the top during this generation
        self._cache = PageCache()
        self._overlay = LiveOverlay()
        self._pending: set[int] = set()  # page numbers being read
        self._short: set[int] = set()  # pages that came back short: wait for a refresh
        self._top_id: int | None = None
        self._waiters: list[tuple[int, Callable[[int | None], None]]] = []
        self._gate = Refresher(self._start_refresh, self)  # the view sets `shown`
        if hub is not None:
            hub.changed.connect(self.apply_changes)

    @property
    def refresher(self) -> Refresher:
        return self._gate

    # -- public -----------------------------------------------------------------------------
    @property
    def total(self) -> int:
        return self._count

    @property
    def is_descending(self) -> bool:
        return self._descending

    @property
    def run_filter(self) -> RunFilter:
        return self._filter

    @property
    def cache(self) -> PageCache:  # for tests and diagnostics: do not change it
        return self._cache

    def set_filter(self, flt: RunFilter) -> None:
        """Show another filtered set: forget every cached page, then count and read anew."""
        self._filter = flt
        self._reset(0, [])
        self.refresh()

    def refresh(self) -> None:
        """Re-read the count and the first page now (live events call it throttled)."""
        self._gate.now()

    def _start_refresh(self) -> None:
        gen, flt = self._gen, self._filter
        # a filter's first read is a page (shown at once); a live one reads further, so that
        # a burst of new runs between two refreshes is still an insert on top, not a reset
        limit = LIVE_HEAD if self._count else PAGE_SIZE
        self._query.read(
            lambda: read_head(flt, limit),
            lambda res: self._on_refreshed(gen, res),
            self._on_refresh_failed,
            self,
        )

    def run_at(self, row: int) -> RunRecord | None:
        """The run shown at `row`, if its page is cached (see `ensure_row`)."""
        return self._cache.get(self._pos(row)) if 0 <= row < self._count else None

    def ensure_row(self, row: int) -> None:
        if 0 <= row < self._count and self._cache.get(self._pos(row)) is None:
            self._request(self._pos(row))

    def tick_live(self, first: int, last: int) -> None:
        """Repaint the Duration of the live runs among rows first..last: it is their elapsed
        time, which moves on without any event."""
        for row in range(max(0, first), min(self._count - 1, last) + 1):
            rec = self.run_at(row)
            if rec is not None and rec.status.is_live:
                index = self.index(row, Col.DURATION)
                self.dataChanged.emit(index, index)

    def row_of_id(self, run_id: int) -> int | None:
        """The row of a run among the cached rows only (None when not cached)."""
        pos = self._cache.find(lambda r: r.id == run_id)
        return None if pos is None else self._pos(pos)

    def row_of_uid(self, uid: str) -> int | None:
        pos = self._cache.find(lambda r: r.uid == uid)
        return None if pos is None else self._pos(pos)

    def locate(self, run_id: int, on_found: Callable[[int | None], None]) -> None:
        """Find a run's row in the current filter and load its page; `on_found(row)` once it
        is cached, or `on_found(None)` when the run is not in the filtered set."""
        if self._gate.busy:  # a position only means something against the count being read
            self._gate.after(lambda: self.locate(run_id, on_found))
            return
        gen, shift, flt = self._gen, self._shift, self._filter

        def found(pos: int | None) -> None:
            if pos is None or gen != self._gen:
                on_found(None)
                return
            pos += self._shift - shift
            if self._cache.get(pos) is not None:
                on_found(self._pos(pos))
            else:
                self._waiters.append((pos, on_found))
                self._request(pos)

        self._query.read(lambda: position_of(flt, run_id), found, owner=self)

    # -- Qt model ---------------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Col)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        return _FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Col):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[Col(section)]
        if role == Qt.ItemDataRole.ToolTipRole and section == Col.ID:
            return "Runs are ordered by id (newest first); only this column sorts"
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < self._count:
            return None
        col = Col(index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return alignment(col)
        pos = self._pos(index.row())
        rec = self._cache.get(pos)
        if rec is None:
            self._request(pos)
            return PLACEHOLDER if role == Qt.ItemDataRole.DisplayRole else None
        return rec if role == RUN_ROLE else cell_data(rec, col, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Only by ID: reversing is a relabelling of positions, so the cache stays valid."""
        descending = order == Qt.SortOrder.DescendingOrder
        if column != Col.ID or descending == self._descending:
            return
        self.layoutAboutToBeChanged.emit()
        old = self.persistentIndexList()
        self._descending = descending
        last = self._count - 1
        new = [self.index(last - i.row(), i.column()) for i in old]
        self.changePersistentIndexList(old, new)
        self.layoutChanged.emit()

    # -- paging -----------------------------------------------------------------------------
    def _pos(self, row: int) -> int:
        """Row <-> position in newest-first order (the same mapping both ways)."""
        return row if self._descending else self._count - 1 - row

    def _request(self, pos: int) -> None:
        page = pos // PAGE_SIZE
        if page in self._pending or page in self._short:
            return
        self._pending.add(page)
        start, flt, gen, shift = page * PAGE_SIZE, self._filter, self._gen, self._shift
        above = self._cache.get(start - 1) if start > 0 else None
        before = None if above is None else above.id  # keyset: the rows after the one above

        def done(rows: list[RunRecord]) -> None:
            self._on_page_read(gen, page, start + self._shift - shift, rows)

        total = self._count
        self._query.read(lambda: read_page(flt, start, before, PAGE_SIZE, total), done, owner=self)

    def _on_page_read(self, gen: int, page: int, start: int, rows: list[RunRecord]) -> None:
        if gen != self._gen:
            return
        self._pending.discard(page)
        if len(rows) < min(PAGE_SIZE, self._count - start):
            self._short.add(page)  # the set changed under us; the refresh will reconcile
            self._gate.soon()
        rows = self._overlay.merge_all(rows)[: max(0, self._count - start)]
        if not rows:
            return
        self._cache.put(start, rows)
        self.page_loaded.emit(self._changed(start, len(rows)), len(rows))
        ready = [w for w in self._waiters if self._cache.get(w[0]) is not None]
        self._waiters = [w for w in self._waiters if w not in ready]
        for pos, on_found in ready:
            on_found(self._pos(pos))

    def _changed(self, start: int, n: int) -> int:
        """Emit dataChanged for `n` positions from `start`; returns the first row."""
        a, b = sorted((self._pos(start), self._pos(start + n - 1)))
        a, b = max(a, 0), min(b, self._count - 1)
        if a <= b:  # a cached position can lie past a count that just shrank
            self.dataChanged.emit(self.index(a, 0), self.index(b, len(Col) - 1))
        return a

    # -- live -------------------------------------------------------------------------------
    def apply_changes(self, changes: RunChanges) -> None:
        """Runs shown are updated in memory at once; the count and first page are read again
        once the store holds more (throttled, and only while the table is shown)."""
        for rec in changes.runs:
            self._overlay.note(rec)
            pos = self._cache.update_run(rec)
            if pos is not None:
                self._changed(pos, 1)
        if changes.stored:
            self._gate.soon()

    def _on_refresh_failed(self, exc: Exception) -> None:
        log.error("history refresh failed: %s", exc)
        self._gate.finished(ok=False)

    def _on_refreshed(self, gen: int, result: tuple[int, list[RunRecord]]) -> None:
        if gen == self._gen:  # else a new filter came meanwhile; its own refresh follows
            count, first = result
            self._apply_refresh(count, self._overlay.merge_all(first))
            self.refreshed.emit()
        self._gate.finished(ok=True)

    def _apply_refresh(self, count: int, first: list[RunRecord]) -> None:
        """Keep the view (selection, scroll, cache) when the change is new runs on top or old
        ones gone at the bottom; anything else is a reset."""
        old, top, self._top_id = self._count, self._top_id, (first[0].id if first else None)
        self._short.clear()
        k = self._cache.new_on_top(top, first, count - old)
        if old == 0 or k is None:
            self._reset(count, first)
            return
        if count > old:
            at = 0 if self._descending else old
            self.beginInsertRows(QModelIndex(), at, at + k - 1)
            self._cache.shift(k)
            self._shift += k
            self._pending.clear()
            self._count = count
            self.endInsertRows()
        elif count < old:
            at = count if self._descending else 0
            self.beginRemoveRows(QModelIndex(), at, at + old - count - 1)
            self._cache.truncate(count)
            self._count = count
            self.endRemoveRows()
        if first:
            self._cache.put(0, first)
            self._changed(0, len(first))
        if count != old:
            self.count_changed.emit(count)

    def _reset(self, count: int, first: list[RunRecord]) -> None:
        old = self._count
        self.beginResetModel()
        self._gen += 1
        self._shift = 0
        self._cache.clear()
        self._pending.clear()
        self._short.clear()
        self._waiters.clear()
        self._count = count
        self._cache.put(0, first)
        self._top_id = first[0].id if first else None
        self.endResetModel()
        if count != old:
            self.count_changed.emit(count)
