"""search_logs over real log files and a real SQLite history: newest first, text, any case,
regex, logs gone to retention, capped logs, a live run's tail segment, limit and stop, and the
same answers from a pool of worker processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.engine import log_scan
from taskrun_gui.engine.log_file import dropped_note, tail_segment
from taskrun_gui.engine.log_search import LogHit, Pattern, check_pattern, search_logs
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.runs_repo import RunFilter
from tests.helpers import add_task

LOGS = {
    1: b"start\nall good\n",
    2: b"fetch\n\x1b[31mERROR\x1b[0m: disk full on /dev/sda1\nbye\n",
    3: b"retry 1\r\n50%\rError: Disk Full again\n",
    4: b"caf\xc3\xa9 CR\xc3\x88ME\n",
    5: None,  # removed by retention
    6: b"head\n" + dropped_note(4096, "the log is capped") + b"tail: disk full at the end\n",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    st = Store(tmp_path / "data").open()
    rows = []
    for run_id, data in LOGS.items():
        path = tmp_path / f"run-{run_id}.log"
        if data is not None:
            path.write_bytes(data)
        rows.append((run_id, f"uid{run_id}", "success", run_id * 1000, str(path)))
    rows.append((7, "uid7", "running", 7000, str(tmp_path / "run-7.log")))
    (tmp_path / "run-7.log").write_bytes(b"head of a capped live log\n")
    tail_segment(tmp_path / "run-7.log", 3).write_bytes(b"newest: disk full live\n")
    add_task(st, TaskSpec(name="job", command="true"))
    st.db.cursor().executemany(
        "INSERT INTO run (id, uid, task_id, task_name, version, status, trigger, attempt,"
        " params_json, priority, queued_at, log_path, log_bytes, slow)"
        " VALUES (?, ?, 1, 'job', 1, ?, 'manual', 1, '{}', 0, ?, ?, 0, 0)",
        rows,
    )
    yield st
    st.close()


def found(pattern: Pattern, **kw: object) -> list[LogHit]:
    hits: list[LogHit] = []
    search_logs(RunFilter(), pattern, hits.append, **kw)  # type: ignore[arg-type]
    return hits


def test_text_newest_first_with_the_line_and_offset(store: Store) -> None:
    hits = found(Pattern("disk full"))
    assert [h.run_id for h in hits] == [7, 6, 2]
    live, capped, coloured = hits
    assert live.offset is None and live.line == "newest: disk full live"
    assert capped.line == "tail: disk full at the end"
    assert coloured.line == "ERROR: disk full on /dev/sda1"  # colours dropped
    data = Path(coloured.log_path).read_bytes()
    assert data[coloured.offset : coloured.offset + 9] == b"disk full"
    assert data[coloured.line_start :].startswith(b"\x1b[31mERROR")


def test_any_case_regex_and_non_ascii(store: Store) -> None:
    assert [h.run_id for h in found(Pattern("DISK FULL", ignore_case=True))] == [7, 6, 3, 2]
    hit = found(Pattern("DISK FULL", ignore_case=True))[2]
    assert hit.line == "Error: Disk Full again" and hit.match == "Disk Full"
    assert [h.run_id for h in found(Pattern(r"retry \d+\r?$", regex=True))] == [3]
    assert [h.run_id for h in found(Pattern("crème", ignore_case=True))] == [4]


def test_gone_logs_are_counted_not_errors(store: Store) -> None:
    done = search_logs(RunFilter(), Pattern("anything"), lambda _h: None)
    assert (done.runs, done.total, done.missing, done.hits) == (7, 7, 1, 0)


def test_limit_stop_and_filter(store: Store) -> None:
    assert [h.run_id for h in found(Pattern("disk full"), limit=1)] == [7]
    done = search_logs(RunFilter(), Pattern("e"), lambda _h: None, should_stop=lambda: True)
    assert done.stopped and done.runs == 0
    flt = RunFilter(until_ms=5000)
    hits: list[LogHit] = []
    search_logs(flt, Pattern("disk full", ignore_case=True), hits.append)
    assert [h.run_id for h in hits] == [3, 2]


def test_bad_patterns_are_refused() -> None:
    with pytest.raises(ValueError, match="not a valid regular expression"):
        check_pattern(Pattern("(", regex=True))
    with pytest.raises(ValueError, match="empty"):
        check_pattern(Pattern(""))


def test_mapped_big_file_and_a_match_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(log_scan, "MAP_FROM", 1024)
    monkeypatch.setattr(log_scan, "CHUNK", 1000)
    path = tmp_path / "big.log"
    path.write_bytes(b"x" * 995 + b"\nNEEDLE here\n" + b"y" * 5000)
    for pattern in (Pattern("needle", ignore_case=True), Pattern("NEEDLE"), Pattern("NE+D", True)):
        result = log_scan.scan_file(str(path), pattern)
        assert (result.offset, result.line) == (996, b"NEEDLE here"), pattern


@pytest.fixture(scope="module")
def forkserver() -> None:
    """The pool's fork server (and multiprocessing's resource tracker) outlive a search by
    design, as they do in the window: started before the test, so the check for child
    processes left behind sees only the workers, which must be gone."""
    from multiprocessing import forkserver as server
    from multiprocessing import resource_tracker

    server.set_forkserver_preload(["taskrun_gui.engine.log_scan"])
    server.ensure_running()
    resource_tracker.ensure_running()


def test_a_pool_of_workers_gives_the_same_answers(store: Store, forkserver: None) -> None:
    pattern = Pattern("disk full", ignore_case=True)
    assert [h.run_id for h in found(pattern, workers=2)] == [h.run_id for h in found(pattern)]
