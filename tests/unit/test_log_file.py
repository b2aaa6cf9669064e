"""The log file of a run: exact bytes under the cap, head and tail beyond it, and a disk that
refuses writes costs output, never the run."""

from __future__ import annotations

import os
from pathlib import Path

from taskrun_gui.engine.log_file import LogFile, dropped_note, tail_segment


def _output(n: int) -> bytes:
    """n bytes where every position is recognisable (no two 8-byte windows alike)."""
    return b"".join(b"%07d\n" % i for i in range(n // 8 + 1))[:n]


def _feed(log: LogFile, data: bytes, chunk: int = 4096) -> None:
    for i in range(0, len(data), chunk):
        log.write(data[i : i + chunk])


def test_under_the_cap_the_file_holds_exactly_the_output(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    log = LogFile(path, cap=1 << 20)
    data = _output(300_000)
    _feed(log, data)
    log.close()
    assert path.read_bytes() == data
    assert (log.dropped, log.size, log.error) == (0, len(data), None)
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_beyond_the_cap_the_head_and_the_newest_tail_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    cap = 64 * 1024
    log = LogFile(path, cap=cap)
    data = _output(1_000_000)
    _feed(log, data, chunk=3000)
    log.close()
    kept = path.read_bytes()
    head = data[: cap // 2]
    assert kept.startswith(head)
    note = dropped_note(log.dropped, f"the log is capped at {cap} bytes")
    assert kept[len(head) : len(head) + len(note)] == note
    tail = kept[len(head) + len(note) :]
    assert data.endswith(tail) and len(tail) >= cap // 4  # at least three of four segments
    assert log.dropped == len(data) - len(head) - len(tail)
    assert len(kept) <= cap + len(note)
    assert not list(tmp_path.glob("run.log.tail-*"))  # segments are folded in and removed
    assert log.size == len(kept)


def test_offsets_map_into_the_capped_file(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    cap = 16 * 1024
    log = LogFile(path, cap=cap)
    data = _output(200_000)
    _feed(log, data, chunk=1000)
    log.close()
    kept = path.read_bytes()
    assert log.final_offset(100) == 100  # in the head
    last_line = data.rstrip(b"\n").rsplit(b"\n", 1)[1] + b"\n"
    at = log.final_offset(len(data) - len(last_line))
    assert kept[at:] == last_line  # in the kept tail
    assert log.final_offset(cap) <= log.final_offset(len(data) - 1)
    assert log.final_offset(len(data)) == len(kept)


def test_while_the_tail_rolls_the_disk_holds_at_most_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    cap = 32 * 1024
    log = LogFile(path, cap=cap)
    for _ in range(50):
        _feed(log, _output(10_000))
        on_disk = sum(p.stat().st_size for p in tmp_path.iterdir())
        assert on_disk <= cap
    log.close()


def test_a_disk_that_refuses_writes_costs_output_not_the_run(tmp_path: Path) -> None:
    log = LogFile(Path("/dev/full"))  # every write: ENOSPC
    log.write(b"x" * 5000)
    log.write(b"y" * 100)
    log.close()
    assert log.dropped == 5100
    assert log.error == os.strerror(28)


def test_output_lost_to_the_disk_is_noted_where_it_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    log = LogFile(path)
    log.write(b"before\n")
    real_fd = log._fd
    assert real_fd is not None
    full = os.open("/dev/full", os.O_WRONLY)
    log._fd = full  # the disk fills up
    log.write(b"lost output\n")
    log._fd, log._failed_at = real_fd, None  # room again (and the retry is due)
    log.write(b"after\n")
    log.close()
    os.close(full)
    assert path.read_bytes() == (b"before\n" + dropped_note(12, os.strerror(28)) + b"after\n")
    assert log.dropped == 12


def test_a_tail_segment_that_cannot_be_made_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    cap = 8192
    tail_segment(path, 0).mkdir()  # the first segment's name is taken by a folder
    log = LogFile(path, cap=cap)
    data = _output(cap // 2 + 1000)
    log.write(data)
    log.close()
    assert path.read_bytes().startswith(data[: cap // 2])
    assert log.dropped == 1000 and log.error is not None
