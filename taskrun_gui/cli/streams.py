"""Standard error that never raises: a `taskrun` whose stderr is a file on a full disk (the
daemon's log) must go on running tasks, not die telling it. Standard output is left strict:
output that cannot be written is an error the command reports (exit 1), not dropped; only
a followed run's output stops when its reader goes (write_run_output)."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TextIO


class QuietWhenRefused:
    """Wraps a text stream; writes and flushes the system refuses are dropped."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.dropped = 0

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError:
            self.dropped += len(text)
            return len(text)

    def flush(self) -> None:
        with contextlib.suppress(OSError):
            self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def protect_stderr() -> None:
    if not isinstance(sys.stderr, QuietWhenRefused) and sys.stderr is not None:
        sys.stderr = QuietWhenRefused(sys.stderr)


def write_run_output(data: bytes) -> None:
    """A run's output to standard output, as `--follow` shows it. Once the reader has gone
    (`| head -1`, `| grep -m1`) the rest goes nowhere and the command goes on: the run it
    waits for is not stopped for it, and the exit code is still the run's."""
    try:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        stdout_gone()


def stdout_gone() -> None:
    """Standard output becomes /dev/null: what is still buffered, and every later line, is
    written there without another error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)
