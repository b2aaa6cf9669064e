"""Following a run's log while another thread or process writes it (`taskrun log --follow`, a
client window): the head in the log file, then, past the head of a capped log, the newest
tail segment (engine/log_file.py), and, once the run has ended and the segments have been put
after the head, the rest of the finished file. Offsets are stream offsets, as the host's own
live output reports them."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from taskrun_gui.engine.log_file import (
    MIN_HEAD,
    TAIL_SEGMENTS,
    cap_reason,
    dropped_note,
    segment_size_for,
    tail_segment,
    tail_segments,
)

LOOK_S = 1.0  # a running log's folder is listed for its tail segments at most this often
_NOTE = re.compile(rb"\n\[taskrun: (\d+) bytes of output not kept here: [^\]\n]*\]\n")


def _read(path: Path, offset: int, limit: int | None) -> tuple[bytes, int]:
    """(bytes from `offset`, at most the last `limit` of them; bytes skipped for the limit)."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        skipped = 0 if limit is None else max(0, size - offset - limit)
        fh.seek(offset + skipped)
        return fh.read(max(0, size - offset - skipped)), skipped


class LogFollower:
    def __init__(self, path: Path, offset: int = 0) -> None:
        """`offset`: in the log file, where a live run's bytes stand at their stream offset."""
        self.path = path
        self.position = offset  # stream offset just past what was returned
        self._offset = offset  # in the log file
        self._head = 0  # the log file's size when the tail began
        self._seg: int | None = None  # the segment being read, past the head
        self._seg_offset = 0
        self._no_segments_until = 0.0  # monotonic: no tail segment was there at the last look

    def read(self, limit: int | None = None) -> tuple[bytes, int]:
        """New output: (bytes, with a note where the cap dropped some; bytes skipped to keep
        to the last `limit` of the file being read). Raises nothing."""
        try:
            return self._read(limit)
        except OSError:
            return b"", 0

    def _read(self, limit: int | None) -> tuple[bytes, int]:
        size = os.path.getsize(self.path)
        if self._seg is not None and size > self._head:  # ended: the segments are in the file
            self._to_finished_file()
        if self._seg is None:
            if size > self._offset or not self._has_segments(size):
                data, skipped = _read(self.path, self._offset, limit)
                self._offset += skipped + len(data)
                self.position += skipped + len(data)
                return data, skipped
            self._head = self._offset
        return self._next_segment(b"", limit)

    def _has_segments(self, size: int) -> bool:
        """Whether the log has tail segments (a capped log past its head). Finding them
        lists the log's folder, a month of logs (10 ms at 20,000): only for a file large
        enough to have them, and at most once a LOOK_S while none are there."""
        now = time.monotonic()
        if size < MIN_HEAD or now < self._no_segments_until:
            return False
        if tail_segments(self.path):
            return True
        self._no_segments_until = now + LOOK_S
        return False

    @property
    def _segment_size(self) -> int:
        return segment_size_for(self._head)

    def _stream_at(self, index: int) -> int:
        return self._head + index * self._segment_size

    def _next_segment(self, note: bytes, limit: int | None) -> tuple[bytes, int]:
        index = -1 if self._seg is None else self._seg
        try:
            if self._seg is None:
                raise FileNotFoundError
            later = tail_segment(self.path, self._seg + 1).exists()
            data, skipped = _read(tail_segment(self.path, self._seg), self._seg_offset, limit)
        except FileNotFoundError:  # the tail rolled past it: the oldest one kept now
            newer = [i for i, _ in tail_segments(self.path) if i > index]
            if not newer:
                return note, 0
            self._skip_to(newer[0])
            cut = self._stream_at(newer[0]) - self.position
            if cut > 0:
                note += dropped_note(cut, cap_reason(self._segment_size * 2 * TAIL_SEGMENTS))
                self.position += cut
            return self._next_segment(note, limit)
        self._seg_offset += skipped + len(data)
        self.position += skipped + len(data)
        if later and self._seg_offset >= self._segment_size:  # complete: on to the next one
            self._skip_to(self._seg + 1 if self._seg is not None else 0)
        return note + data, skipped

    def _skip_to(self, index: int) -> None:
        self._seg, self._seg_offset = index, 0

    def _to_finished_file(self) -> None:
        """The run ended: LogFile.close put the kept segments after the head, behind a note
        when some were cut. Go on from where this follower stood, in that file."""
        with open(self.path, "rb") as fh:
            fh.seek(self._head)
            start = fh.read(200)
        match = _NOTE.match(start)
        cut = int(match.group(1)) if match else 0
        kept_at = self._head + (match.end() if match else 0)
        self._offset = kept_at + max(0, self.position - self._head - cut)
        self._seg = None
