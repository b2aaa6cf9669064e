"""A host killed with SIGKILL while its run has an escapee (a double fork into a new session
with an empty environment): the next `taskrun` marks the run interrupted and stops the
escapee too, though by then it is nobody's descendant and carries no marker."""

from __future__ import annotations

import json
import os
import shlex
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage.db import Store
from tests.e2e.cli import popen_taskrun, taskrun
from tests.e2e.escapees import PY, Tags, double_fork_code, logged, survivors, tags_for_a_test

GRACE = {"TASKRUN_KILL_GRACE": "0.2"}


@pytest.fixture
def tags() -> Iterator[Tags]:
    yield from tags_for_a_test()


def _until(condition, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def _escapee_in_log(data: Path) -> int | None:
    for log in data.glob("logs/*/*.log"):
        for line in logged(log).decode().splitlines():
            if line.startswith("escapee "):
                return int(line.split()[1])
    return None


def _start_host(data: Path, kind: str):
    if kind == "run --wait":
        return popen_taskrun(data, "run", "esc", "--wait", **GRACE)
    daemon = popen_taskrun(data, "daemon", **GRACE)
    _until(
        lambda: host_alive(data / "locks") and host_pid(data / "locks") == daemon.pid,
        "the daemon did not start",
    )
    res = taskrun(data, "run", "esc")
    assert res.returncode == 0, res.stderr
    return daemon


@pytest.mark.parametrize("kind", ["run --wait", "daemon"])
def test_kill_9_of_the_host_still_stops_the_escapee(tmp_path, tags, kind):
    data = tmp_path / "data"
    Store(data).open().close()
    tag, pidfile = tags.new(), tmp_path / "escapee.pid"
    script = tmp_path / "escape.py"
    script.write_text(double_fork_code(tag, pidfile, "time.sleep(300)"))
    command = shlex.join([PY, str(script), tag])
    added = taskrun(data, "task", "add", "esc", "--command", command, "--argv")
    assert added.returncode == 0, added.stderr
    host = _start_host(data, kind)
    try:
        # in the log means known to the host, and in its pids file, by then
        _until(lambda: _escapee_in_log(data) is not None, "the escapee never showed")
        escapee = _escapee_in_log(data)
        assert escapee is not None
        assert psutil.Process(escapee).environ() == {}  # no marker to find it by
        os.kill(host.pid, signal.SIGKILL)
        host.communicate(timeout=10)
    finally:
        if host.poll() is None:
            host.kill()
            host.communicate(timeout=10)
    tags.pids.update(survivors(tag))  # to reap, if they were reparented to this process
    assert escapee in survivors(tag)  # the host's death did not end it
    res = taskrun(data, "runs", "--json", **GRACE)  # any command recovers: no host is alive
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)
    assert [r["status"] for r in runs] == ["interrupted"]
    assert survivors(tag) == []
    assert list((data / "tmp").glob("*.pids")) == []
