"""One run's log file on disk: the exact bytes the task wrote, at most a cap of them, and never
an exception that could stop the run.

Beyond the cap the file keeps its head (the first half of the cap) and a rolling tail: output
past the head goes to tail segment files beside the log, the oldest segment is deleted when a
new one starts, and when the run ends the kept segments are appended to the head after a note
saying how many bytes were dropped. A write the disk refuses (full, quota, I/O error) is
counted, retried at most every RETRY_SECONDS, and noted in the file where it can be."""

from __future__ import annotations

import bisect
import contextlib
import glob
import os
import time
from pathlib import Path

from taskrun_gui.core.policy import MIN_LOG_CAP

RETRY_SECONDS = 1.0
TAIL_SEGMENTS = 4  # the segment being written and three full ones
MIN_HEAD = MIN_LOG_CAP // 2  # a log smaller than this has no tail segments
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC


def dropped_note(dropped: int, reason: str) -> bytes:
    return f"\n[taskrun: {dropped} bytes of output not kept here: {reason}]\n".encode()


def tail_segment(path: Path, index: int) -> Path:
    return path.with_name(f"{path.name}.tail-{index}")


def cap_reason(cap: int) -> str:
    return f"the log is capped at {cap} bytes"


def tail_segments(path: Path) -> list[tuple[int, Path]]:
    """The tail segment files beside `path` that exist now, oldest first."""
    found = []
    with contextlib.suppress(OSError):
        for seg in path.parent.glob(f"{glob.escape(path.name)}.tail-*"):
            index = seg.name[len(path.name) + len(".tail-") :]
            if index.isdigit():
                found.append((int(index), seg))
    return sorted(found)


