"""Search every run's output: "when did this error first appear?".

Walks the runs that match a history filter newest first (keyset pages of ids and log paths,
no full records), scans their log files for a text or a regular expression (engine/log_scan.py)
and reports each run whose output matches as soon as its batch is done, newest first, with
progress and a way to stop. Front ends call it from a worker thread (the window) or the main
thread (`taskrun grep`); nothing here knows about either.

Many runs are shared among a few worker processes (a batch of logs per task, answers taken
in order so the newest-first promise holds); a small search stays in this process, where
starting workers would cost more than it saves. Logs removed by retention count as gone,
never as an error.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from taskrun_gui.core.ansi import AnsiParser
from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.returns import ReturnFolder
from taskrun_gui.engine.log_scan import Pattern, ScanResult, compile_pattern, scan_paths
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.runs_repo import RunFilter

__all__ = ["LogHit", "Pattern", "SearchProgress", "check_pattern", "search_logs"]

log = logging.getLogger(__name__)

BATCH = 250  # logs per pool task
POOL_FROM = 4000  # fewer candidate runs than this are searched in this process
MAX_WORKERS = 4
_LIVE = {str(s) for s in RunStatus if not s.is_final}


@dataclass(frozen=True)
class LogHit:
    """A run whose output matches, and where: enough to list it and open its log there."""

    run_id: int
    uid: str
    task_name: str
    status: str
    queued_at: int
    log_path: str
    offset: int | None  # byte offset of the match in the log file; None: in a live tail
    line_start: int  # where the matching line begins in the log file
    line: str  # the matching line as text (colours and carriage returns dropped)
    match: str  # the matched text


@dataclass
class SearchProgress:
    runs: int = 0  # runs whose logs were looked at
    total: int = 0  # runs that match the filter (0 until counted)
    bytes: int = 0
    hits: int = 0
    missing: int = 0  # logs that are gone (retention, deleted by hand)
    stopped: bool = False  # the caller asked to stop, or the limit was reached


def check_pattern(pattern: Pattern) -> None:
    """ValueError with a one-line reason for an empty pattern or a bad regular expression."""
    compile_pattern(pattern)


_Row = runs_repo.LogRow


def _text(raw: bytes) -> str:
    """The line as a terminal shows it: no colour codes, a progress bar's last state."""
    spans = AnsiParser(keep_returns=True).feed(raw.decode("utf-8", "replace"))
    return "".join(span.text for span in ReturnFolder().feed(spans)[1])


def _hit(row: _Row, found: ScanResult) -> LogHit:
    run_id, uid, task, status, queued_at, path = row
    return LogHit(
        run_id,
        uid,
        task,
        status,
        queued_at,
        path,
        None if found.in_tail else found.offset,
        found.line_start,
        _text(found.line),
        found.match.decode("utf-8", "replace"),
    )


class _Scanner:
    """Batches of log paths scanned in order: here, or ahead in a pool of processes."""

    def __init__(self, pattern: Pattern, workers: int) -> None:
        self._pattern = pattern
        self._pool: ProcessPoolExecutor | None = None
        if workers > 1:
            # not fork: the window's process has Qt and threads. Workers import the main
            # module as __mp_main__ (the entry points guard their `sys.exit(main())`).
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["taskrun_gui.engine.log_scan"])
            self._pool = ProcessPoolExecutor(workers, mp_context=context)
        self._ahead: deque[tuple[list[tuple[str, bool]], Future[list[ScanResult]] | None]]
        self._ahead = deque()
        self._broken = False  # the pool failed: scan here from now on
        self._depth = 2 * workers

    def results(self, batches: Iterator[list[tuple[str, bool]]]) -> Iterator[list[ScanResult]]:
        for logs in batches:
            if self._pool is None or self._broken:
                while self._ahead:  # in order: what the pool was given comes first
                    yield self._take()
                yield scan_paths(logs, self._pattern)
                continue
            try:
                future = self._pool.submit(scan_paths, logs, self._pattern)
            except BrokenProcessPool:
                self._broken = True
                future = None
            self._ahead.append((logs, future))
            if len(self._ahead) >= self._depth or self._broken:
                yield self._take()
        while self._ahead:
            yield self._take()

    def _take(self) -> list[ScanResult]:
        logs, future = self._ahead.popleft()
        try:
            if future is not None:
                return future.result()
        except BrokenProcessPool:
            pass
        if not self._broken:  # a worker died: what is left is scanned in this process
            log.warning("log search: the worker processes failed; searching in this one")
            self._broken = True
        return scan_paths(logs, self._pattern)

    def close(self) -> None:
        if self._pool is not None:
            for _logs, future in self._ahead:
                if future is not None:
                    future.cancel()
            self._pool.shutdown(wait=True, cancel_futures=True)


def default_workers(total: int) -> int:
    if total < POOL_FROM:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def search_logs(
    flt: RunFilter,
    pattern: Pattern,
    on_hit: Callable[[LogHit], None],
    on_progress: Callable[[SearchProgress], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    limit: int | None = None,
    workers: int | None = None,
    total: int | None = None,
) -> SearchProgress:
    """Report every matching run to `on_hit`, newest first; returns the final figures.
    `total`: the number of runs the filter matches, when the caller counted them already."""
    check_pattern(pattern)
    progress = SearchProgress(total=total or 0)
    if total is None:
        progress.total = runs_repo.count(flt)
    rows: deque[_Row] = deque()

    def batches() -> Iterator[list[tuple[str, bool]]]:
        for page in runs_repo.log_pages(flt):
            for i in range(0, len(page), BATCH):
                if should_stop():
                    return
                part = page[i : i + BATCH]
                rows.extend(part)
                yield [(row[5], row[3] in _LIVE) for row in part]

    scanner = _Scanner(pattern, workers or default_workers(progress.total))
    try:
        for results in scanner.results(batches()):
            for found in results:
                row = rows.popleft()
                progress.runs += 1
                progress.bytes += found.size
                progress.missing += found.missing
                if found.offset is not None:
                    progress.hits += 1
                    on_hit(_hit(row, found))
                    if limit is not None and progress.hits >= limit:
                        progress.stopped = True
                        return progress
            if on_progress is not None:
                on_progress(progress)
            if should_stop():
                progress.stopped = True
                return progress
    finally:
        scanner.close()
    progress.stopped = should_stop()
    return progress
