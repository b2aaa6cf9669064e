"""The history model's memory: a bounded set of row pages, keyed by position, evicted LRU.

Positions count from the newest run of the current filter (0 = highest id), because that is
the order the index gives for free. Pages are stored as "chunks" that may start anywhere, so
that when new runs appear at the top every cached row can simply move down by `k` instead of
being thrown away and read again. No Qt here: the model decides when to fetch and notify.
"""

from __future__ import annotations

import bisect
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import replace

from taskrun_gui.core.models import RunRecord

PAGE_SIZE = 100  # rows a read brings: a screenful or three, so a filter shows at once
MAX_PAGES = 40  # 4,000 rows kept: a long scroll back and forth reads nothing again
LIVE_HEAD = 500  # a live refresh's read: this many new runs between two keep the view


class PageCache:
    """Non-overlapping chunks of consecutive rows; at most `max_pages` of them are kept."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self.max_pages = max_pages
        self._chunks: dict[int, list[RunRecord]] = {}
        self._starts: list[int] = []  # sorted keys of _chunks, for bisect lookups
        self._lru: OrderedDict[int, None] = OrderedDict()

    def __len__(self) -> int:
        """The number of chunks held (what the LRU bound applies to)."""
        return len(self._chunks)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self._chunks.values())

    def clear(self) -> None:
        self._chunks.clear()
        self._starts.clear()
        self._lru.clear()

    def get(self, pos: int) -> RunRecord | None:
        """The row at `pos`, or None when it is not cached. Marks its chunk recently used."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return None
        start = self._starts[i]
        rows = self._chunks[start]
        if pos - start >= len(rows):
            return None
        if next(reversed(self._lru)) != start:
            self._lru.move_to_end(start)
        return rows[pos - start]

    def put(self, start: int, rows: list[RunRecord]) -> None:
        """Store rows from `start`; whatever they overlap is replaced (they are newer)."""
        if not rows:
            return
        end = start + len(rows)
        for a in list(self._starts):
            old = self._chunks[a]
            b = a + len(old)
            if b <= start or a >= end:
                continue
            self._remove(a)
            if a < start:
                self._add(a, old[: start - a])
            if b > end:
                self._add(end, old[end - a :])
        self._add(start, list(rows))
        while len(self._chunks) > self.max_pages:
            oldest = next(iter(self._lru))
            self._remove(oldest)

    def set(self, pos: int, rec: RunRecord) -> bool:
        """Replace one cached row in place; False when `pos` is not cached."""
        i = bisect.bisect_right(self._starts, pos) - 1
        if i < 0:
            return False
        rows = self._chunks[self._starts[i]]
        if pos - self._starts[i] >= len(rows):
            return False
        rows[pos - self._starts[i]] = rec
        return True

    def update_run(self, rec: RunRecord) -> int | None:
        """Put a signalled state of a run over its cached row (keeping the stored id, which
        a signalled record may not have yet); returns its position, None when not cached."""
        pos = self.find(lambda r: r.uid == rec.uid)
        cached = None if pos is None else self.get(pos)
        if pos is None or cached is None:
            return None
        self.set(pos, replace(rec, id=cached.id, steps=rec.steps or cached.steps))
        return pos

    def shift(self, k: int) -> None:
        """Every cached row moves `k` positions down: `k` newer runs now sit above them."""
        chunks = {start + k: rows for start, rows in self._chunks.items()}
        lru = OrderedDict((start + k, None) for start in self._lru)
        self._chunks, self._lru = chunks, lru
        self._starts = sorted(chunks)

    def truncate(self, count: int) -> None:
        """Drop rows at positions >= count (the filtered set shrank)."""
        for start in list(self._starts):
            rows = self._chunks[start]
            if start >= count:
                self._remove(start)
            elif start + len(rows) > count:
                self._chunks[start] = rows[: count - start]

    def find(self, match: Callable[[RunRecord], bool]) -> int | None:
        """The position of the first cached row that matches."""
        return next((pos for pos, rec in self.items() if match(rec)), None)

    def new_on_top(self, top_id: int | None, head: list[RunRecord], growth: int) -> int | None:
        """How many runs were added above the old top row (`top_id`), given the fresh first
        page and how much the count grew; None when the change is anything else (runs left
        the filter, or appeared in the middle): then the caller must start over. A shrink
        with an unchanged head is old runs deleted at the bottom (retention): 0."""
        if top_id is None:
            return None
        k = sum(1 for r in head if r.id is not None and r.id > top_id)
        if growth == k:
            return k
        same_head = all((c := self.get(i)) is None or c.id == r.id for i, r in enumerate(head))
        return 0 if k == 0 and growth < 0 and same_head else None

    def items(self) -> Iterator[tuple[int, RunRecord]]:
        """(position, row) of every cached row, in no particular order."""
        for start, rows in self._chunks.items():
            for offset, rec in enumerate(rows):
                yield start + offset, rec

    def _add(self, start: int, rows: list[RunRecord]) -> None:
        self._chunks[start] = rows
        bisect.insort(self._starts, start)
        self._lru[start] = None

    def _remove(self, start: int) -> None:
        del self._chunks[start]
        self._starts.remove(start)
        self._lru.pop(start, None)