def segment_size_for(head: int) -> int:
    """The size of a full tail segment of a log whose head is `head` bytes (cap // 2 // 4 is
    cap // 8): what a reader of a log left by another process can infer."""
    return max(1, head // TAIL_SEGMENTS)


def stitch_tail(path: Path) -> int:
    """Put the tail segments a dead writer left beside `path` after its head, with the note
    LogFile.close would have written where whole segments were cut, and delete them (a
    segment whose append the disk refused stays). Returns the bytes the note says were cut."""
    segments = tail_segments(path)
    if not segments:
        return 0
    try:
        fd = os.open(path, _OPEN_FLAGS | os.O_APPEND, 0o600)
    except OSError:
        return 0
    try:
        size = segment_size_for(os.fstat(fd).st_size)
        cut = segments[0][0] * size  # segments before the oldest kept were full ones
        if cut and _write_all(fd, dropped_note(cut, cap_reason(size * 2 * TAIL_SEGMENTS)))[0]:
            return cut
        for _index, seg in segments:
            if not _append_file(fd, seg):
                break
            with contextlib.suppress(OSError):
                seg.unlink()
        return cut
    finally:
        os.close(fd)


def _append_file(fd: int, src: Path) -> bool:
    try:
        with open(src, "rb") as fh:
            while chunk := fh.read(1 << 20):
                if _write_all(fd, chunk)[1] is not None:
                    return False
    except OSError:
        return False
    return True


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
        self.cap = max(cap, MIN_LOG_CAP) if cap else None  # as a policy takes it (MIN_HEAD)
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
        self._seg_lost: dict[int, int] = {}  # bytes of a segment the disk refused
        self._seg_fd: int | None = None
        self._seg_used = 0
        self._in_file = 0  # bytes in the main file, notes included
        # where the main file stands at a stream offset, from each offset on where output was
        # lost or a note went in: (stream offset, file offset), in order
        self._anchors: list[tuple[int, int]] = [(0, 0)]
        self._tail_at: int | None = None  # where the kept tail starts in the finished file
        try:
            self._fd = os.open(path, _OPEN_FLAGS | os.O_APPEND, 0o600)
            self.position = self._in_file = os.fstat(self._fd).st_size
            self._anchors = [(self.position, self._in_file)]
        except OSError as exc:
            self._refused(exc)

    def write(self, data: bytes | memoryview) -> None:
        start = self.position
        self.position += len(data)
        if self._head is None or self.position <= self._head:
            self._to_main(data, start)
            return
        room = max(0, self._head - start)
        if room:
            self._to_main(data[:room], start)
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

    def _to_main(self, data: bytes | memoryview, start: int) -> None:
        if self._lost and self._fd is not None and self._may_try():
            if not self._note_lost():
                self._lose(len(data))  # the disk took writes again: first say what is missing
                self._anchors.append((start + len(data), self._in_file))
                return
            self._anchors.append((start, self._in_file))
        lost = self.dropped
        self._put(self._fd, data)
        lost = self.dropped - lost
        self._in_file += len(data) - lost
        if lost:
            self._anchors.append((start + len(data), self._in_file))

    def _may_try(self) -> bool:
        return self._failed_at is None or time.monotonic() - self._failed_at >= RETRY_SECONDS

    def _note_lost(self) -> bool:
        assert self._fd is not None
        note = dropped_note(self._lost, self.error or "write failed")
        left, exc = _write_all(self._fd, note)
        self._in_file += len(note) - left
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
            lost = self.dropped
            self._put(self._seg_fd, part)  # no segment file (it could not be made): lost
            index = self._segments[-1][0]
            self._seg_lost[index] = self._seg_lost.get(index, 0) + self.dropped - lost

    def _next_segment(self, offset: int) -> None:
        if self._seg_fd is not None:
            os.close(self._seg_fd)
            self._seg_fd = None
        index = self._segments[-1][0] + 1 if self._segments else 0
        self._segments.append((index, offset))
        if len(self._segments) > TAIL_SEGMENTS:
            old, old_start = self._segments.pop(0)
            cut = self._segments[0][1] - old_start
            lost = self._seg_lost.pop(old, 0)  # counted when the disk refused them: not twice
            self._cut += cut
            self.dropped += cut - lost
            self._lost = max(0, self._lost - lost)
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
            return min(self._in_main(stream_offset), self.size)
        kept_from = self._segments[0][1]
        tail_at = self._in_main(self._head) if self._tail_at is None else self._tail_at
        return min(self.size, tail_at + max(0, stream_offset - kept_from))

    def _in_main(self, stream_offset: int) -> int:
        """Where output offered at `stream_offset` stands in the main file (in the head)."""
        i = bisect.bisect_right(self._anchors, stream_offset, key=lambda a: a[0]) - 1
        at, file_at = self._anchors[max(0, i)]
        ahead = self._anchors[i + 1][1] if i + 1 < len(self._anchors) else None
        pos = file_at + max(0, stream_offset - at)
        return pos if ahead is None else min(pos, ahead)  # inside output the disk refused

    def _cap_note(self) -> bytes:
        return dropped_note(self._cut, cap_reason(self.cap or 0))

    # -- the end ----------------------------------------------------------------------------
    def close(self) -> None:
        """Put the kept tail after the head, note what is missing, close everything."""
        if self._seg_fd is not None:
            os.close(self._seg_fd)
            self._seg_fd = None
        if self._fd is not None:
            self._failed_at = None  # one last try: the disk may have room again
            if self._cut:
                note = self._cap_note()
                left, exc = _write_all(self._fd, note)
                self._in_file += len(note) - left
                if exc is not None:
                    self._refused(exc)
            self._tail_at = self._in_file
            self._append_segments()
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

    def _append_segments(self) -> None:
        """Append the kept segments in order and delete each one appended whole. From the
        first the disk refuses on, the segments stay beside the log (their bytes counted
        lost here): what is in them is not thrown away."""
        for n, (index, _start) in enumerate(self._segments):
            seg = tail_segment(self.path, index)
            if not self._append_segment(seg):
                for later, _ in self._segments[n + 1 :]:
                    self._lose(self._segment_bytes(tail_segment(self.path, later)))
                return
            with contextlib.suppress(OSError):
                seg.unlink()

    def _append_segment(self, seg: Path) -> bool:
        """False when not all of it reached the log (the segment stays)."""
        lost = self.dropped
        try:
            fh = open(seg, "rb")  # noqa: SIM115 (closed below)
        except OSError:
            return True  # never made: its bytes were counted lost as they came
        with fh:
            try:
                while chunk := fh.read(1 << 20):
                    self._put(self._fd, chunk)
            except OSError as exc:
                self._refused(exc)
                return False
        return self.dropped == lost

    @staticmethod
    def _segment_bytes(seg: Path) -> int:
        try:
            return seg.stat().st_size
        except OSError:
            return 0
