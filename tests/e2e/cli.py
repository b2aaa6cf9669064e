"""Running the real `taskrun` command in a child process."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from taskrun_gui.engine.locks import host_alive, host_pid


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["TASKRUN_HOME"] = str(data_dir)
    env.pop("QT_QPA_PLATFORM", None)
    env.update(extra)
    return env


def taskrun(
    data_dir: Path, *args: str, timeout: float = 60, **extra: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "taskrun_gui.cli", *args],
        env=cli_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def taskrun_json(data_dir: Path, *args: str) -> Any:
    res = taskrun(data_dir, *args)
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def popen_taskrun(data_dir: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "taskrun_gui.cli", *args],
        env=cli_env(data_dir, **extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def start_daemon(data_dir: Path, *args: str, **extra: str) -> subprocess.Popen[str]:
    """`taskrun ARGS… daemon`, returned once it serves the data dir (its pid in the host
    lock, held): a command started before that may take the lock first and host its own
    runs, the daemon then refusing to serve. The lock file is read until then, not probed:
    a probe holding the lock at the daemon's try would be taken for another host."""
    proc = popen_taskrun(data_dir, *args, "daemon", **extra)
    deadline = time.monotonic() + 30
    while host_pid(data_dir / "locks") != proc.pid or not host_alive(data_dir / "locks"):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the daemon did not start serving"
        time.sleep(0.05)
    return proc


def one_line_refusal(res: subprocess.CompletedProcess[str], expected: str) -> None:
    """Refused as bad input should be: non-zero, one stderr line holding `expected`."""
    assert res.returncode != 0
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert expected in res.stderr, res.stderr


# `taskrun` itself, then whether this process imported the ORM or the parser (the thin path
# imports neither: the host parses and does the command)
WRAPPER = """
import os, sys
from taskrun_gui.cli import main
try:
    code = main(sys.argv[1:])
finally:  # a parser's refusal ends in SystemExit
    with open(os.environ["ORM_MARK"], "w") as f:
        own = {"peewee", "taskrun_gui.cli.parser"} & set(sys.modules)
        f.write("own" if own else "thin")
sys.exit(code)
"""


def taskrun_marked(
    data: Path, *args: str, **extra: str
) -> tuple[subprocess.CompletedProcess[bytes], str]:
    """The command's result as bytes, and "thin" or "own": how it was done."""
    mark = data.parent / "orm-mark"
    mark.unlink(missing_ok=True)
    res = subprocess.run(
        [sys.executable, "-c", WRAPPER, *args],
        env=cli_env(data, ORM_MARK=str(mark), **extra),
        capture_output=True,
        timeout=60,
    )
    return res, mark.read_text()


def gated_line(folder: Path) -> tuple[str, Path, Path]:
    """A shell line that says it started (touches `started`) and ends once `gate` exists:
    (line, gate, started)."""
    gate, started = folder / "gate", folder / "started"
    return f"touch {started}; while [ ! -e {gate} ]; do sleep 0.05; done; echo done", gate, started


@contextlib.contextmanager
def ended(proc: subprocess.Popen[str], gate: Path) -> Iterator[subprocess.Popen[str]]:
    """`proc` (a taskrun call whose run waits on `gate`) ended however the block ends: the
    gate opened, then the call killed if it still runs (a failing test)."""
    try:
        yield proc
    finally:
        gate.touch()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


@contextlib.contextmanager
def reaped(proc: subprocess.Popen[str]) -> Iterator[subprocess.Popen[str]]:
    """`proc` killed and waited for if the block leaves it running (a failing test)."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
