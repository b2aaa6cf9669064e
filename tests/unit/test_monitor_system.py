"""System and per-run samplers, against the real machine and real child processes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.monitor.system import CMDLINE_MAX, RunProcessSampler, SystemSampler
from tests.helpers import exec_done, wait_for

SLEEP = "import time; time.sleep(30)"
# A parent that starts a sleeping child and prints its pid, so the test knows the tree is built.
SPAWNER = (
    "import subprocess, sys, time\n"
    f"c = subprocess.Popen([sys.executable, '-c', {SLEEP!r}])\n"
    "print(c.pid, flush=True)\n"
    "time.sleep(30)\n"
)


def _kill_tree(proc: subprocess.Popen[str]) -> None:
    try:
        kids = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        kids = []
    for p in [*kids]:
        p.kill()
    proc.kill()
    proc.wait(timeout=5)
    psutil.wait_procs(kids, timeout=5)


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen([sys.executable, "-c", SLEEP], text=True)
    try:
        wait_for(lambda: exec_done(proc.pid))
        yield proc
    finally:
        _kill_tree(proc)


@pytest.fixture
def spawner() -> Iterator[tuple[subprocess.Popen[str], int]]:
    proc = subprocess.Popen([sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        child_pid = int(proc.stdout.readline())
        yield proc, child_pid
    finally:
        _kill_tree(proc)
        if proc.stdout is not None:
            proc.stdout.close()


def test_first_system_sample_has_zero_rates_and_sane_figures(tmp_path: Path) -> None:
    snap = SystemSampler(str(tmp_path)).sample()
    assert (snap.disk_read_bps, snap.disk_write_bps) == (0.0, 0.0)
    assert (snap.net_sent_bps, snap.net_recv_bps) == (0.0, 0.0)
    assert 0.0 <= snap.cpu_total_percent <= 100.0
    assert len(snap.cpu_per_core) == psutil.cpu_count()
    assert all(0.0 <= v <= 100.0 for v in snap.cpu_per_core)
    assert 0 < snap.mem_used <= snap.mem_total
    assert 0.0 < snap.mem_percent <= 100.0
    assert 0.0 <= snap.swap_percent <= 100.0
    assert 0 < snap.disk_used <= snap.disk_total
    assert 0.0 < snap.disk_percent <= 100.0


def test_later_samples_give_non_negative_rates(tmp_path: Path) -> None:
    sampler = SystemSampler(str(tmp_path))
    first = sampler.sample()
    (tmp_path / "blob").write_bytes(b"x" * 1_000_000)
    second = sampler.sample()
    assert second.timestamp >= first.timestamp
    for rate in (
        second.disk_read_bps,
        second.disk_write_bps,
        second.net_sent_bps,
        second.net_recv_bps,
    ):
        assert rate >= 0.0


def test_data_dir_not_created_yet_reports_its_filesystem(tmp_path: Path) -> None:
    snap = SystemSampler(str(tmp_path / "not" / "yet")).sample()
    assert snap.disk_total > 0


def test_run_main_process_shows_up_as_a_row(sleeper: subprocess.Popen[str]) -> None:
    rows = RunProcessSampler().sample([("uid-1", "backup", sleeper.pid)])
    assert [(r.run_uid, r.task_name, r.pid, r.depth) for r in rows] == [
        ("uid-1", "backup", sleeper.pid, 0)
    ]
    row = rows[0]
    assert "time.sleep(30)" in row.cmdline
    assert row.ppid == psutil.Process().pid
    assert row.rss > 0
    assert row.runtime_s >= 0.0
    assert row.cpu_percent >= 0.0


def test_descendants_follow_their_main_process_with_depth(
    spawner: tuple[subprocess.Popen[str], int],
) -> None:
    parent, child_pid = spawner
    rows = RunProcessSampler().sample([("uid-2", "etl", parent.pid)])
    assert [(r.pid, r.ppid, r.depth) for r in rows] == [
        (parent.pid, psutil.Process().pid, 0),
        (child_pid, parent.pid, 1),
    ]
    assert all(r.run_uid == "uid-2" and r.task_name == "etl" for r in rows)


def test_process_objects_are_kept_between_samples(sleeper: subprocess.Popen[str]) -> None:
    sampler = RunProcessSampler()
    sampler.sample([("uid-1", "t", sleeper.pid)])
    kept = sampler._procs[sleeper.pid]
    sampler.sample([("uid-1", "t", sleeper.pid)])
    assert sampler._procs[sleeper.pid] is kept


def test_gone_or_unknown_processes_give_no_rows(sleeper: subprocess.Popen[str]) -> None:
    sampler = RunProcessSampler()
    assert sampler.sample([("uid-1", "t", sleeper.pid)])
    sleeper.kill()
    sleeper.wait(timeout=5)
    assert sampler.sample([("uid-1", "t", sleeper.pid)]) == []
    assert sampler._procs == {}


def test_long_command_lines_are_truncated() -> None:
    code = "import time; time.sleep(30)  # " + "x" * 400
    proc = subprocess.Popen([sys.executable, "-c", code])
    try:
        wait_for(lambda: exec_done(proc.pid))
        rows = RunProcessSampler().sample([("uid-1", "t", proc.pid)])
        assert len(rows[0].cmdline) == CMDLINE_MAX
        assert rows[0].cmdline.endswith("…")
    finally:
        proc.kill()
        proc.wait(timeout=5)
