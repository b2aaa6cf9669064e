"""What a capped log says it dropped, where output stands in it, what is left beside it after
a crash, and what a follower of a live capped log reads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskrun_gui.engine import log_file
from taskrun_gui.engine.log_file import LogFile, dropped_note, stitch_tail, tail_segment
from taskrun_gui.engine.log_follow import LogFollower

ENOSPC = OSError(28, "No space left on device")


def _output(n: int) -> bytes:
    return b"".join(b"%07d\n" % i for i in range(n // 8 + 1))[:n]


def _disk(monkeypatch: pytest.MonkeyPatch) -> dict[str, bool]:
    """A disk that refuses every write while state["full"]."""
    real = os.write
    state = {"full": False}

    def write(fd: int, data: bytes) -> int:
        if state["full"]:
            raise ENOSPC
        return real(fd, data)

    monkeypatch.setattr(log_file, "RETRY_SECONDS", 0.0)
    monkeypatch.setattr(log_file.os, "write", write)
    return state


def test_bytes_the_disk_refused_in_a_segment_the_cap_cut_count_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _disk(monkeypatch)
    log = LogFile(tmp_path / "r.log", cap=8192)  # head 4096, segments of 1024
    log.write(b"h" * 4096)
    disk["full"] = True
    log.write(b"a" * 1024)  # segment 0, refused
    disk["full"] = False
    log.write(b"b" * 8192)  # segments 1..8: segment 0 and more are cut
    log.close()
    kept = (tmp_path / "r.log").read_bytes()
    assert log.dropped == 4096 + 1024 + 8192 - (4096 + 4 * 1024)
    assert kept.endswith(b"b" * 4096) and b"No space" not in kept  # nothing to say is lost


def test_offsets_after_a_refused_write_in_the_head_point_at_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = _disk(monkeypatch)
    log = LogFile(tmp_path / "r.log")
    log.write(b"a" * 100)
    disk["full"] = True
    log.write(b"b" * 100)  # lost; a note says so before the next output
    disk["full"] = False
    start = log.position
    log.write(b"c" * 100)
    end = log.position
    log.close()
    data = (tmp_path / "r.log").read_bytes()
    assert dropped_note(100, "No space left on device") in data
    assert data[log.final_offset(start) : log.final_offset(end)] == b"c" * 100
    assert log.final_offset(50) == 50


def test_a_segment_the_disk_would_not_take_at_the_end_stays_beside_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "r.log"
    log = LogFile(path, cap=8192)
    data = _output(4096 + 2000)
    log.write(data)  # segments 0 (full) and 1
    disk = _disk(monkeypatch)
    disk["full"] = True
    log.close()
    assert tail_segment(path, 0).read_bytes() == data[4096 : 4096 + 1024]
    assert tail_segment(path, 1).read_bytes() == data[4096 + 1024 :]
    assert log.dropped == 2000


def test_stitch_puts_a_dead_writers_segments_after_the_head_with_the_cap_note(
    tmp_path: Path,
) -> None:
    path = tmp_path / "r.log"
    log = LogFile(path, cap=8192)
    data = _output(40_000)
    log.write(data)  # the writer dies here: no close
    assert log.dropped > 0
    cut = stitch_tail(path)
    kept = path.read_bytes()
    note = dropped_note(cut, "the log is capped at 8192 bytes")
    assert kept == data[:4096] + note + data[4096 + cut :]
    assert cut == log.dropped
    assert not list(tmp_path.glob("r.log.tail-*"))
    assert stitch_tail(path) == 0 and path.read_bytes() == kept  # nothing left to stitch


def test_a_follower_reads_past_the_head_while_the_run_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "r.log"
    log = LogFile(path, cap=8192)
    follower = LogFollower(path)
    data = _output(40_000)
    got = b""
    for i in range(0, len(data), 100):  # a follower that keeps up sees every byte
        log.write(data[i : i + 100])
        got += follower.read()[0]
        if i == 20_000:
            assert got == data[: i + 100]  # live, past the head
    log.close()
    got += follower.read()[0]
    assert got == data and follower.position == len(data)


def test_a_follower_that_falls_behind_says_where_the_cap_dropped_output(tmp_path: Path) -> None:
    path = tmp_path / "r.log"
    log = LogFile(path, cap=8192)
    follower = LogFollower(path)
    data = _output(40_000)
    log.write(data[:30_000])
    got = follower.read()[0] + follower.read()[0]
    oldest_kept = (30_000 - 4096) // 1024 - 3  # the segment being written and three more
    note = dropped_note(oldest_kept * 1024, "the log is capped at 8192 bytes")
    at = 4096 + oldest_kept * 1024
    assert got == data[:4096] + note + data[at : at + 1024]
    log.write(data[30_000:])
    log.close()
    while chunk := follower.read()[0]:
        got += chunk
    assert got.endswith(data[-3000:])
    assert got.count(b"[taskrun: ") == 1


def test_a_follower_of_a_short_log_never_lists_the_month_of_logs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its tail segments are looked for by listing the folder (a month of logs); a log
    smaller than any head has none, and an idle larger one is looked at once a while."""
    from taskrun_gui.engine import log_follow

    listed: list[Path] = []
    real = log_follow.tail_segments
    monkeypatch.setattr(log_follow, "tail_segments", lambda p: listed.append(p) or real(p))
    monkeypatch.setattr(log_follow, "LOOK_S", 3600.0)  # "a while": longer than the test
    small, large = tmp_path / "small.log", tmp_path / "large.log"
    small.write_bytes(b"x" * (log_file.MIN_HEAD - 1))
    large.write_bytes(b"y" * log_file.MIN_HEAD)
    for path, size in ((small, log_file.MIN_HEAD - 1), (large, log_file.MIN_HEAD)):
        follower = LogFollower(path)
        assert len(follower.read()[0]) == size
        for _ in range(20):  # a viewer polling an idle run
            assert follower.read() == (b"", 0)
    assert listed == [large]  # once for the large log; never for the small one
    assert LogFile(tmp_path / "c.log", cap=1).cap == 4096  # no head smaller than MIN_HEAD
