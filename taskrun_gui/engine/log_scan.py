"""Finding a pattern in log files, fast: the per-file half of searching every run's output.

Kept to the standard library (os, mmap, re) and RE2 so a pool worker starts in milliseconds
and so it runs anywhere the engine does. A literal, case-sensitive pattern is a
``bytes.find`` (a memchr-driven two-way search in C); anything else is one compiled regular
expression over the file's bytes: RE2's (google-re2, linear in the file's size), or ``re``'s
for what RE2 does not do (back-references, look-arounds). ``re`` backtracks: `epoch.*NaN`
over a progress bar's log (one 6 MiB line, a `\r` between its states) took 9 minutes, RE2
10 ms. Files up to MAP_FROM are read whole; bigger ones are memory-mapped, so a capped 1 GiB
log is searched without being copied and a match that spans what would be chunk edges is
still found. A capped log of a run still writing keeps its newest output in tail segment
files beside it (engine/log_file.py): those are searched too, after the head.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskrun_gui.engine.log_file import tail_segments

__all__ = ["Pattern", "ScanResult", "compile_pattern", "scan_file", "scan_paths"]

MAP_FROM = 16 * 1024 * 1024
CHUNK = 8 * 1024 * 1024  # a mapped file lowered this much at a time
LINE_MAX = 400  # bytes of the matching line kept for display


@dataclass(frozen=True)
class Pattern:
    """What to look for, picklable for a pool worker."""

    text: str
    regex: bool = False
    ignore_case: bool = False


@dataclass(frozen=True)
class ScanResult:
    """One file's answer: where its first match is (None: no match), or that it is gone."""

    offset: int | None = None  # byte offset of the first match in the file (or segment)
    line_start: int = 0  # byte offset where the matching line begins
    line: bytes = b""  # the matching line, at most LINE_MAX bytes
    match: bytes = b""  # the matched bytes themselves
    in_tail: bool = False  # found in a live run's tail segment, not in the log file itself
    size: int = 0  # bytes searched
    missing: bool = False  # the file is gone (retention) or unreadable


class _Finder:
    def __init__(self, pattern: Pattern) -> None:
        needle = pattern.text.encode("utf-8", "surrogateescape")
        # ASCII text in any case: both sides lowered by bytes.lower (C speed, same length,
        # so offsets hold); re's IGNORECASE scans six times slower
        self._lower = pattern.ignore_case and not pattern.regex and needle.isascii()
        literal = not pattern.regex and (self._lower or not pattern.ignore_case)
        self._literal = (needle.lower() if self._lower else needle) if literal else None
        flags = re.IGNORECASE if pattern.ignore_case else 0
        self._re = None if self._literal is not None else _compile(pattern, needle, flags)
        # bytes patterns fold ASCII only: "CRÈME" in any case needs the text's own folding
        self._text_re: re.Pattern[str] | None = None
        if pattern.ignore_case and not needle.isascii():
            text = pattern.text if pattern.regex else re.escape(pattern.text)
            self._text_re = re.compile(text, flags | re.MULTILINE)

    def first(self, data: bytes | mmap.mmap) -> tuple[int, int] | None:
        """(start, end) of the first match, or None."""
        if self._literal is not None:
            at = self._lowered_find(data) if self._lower else data.find(self._literal)
            return None if at < 0 else (at, at + len(self._literal))
        if self._text_re is not None:
            return self._text_first(bytes(data))
        assert self._re is not None
        found = self._re.search(data)
        return None if found is None else found.span()

    def _text_first(self, data: bytes) -> tuple[int, int] | None:
        assert self._text_re is not None
        text = data.decode("utf-8", "surrogateescape")  # every byte survives: offsets hold
        found = self._text_re.search(text)
        if found is None:
            return None
        start = len(text[: found.start()].encode("utf-8", "surrogateescape"))
        return start, start + len(found.group().encode("utf-8", "surrogateescape"))

    def _lowered_find(self, data: bytes | mmap.mmap) -> int:
        """Find in the lowered data, a mapped file by chunks (overlapping by the needle's
        length) so a 1 GiB log is not copied whole."""
        assert self._literal is not None
        if isinstance(data, bytes):
            return data.lower().find(self._literal)
        overlap = len(self._literal) - 1
        for start in range(0, len(data), CHUNK):
            at = data[start : start + CHUNK + overlap].lower().find(self._literal)
            if at >= 0:
                return start + at
        return -1


