"""A capped log survives its host's crash whole (head, note, kept tail, nothing left beside
it), and `taskrun log --follow` shows a capped run's output past the head while it runs."""

from __future__ import annotations

import time
from pathlib import Path

from tests.e2e.cli import popen_taskrun, taskrun, taskrun_json

LAST = "THE-LAST-LINE-BEFORE-THE-SLEEP"
CHATTY = (
    "python3 -c \"import sys, time; [print('line %06d' % i) for i in range(20000)]; "
    f"print('{LAST}', flush=True); time.sleep(120)\""
)


def _gated(gate: Path) -> str:
    """4000 lines of 93 bytes, in two parts: the first 500 (past the 32 KiB head, under the
    64 KiB cap), then a wait for `gate` (the test has seen them while the run runs), then
    the rest (the cap drops most of it) and DONE. The gate, not a pace the run keeps, is
    what makes "while it runs" hold on a machine of any speed or load."""
    line = "print('line %06d ' % i + 'x' * 80, flush=True)"
    return (
        f'python3 -c "import os, time; [{line} for i in range(500)]; '
        f"[time.sleep(0.01) for _ in iter(lambda: os.path.exists('{gate}'), True)]; "
        f"[{line} for i in range(500, 4000)]; print('DONE')\""
    )


def _wait_for(what: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not what():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _tails(data: Path) -> list[Path]:
    return list((data / "logs").rglob("*.tail-*"))


def _in_a_tail(data: Path, text: bytes) -> bool:
    """Whether a kept tail segment holds `text`; one the writer let go of between the
    listing and the read (it keeps the newest segments only) holds nothing."""
    for path in _tails(data):
        try:
            if text in path.read_bytes():
                return True
        except FileNotFoundError:
            continue
    return False


def test_a_host_killed_mid_run_leaves_its_whole_tail_in_the_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    res = taskrun(data, "task", "add", "chatty", "--command", CHATTY, "--log-cap", "64K")
    assert res.returncode == 0, res.stderr
    host = popen_taskrun(data, "run", "chatty", "--wait")  # the host of its own run
    try:
        _wait_for(lambda: _in_a_tail(data, LAST.encode()))
        host.kill()
        host.wait(10)
    finally:
        if host.poll() is None:
            host.kill()
        host.communicate()
    shown = taskrun(data, "log", "1")  # recovers the dead host's run first
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.endswith(f"{LAST}\n")
    assert shown.stdout.startswith("line 000000\n")
    (run,) = taskrun_json(data, "runs", "--json")
    assert run["status"] == "interrupted"
    dropped = run["log_dropped_bytes"]
    note = f"[taskrun: {dropped} bytes of output not kept here: the log is capped at 65536 bytes]"
    assert dropped > 0 and note in shown.stdout
    assert _tails(data) == []


def test_cleanup_deletes_the_tail_segments_with_the_log(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "t", "--command", "echo hi").returncode == 0
    assert taskrun(data, "run", "t", "--wait").returncode == 0
    (run,) = taskrun_json(data, "runs", "--json")
    log = Path(str(run["log_path"]))
    left = log.with_name(log.name + ".tail-3")  # a segment a full disk kept beside it
    left.write_bytes(b"x" * 100)
    res = taskrun(data, "cleanup", "--keep-per-task", "1", "--older-than", "0.000001")
    assert res.returncode == 0, res.stderr
    assert not log.exists() and not left.exists()


def test_follow_shows_a_capped_runs_output_past_the_head_while_it_runs(tmp_path: Path) -> None:
    data, gate = tmp_path / "data", tmp_path / "go"
    res = taskrun(data, "task", "add", "slow", "--command", _gated(gate), "--log-cap", "64K")
    assert res.returncode == 0, res.stderr
    host = popen_taskrun(data, "run", "slow", "--wait")
    follower = None
    try:
        _wait_for(lambda: bool(taskrun_json(data, "runs", "--json")))
        follower = popen_taskrun(data, "log", "1", "--follow")
        assert follower.stdout is not None
        seen = ""
        while len(seen) < 40_000:  # the head is 32 KiB: this is past it
            line = follower.stdout.readline()
            assert line, "the follower stopped"
            seen += line
        (run,) = taskrun_json(data, "runs", "--json")
        assert run["status"] == "running", "the run ended before the follower got there"
        gate.touch()
        rest = follower.communicate(timeout=120)[0]
        assert (seen + rest).endswith("DONE\n")
        host.communicate(timeout=60)  # the run is over: its host leaves by itself
    finally:
        gate.touch()  # a failed test lets the run end too
        for proc in (follower, host):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert host.returncode == 0
