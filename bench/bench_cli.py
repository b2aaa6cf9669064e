"""Target: the command line (issue 13). `taskrun --help`, `taskrun runs --limit 20` and
`taskrun run noop` queued to a serving daemon (both done by the daemon over its command socket:
cli/thin_client.py), each as a median of 7 against the venv's bare
`python -c pass` in the same run (<= x3); 100 separate `taskrun run noop` calls to a serving
daemon until all have finished (<= 8 s), the runs starting while the calls still arrive."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from bench.common import INSTALLED_ENV, Result, median_of, report, scratch_dir, timed

CALLS = 100


def _cli(d: str) -> list[str]:
    return [sys.executable, "-m", "taskrun_gui.cli", "--data-dir", d]


ENV = INSTALLED_ENV


def _quiet(argv: list[str]) -> None:
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)


def _daemon(d: str) -> subprocess.Popen[bytes]:
    """A daemon serving `d`, returned once it holds the host lock (its pid is in the file)."""
    proc = subprocess.Popen([*_cli(d), "daemon"], stderr=subprocess.DEVNULL, env=ENV)
    lock = Path(d, "locks", "host.lock")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if lock.read_text().split()[0] == str(proc.pid):
                return proc
        except (OSError, IndexError):
            pass
        time.sleep(0.02)
    proc.kill()
    raise RuntimeError("the daemon did not start serving")


def _finished(d: str) -> tuple[int, float | None]:
    """How many runs have finished, and when the first one started (unix seconds)."""
    con = sqlite3.connect(f"file:{d}/taskrun.db?mode=ro", uri=True)
    try:
        done = con.execute(
            "SELECT count(*) FROM run WHERE status NOT IN ('queued', 'running')"
        ).fetchone()[0]
        first = con.execute("SELECT min(started_at) FROM run").fetchone()[0]
    finally:
        con.close()
    return done, (first / 1000 if first else None)


def _calls_to_daemon(d: str) -> tuple[float, float, bool, float]:
    """(median of 7 single `run noop` calls, seconds for CALLS calls until all finished,
    whether the first run started before the last call was made, median of 7 `runs --limit
    20` the daemon serves)."""
    proc = _daemon(d)
    try:
        single = median_of(7, lambda: timed(lambda: _quiet([*_cli(d), "run", "noop"])))
        while _finished(d)[0] < 7:
            time.sleep(0.01)
        start = time.perf_counter()
        began_wall = time.time()
        last_call = 0.0
        for _ in range(CALLS):
            last_call = time.time()
            _quiet([*_cli(d), "run", "noop"])
        while _finished(d)[0] < CALLS + 7:
            time.sleep(0.01)
        elapsed = time.perf_counter() - start
        con = sqlite3.connect(f"file:{d}/taskrun.db?mode=ro", uri=True)
        first = con.execute("SELECT min(started_at) FROM run WHERE id > 7").fetchone()[0]
        con.close()
        overlapped = first is not None and began_wall <= first / 1000 < last_call
        runs = median_of(7, lambda: timed(lambda: _quiet([*_cli(d), "runs", "--limit", "20"])))
        return single, elapsed, overlapped, runs
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def run() -> list[Result]:
    d = scratch_dir()
    _quiet([*_cli(d), "task", "add", "noop", "--command", "true", "--argv"])
    _quiet([*_cli(d), "runs"])  # its bytecode written, as after the first use
    bare = median_of(7, lambda: timed(lambda: _quiet([sys.executable, "-c", "pass"])))
    helps = median_of(7, lambda: timed(lambda: _quiet([*_cli(d), "--help"])))
    # the floor of every command that opens a store: peewee's import (it imports psycopg2,
    # when installed, at its own import)
    orm = median_of(7, lambda: timed(lambda: _quiet([sys.executable, "-c", "import peewee"])))
    single, hundred, overlapped, runs = _calls_to_daemon(d)
    # with no host to ask, in this process: the store opened, the ORM imported
    alone = median_of(7, lambda: timed(lambda: _quiet([*_cli(d), "runs", "--limit", "20"])))
    print(
        f"cli: python -c pass {bare * 1000:.0f} ms; --help {helps * 1000:.0f} ms "
        f"(x{helps / bare:.1f}); run noop to a daemon {single * 1000:.0f} ms "
        f"(x{single / bare:.1f}); runs --limit 20 {runs * 1000:.0f} ms (x{runs / bare:.1f}), "
        f"with no host {alone * 1000:.0f} ms (x{alone / bare:.1f}); "
        f"{CALLS} calls until all finished {hundred:.2f} s, runs started while calls "
        f"arrived: {'yes' if overlapped else 'no'} (pid {os.getpid()})"
    )
    rows = []
    for name, secs in (
        ("--help", helps),
        ("run noop (to a daemon)", single),
        ("runs --limit 20 (daemon)", runs),
    ):
        rows.append(
            Result(
                f"7. taskrun {name}",
                f"{secs * 1000:.0f} ms = x{secs / bare:.1f} python -c pass",
                "<= x3 python -c pass",
                secs / bare <= 3,
            )
        )
    rows.append(
        Result(
            "7d. taskrun runs --limit 20, no host",
            f"{alone * 1000:.0f} ms = x{alone / bare:.1f} python -c pass",
            "(reported: in-process)",
            True,
        )
    )
    rows.append(
        Result(
            "7c. of it: python -c 'import peewee'",
            f"{orm * 1000:.0f} ms = x{orm / bare:.1f} python -c pass",
            "(reported)",
            True,
        )
    )
    rows.append(
        Result(
            f"7b. {CALLS} x taskrun run noop, until done",
            f"{hundred:.2f} s, overlapped: {'yes' if overlapped else 'no'} "
            f"(floor: {CALLS} x python -c pass = {CALLS * bare:.2f} s)",
            "<= 8 s, overlapped",
            hundred <= 8 and overlapped,
        )
    )
    return rows


if __name__ == "__main__":
    report(run())
