"""Reads a slice of a log file on a worker thread and parses its ANSI colours there.

Log files can be gigabytes; the viewer only ever asks for one bounded slice (the tail, or
the chunk just before what it already shows), and the read, UTF-8 decode and ANSI parse
all happen off the UI thread. The result carries exact byte offsets so the viewer can
line live output up with what it replayed and fetch the preceding chunk later.
"""

from __future__ import annotations

import codecs
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, QRunnable, Signal

from taskrun_gui.core.ansi import AnsiParser, Span
from taskrun_gui.core.returns import ReturnFolder

__all__ = [
    "LogChunk",
    "LogChunkReader",
    "read_earlier",
    "read_from",
    "read_range",
    "read_tail",
    "unseen_part",
]


@dataclass
class LogChunk:
    """One decoded slice of a log file, ready to insert into a document."""

    start: int  # file offset of the first byte shown
    end: int  # file offset just past the last byte decoded
    spans: list[Span] = field(default_factory=list)
    line_bytes: list[int] = field(default_factory=list)  # raw size of each complete line
    partial_bytes: int = 0  # raw size of the unterminated last line
    parser: AnsiParser = field(default_factory=AnsiParser)  # style state after the slice
    folder: ReturnFolder = field(default_factory=ReturnFolder)  # a "\r" still undecided
    error: Exception | None = None
    generation: int = 0  # set by the view; a stale chunk is dropped
    job_id: int = 0


def read_tail(path: str, max_bytes: int, max_lines: int, live: bool) -> LogChunk:
    """The last ``max_bytes`` (at most ``max_lines`` lines) of the file.

    For a live run the file may end in the middle of a UTF-8 character; those bytes are
    not counted as read, so the next live batch brings them.
    """
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            start = max(0, size - max_bytes)
            handle.seek(start)
            data = handle.read(size - start)
    except OSError as exc:
        return LogChunk(start=0, end=0, error=exc)
    data, start = _skip_partial_first_line(data, start)
    cut = _start_of_last_lines(data, max_lines)
    return _decode(data[cut:], start + cut, final=not live)


def read_range(path: str, start: int, end: int, max_bytes: int, max_lines: int) -> LogChunk:
    """The bytes [start, end) of the file (one step of a multi-step run), or their last
    ``max_bytes`` (at most ``max_lines`` lines) when the section is longer."""
    first = max(start, end - max_bytes)
    try:
        with open(path, "rb") as handle:
            handle.seek(first)
            data = handle.read(max(0, end - first))
    except OSError as exc:
        return LogChunk(start=start, end=start, error=exc)
    if first > start:
        data, first = _skip_partial_first_line(data, first)
    cut = _start_of_last_lines(data, max_lines)
    return _decode(data[cut:], first + cut, final=True)


def read_from(path: str, start: int, max_bytes: int, max_lines: int) -> LogChunk:
    """What follows file offset ``start`` (a line start): its first ``max_bytes``, at most
    ``max_lines`` lines. Opening a log at a search match shows the match on the first line."""
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(max_bytes)
    except OSError as exc:
        return LogChunk(start=start, end=start, error=exc)
    pos = -1
    for _ in range(max_lines):
        pos = data.find(b"\n", pos + 1)
        if pos < 0:
            break
    if pos >= 0:
        data = data[: pos + 1]
    return _decode(data, start, final=True)


def read_earlier(path: str, before: int, max_bytes: int, floor: int = 0) -> LogChunk:
    """The chunk of up to ``max_bytes`` that ends at file offset ``before`` and starts no
    earlier than ``floor`` (where the step shown begins)."""
    start = max(floor, before - max_bytes)
    try:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read(before - start)
    except OSError as exc:
        return LogChunk(start=before, end=before, error=exc)
    if start > floor:
        data, start = _skip_partial_first_line(data, start)
    return _decode(data, start, final=True)


def unseen_part(text: str, end_offset: int, shown_end: int) -> str | None:
    """The part of a live batch past file offset ``shown_end``; None if all of it is shown.

    ``end_offset`` is the file offset just past the batch, whose bytes are its UTF-8 form.
    """
    if end_offset <= shown_end:
        return None
    raw = text.encode("utf-8")
    start = end_offset - len(raw)
    if start >= shown_end:
        return text
    return raw[shown_end - start :].decode("utf-8", errors="replace")


def _skip_partial_first_line(data: bytes, start: int) -> tuple[bytes, int]:
    """Starting mid-file, the first line is a fragment: drop it (unless it is all we have)."""
    if start == 0:
        return data, start
    newline = data.find(b"\n")
    if newline < 0:
        return data, start
    return data[newline + 1 :], start + newline + 1


def _start_of_last_lines(data: bytes, max_lines: int) -> int:
    """Offset in ``data`` where its last ``max_lines`` lines (document blocks) begin."""
    if data.count(b"\n") < max_lines:
        return 0
    pos = len(data)
    for _ in range(max_lines):
        pos = data.rfind(b"\n", 0, pos)
    return pos + 1


def _decode(data: bytes, start: int, final: bool) -> LogChunk:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(data, final=final)
    pending = len(decoder.getstate()[0])
    pieces = data.split(b"\n")
    parser = AnsiParser(keep_returns=True)
    folder = ReturnFolder()
    _clear, spans = folder.feed(parser.feed(text))  # the slice starts a line: nothing to clear
    return LogChunk(
        start=start,
        end=start + len(data) - pending,
        spans=spans,
        line_bytes=[len(piece) + 1 for piece in pieces[:-1]],
        partial_bytes=len(pieces[-1]) - pending,
        parser=parser,
        folder=folder,
    )


class LogChunkSignals(QObject):
    """Lives on the UI thread so the worker's emit is delivered there, queued."""

    read = Signal(object)  # LogChunk


class LogChunkReader(QRunnable):
    """Runs one read job on a pool thread and emits its ``LogChunk``; never touches widgets."""

    def __init__(self, job: Callable[[], LogChunk], generation: int, job_id: int) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the view holds the reference until the result arrives
        self.signals = LogChunkSignals()
        self._job = job
        self._generation = generation
        self._job_id = job_id

    def run(self) -> None:
        """Read, tag with the request's generation, and hand back to the UI thread."""
        try:
            chunk = self._job()
        except Exception as exc:  # a worker must always answer, or the view waits forever
            chunk = LogChunk(start=0, end=0, error=exc)
        chunk.generation = self._generation
        chunk.job_id = self._job_id
        self.signals.read.emit(chunk)
