"""A log folder deleted while a host lives (a disk cleared by hand) is made again for the next
run: the folders made are remembered per process, which must not cost every later run its log."""

from __future__ import annotations

import shutil
from pathlib import Path

from taskrun_gui.engine.logsink import LogSink


def _log(path: Path, data: bytes) -> LogSink:
    sink = LogSink(path, secrets=[])
    sink.write(data)
    sink.close()
    return sink


def test_a_deleted_log_folder_is_made_again_for_the_next_run(tmp_path: Path) -> None:
    month = tmp_path / "logs" / "2026-12"
    _log(month / "first.log", b"one\n")
    assert (month / "first.log").read_bytes() == b"one\n"
    shutil.rmtree(month)
    sink = _log(month / "second.log", b"two\n")
    assert (month / "second.log").read_bytes() == b"two\n"
    assert sink.file.error is None and sink.file.dropped == 0
