"""Where a run's output goes: the log file (exact bytes, secrets masked, capped: see
log_file.py) and batched, incrementally decoded text for live viewers."""

from __future__ import annotations

import codecs
import os
import time
from collections.abc import Callable
from pathlib import Path

from taskrun_gui.engine.log_file import LogFile

OutputCallback = Callable[[str, int], None]  # (text, log byte offset after it)

# What reaches a live viewer: one batch per 100 ms of at most 32 KiB (320 KiB/s, more than
# anyone reads; inserting a batch costs the UI thread ~15 ms). A flood beyond that is shown
# as its newest part with a note; the log file always has every byte.
BATCH_SECONDS = 0.1
MAX_BATCH_BYTES = 32 * 1024
# How a batch after skipped output begins: a viewer counts the skipped bytes on that line.
SKIP_NOTE_START = "\n[… "


class SecretMasker:
    """Replaces secret values in a byte stream, also when a value is split across chunks."""

    def __init__(self, secrets: list[str], mask: bytes = b"***") -> None:
        self.secrets = sorted({s.encode() for s in secrets if s}, key=len, reverse=True)
        self.mask = mask
        self.carry = b""

    def feed(self, chunk: bytes | memoryview) -> bytes | memoryview:
        if not self.secrets:
            return chunk
        data = self.carry + bytes(chunk)
        for s in self.secrets:
            data = data.replace(s, self.mask)
        hold = 0
        for k in range(min(len(self.secrets[0]) - 1, len(data)), 0, -1):
            tail = data[-k:]
            if any(s.startswith(tail) for s in self.secrets):
                hold = k
                break
        self.carry = data[len(data) - hold :] if hold else b""
        return data[: len(data) - hold] if hold else data

    def flush(self) -> bytes:
        out, self.carry = self.carry, b""
        return out


def log_path_for(logs_dir: Path, run_uid: str, queued_at_ms: int) -> Path:
    """logs/YYYY-MM/<uid>.log: named by uid so a run can be logged before it has a row id."""
    month = time.strftime("%Y-%m", time.gmtime(queued_at_ms / 1000))
    return logs_dir / month / f"{run_uid}.log"


_KNOWN_DIRS: set[str] = set()  # log folders made already (one a month)


def _make_folder(folder: str) -> None:
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        _KNOWN_DIRS.add(folder)
    except OSError:
        pass  # the log file cannot be made either: LogFile counts what is lost


class LogSink:
    def __init__(
        self,
        path: Path,
        secrets: list[str],
        on_output: OutputCallback | None = None,
        cap: int | None = None,
    ) -> None:
        folder = os.path.dirname(path)  # a string: no Path made for each run
        if folder not in _KNOWN_DIRS:
            _make_folder(folder)
        self.file = LogFile(path, cap)
        if self.file.error is not None and folder in _KNOWN_DIRS and not os.path.isdir(folder):
            _KNOWN_DIRS.discard(folder)  # removed since it was made (a disk cleared by hand)
            _make_folder(folder)
            self.file = LogFile(path, cap)
        self.path = path
        self._masker = SecretMasker(secrets) if any(secrets) else None
        self._decoder: codecs.IncrementalDecoder | None = None  # made for the first output
        self._on_output = on_output
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._skipped = 0
        self._last_emit = time.monotonic()

    @property
    def position(self) -> int:
        """Bytes of (masked) output so far: the offset live viewers and steps count in."""
        return self.file.position

    def write(self, chunk: bytes | memoryview) -> None:
        """Store a chunk. It may be a view of the reader's buffer, reused after this call:
        nothing here keeps it without copying."""
        data = chunk if self._masker is None else self._masker.feed(chunk)
        if data:
            self._store(data)

    def _store(self, data: bytes | memoryview) -> None:
        self.file.write(data)
        if self._on_output is not None:
            if len(data) >= MAX_BATCH_BYTES:  # a flood: only its end can be shown live
                self._skipped += self._pending_size + len(data) - MAX_BATCH_BYTES
                self._pending = [bytes(data[-MAX_BATCH_BYTES:])]
                self._pending_size = MAX_BATCH_BYTES
            else:
                self._pending.append(bytes(data))
                self._pending_size += len(data)
            if self._pending_size > MAX_BATCH_BYTES:
                # more than a viewer can show arrived in one batch; the file has it all
                joined = b"".join(self._pending)
                self._skipped += len(joined) - MAX_BATCH_BYTES
                self._pending = [joined[-MAX_BATCH_BYTES:]]
                self._pending_size = MAX_BATCH_BYTES
            self.tick()

    def tick(self, force: bool = False) -> None:
        """Hand the pending output to the viewer callback, at most every BATCH_SECONDS."""
        if not self._pending or self._on_output is None:
            return
        now = time.monotonic()
        if not force and now - self._last_emit < BATCH_SECONDS:
            return
        self._last_emit = now
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        text = ""
        decoder = self._decoder or self._new_decoder()
        if self._skipped:
            decoder.reset()
            skipped = f"{self._skipped} bytes not shown live; the log file has them]\n"
            text = SKIP_NOTE_START + skipped
            self._skipped = 0
        text += decoder.decode(data)
        self._on_output(text, self.position)

    def _new_decoder(self) -> codecs.IncrementalDecoder:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        return self._decoder

    def close(self) -> None:
        rest = b"" if self._masker is None else self._masker.flush()
        if rest:
            self._store(rest)
        if self._on_output is not None:
            self.tick(force=True)
            final = "" if self._decoder is None else self._decoder.decode(b"", final=True)
            if final:
                self._on_output(final, self.position)
        self.file.close()
