"""One run's log file on disk: the exact bytes the task wrote, at most a cap of them, and never
an exception that could stop the run.

Beyond the cap the file keeps its head (the first half of the cap) and a rolling tail: output
past the head goes to tail segment files beside the log, the oldest segment is deleted when a
new one starts, and when the run ends the kept segments are appended to the head after a note
saying how many bytes were dropped. A write the disk refuses (full, quota, I/O error) is
counted, retried at most every RETRY_SECONDS, and noted in the file where it can be."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

RETRY_SECONDS = 1.0
TAIL_SEGMENTS = 4  # the segment being written and three full ones
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC


def dropped_note(dropped: int, reason: str) -> bytes:
    return f"\n[taskrun: {dropped} bytes of output not kept here: {reason}]\n".encode()


def tail_segment(path: Path, index: int) -> Path:
    return path.with_name(f"{path.name}.tail-{index}")


def _write_all(fd: int, data: bytes | memoryview) -> tuple[int, OSError | None]:
    """Write `data`, raising nothing: (bytes not written, the error that stopped it)."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except OSError as exc:
        return len(view), exc
    return 0, None


class LogFile:
    def __init__(self, path: Path, cap: int | None = None) -> None:
        """`cap`: the most bytes of output the file keeps (None or 0: no cap)."""
        self.path = path
        self.cap = cap or None
        self.position = 0  # bytes of output offered so far (the stream's offset)
        self.dropped = 0  # bytes of output not in the file: cut by the cap or by the disk
        self.error: str | None = None  # why the disk refused, for the run record
        self.size = 0  # bytes in the finished file (set by close)
        self._head = self.cap // 2 if self.cap else None
        self._segment_size = max(1, (self.cap or 0) // (2 * TAIL_SEGMENTS))
        self._fd: int | None = None
        self._failed_at: float | None = None
        self._lost = 0  # refused by the disk since the last note in the file
        self._cut = 0  # dropped by the cap (whole tail segments)
        self._segments: list[tuple[int, int]] = []  # (index, stream offset of its start)
        self._seg_fd: int | None = None
        self._seg_used = 0
        try:
            self._fd = os.open(path, _OPEN_FLAGS | os.O_APPEND, 0o600)
            self.position = os.fstat(self._fd).st_size
        except OSError as exc:
            self._refused(exc)

    def write(self, data: bytes | memoryview) -> None:
        start = self.position
        self.position += len(data)
        if self._head is None or self.position <= self._head:
            self._to_main(data)
            return
        room = max(0, self._head - start)
        if room:
            self._to_main(data[:room])
        self._to_tail(memoryview(data)[room:], start + room)

    # -- writing ----------------------------------------------------------------------------
    def _put(self, fd: int | None, data: bytes | memoryview) -> None:
        """Write output to `fd`, or count it lost while the disk refuses."""
        if fd is None or not self._may_try():
            self._lose(len(data))
            return
        left, exc = _write_all(fd, data)
        if exc is None:
            self._failed_at = None
        else:
            self._lose(left)
            self._refused(exc)

    def _to_main(self, data: bytes | memoryview) -> None:
        if self._lost and self._fd is not None and self._may_try() and not self._note_lost():
            self._lose(len(data))  # the disk took writes again: first say what is missing
            return
        self._put(self._fd, data)

    def _may_try(self) -> bool:
        return self._failed_at is None or time.monotonic() - self._failed_at >= RETRY_SECONDS

    def _note_lost(self) -> bool:
        assert self._fd is not None
        _left, exc = _write_all(self._fd, dropped_note(self._lost, self.error or "write failed"))
        if exc is not None:
            self._refused(exc)
            return False
        self._lost = 0
        return True

    def _refused(self, exc: OSError) -> None:
        self.error = exc.strerror or type(exc).__name__
        self._failed_at = time.monotonic()

    def _lose(self, n: int) -> None:
        self.dropped += n
        self._lost += n

    # -- the rolling tail -------------------------------------------------------------------
    def _to_tail(self, view: memoryview, offset: int) -> None:
        while view:
            if not self._segments or self._seg_used >= self._segment_size:
                self._next_segment(offset)
            room = self._segment_size - self._seg_used
            part, view = view[:room], view[room:]
            self._seg_used += len(part)
            offset += len(part)
            self._put(self._seg_fd, part)  # no segment file (it could not be made): lost

    def _next_segment(self, offset: int) -> None:
        if self._seg_fd is not None:
            os.close(self._seg_fd)
            self._seg_fd = None
        index = self._segments[-1][0] + 1 if self._segments else 0
        self._segments.append((index, offset))
        if len(self._segments) > TAIL_SEGMENTS:
            old, old_start = self._segments.pop(0)
            cut = self._segments[0][1] - old_start
            self._cut += cut
            self.dropped += cut
            with contextlib.suppress(OSError):
                os.unlink(tail_segment(self.path, old))
        self._seg_used = 0
        try:
            self._seg_fd = os.open(tail_segment(self.path, index), _OPEN_FLAGS | os.O_TRUNC, 0o600)
        except OSError as exc:
            self._refused(exc)

    def final_offset(self, stream_offset: int) -> int:
        """Where output offered at `stream_offset` stands in the finished file (after close):
        past the head, the dropped middle is one note long."""
        if not self._segments or self._head is None or stream_offset <= self._head:
            return min(stream_offset, self.size)
        kept_from = self._segments[0][1]
        note = len(self._cap_note()) if self._cut else 0
        return min(self.size, self._head + note + max(0, stream_offset - kept_from))

    def _cap_note(self) -> bytes:
        return dropped_note(self._cut, f"the log is capped at {self.cap} bytes")

    # -- the end ----------------------------------------------------------------------------
    def close(self) -> None:
        """Put the kept tail after the head, note what is missing, close everything."""
        if self._seg_fd is not None:
            os.close(self._seg_fd)
            self._seg_fd = None
        if self._fd is not None:
            self._failed_at = None  # one last try: the disk may have room again
            if self._cut and (exc := _write_all(self._fd, self._cap_note())[1]) is not None:
                self._refused(exc)
            for index, _start in self._segments:
                self._append_segment(tail_segment(self.path, index))
            if self._lost:
                self._note_lost()
            with contextlib.suppress(OSError):
                self.size = os.fstat(self._fd).st_size
            os.close(self._fd)
            self._fd = None
        else:
            for index, _start in self._segments:
                with contextlib.suppress(OSError):
                    tail_segment(self.path, index).unlink()

    def _append_segment(self, seg: Path) -> None:
        try:
            with open(seg, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    self._put(self._fd, chunk)
        except OSError as exc:
            self._refused(exc)
        with contextlib.suppress(OSError):
            seg.unlink()