def _compile(pattern: Pattern, needle: bytes, flags: int) -> Any:
    """A compiled pattern with `search(data)` (bytes or a mapped file) giving a match with
    `span()`: RE2's where it takes the pattern, else `re`'s."""
    if not pattern.regex:
        return re.compile(re.escape(needle), flags)
    return _re2(needle, pattern.ignore_case) or re.compile(needle, flags | re.MULTILINE)


def _re2(needle: bytes, ignore_case: bool) -> Any:
    """The pattern in RE2, as `re` reads a bytes pattern (byte by byte: Latin-1, ASCII case
    folding, `^` and `$` at each line); None where RE2 is not installed or does not take it."""
    try:
        import re2
    except ImportError:
        return None
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    options.case_sensitive = not ignore_case
    options.log_errors = False  # a pattern it refuses goes to `re`, silently
    try:
        return re2.compile(b"(?m)" + needle, options)
    except re2.error:
        return None


def compile_pattern(pattern: Pattern) -> None:
    """Raise ValueError with a one-line reason when a regular expression is not valid."""
    if not pattern.text:
        raise ValueError("the pattern is empty")
    try:
        _Finder(pattern)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None


def _search(path: str, finder: _Finder) -> ScanResult:
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size == 0:
            return ScanResult(size=0)
        if size < MAP_FROM:
            return _answer(fh.read(), finder, size)
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            return _answer(mapped, finder, size)


def _answer(data: bytes | mmap.mmap, finder: _Finder, size: int) -> ScanResult:
    span = finder.first(data)
    if span is None:
        return ScanResult(size=size)
    start, end = span
    # the line shown: the line of the match's start, and of a progress bar (states parted
    # by carriage returns) the state where the match ends, as a terminal shows it at last
    last = max(start, end - 1)  # the match's last byte
    since = max(0, start - LINE_MAX)
    line_start = max(data.rfind(b"\n", since, start), data.rfind(b"\r", since, last)) + 1
    if line_start == 0 and start > LINE_MAX:
        line_start = start - LINE_MAX // 2  # a very long line: keep what is around the match
    stop = line_start + LINE_MAX
    breaks = (data.find(b"\n", start, stop), data.find(b"\r", last, stop))
    ends = [at for at in breaks if at >= 0]
    line = data[line_start : min(ends) if ends else stop]
    return ScanResult(
        start, line_start, bytes(line), bytes(data[start : min(end, start + 200)]), size=size
    )


def scan_file(
    path: str, pattern: Pattern, live: bool = False, finder: _Finder | None = None
) -> ScanResult:
    """The first match in one run's log (then, for a run still going, its tail segments:
    only then, as listing a folder of 100,000 logs per run would cost more than the
    search). Raises nothing."""
    finder = finder or _Finder(pattern)
    if not path:
        return ScanResult(missing=True)
    try:
        result = _search(path, finder)
    except (FileNotFoundError, PermissionError, IsADirectoryError):
        return ScanResult(missing=True)
    except (OSError, ValueError):  # unreadable, or an mmap the system refused
        return ScanResult(missing=True)
    if result.offset is not None:
        return result
    searched = result.size
    for _, seg in tail_segments(Path(path)) if live else []:  # a capped log being written
        with contextlib.suppress(OSError, ValueError):
            found = _search(str(seg), finder)
            searched += found.size
            if found.offset is not None:
                return ScanResult(
                    found.offset, found.line_start, found.line, found.match, True, searched
                )
    return ScanResult(size=searched)


def scan_paths(logs: list[tuple[str, bool]], pattern: Pattern) -> list[ScanResult]:
    """A batch of (log path, run still going), in order: what a pool worker does per task."""
    finder = _Finder(pattern)
    return [scan_file(path, pattern, live, finder) for path, live in logs]
