"""Target 7: runs on another machine over SSH, against a real sshd on 127.0.0.1 (the tests'
server: tests/e2e/remote/sshd.py).

- The overhead of a trivial remote run (`true` through the engine: wrapper, log, records) on
  a pooled connection, against `ssh host true` with the same key, both measured here, now:
  the ratio must stay under 1 (a run costs less than one plain `ssh` login).
- A batch of 100 runs on one host (`taskrun run --on H --repeat 100 --wait`) opens one
  connection (sshd's own log counts the logins)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import INSTALLED_ENV, Result, report, scratch_dir

N = 20
BATCH = 100


def _ssh_true(server: object, key: Path, port: int) -> float:
    user = "root@" if os.geteuid() == 0 else ""
    argv = ["ssh", "-i", str(key), "-p", str(port), "-o", "BatchMode=yes"]
    argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    argv += ["-o", "LogLevel=ERROR", f"{user}127.0.0.1", "true"]
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def _engine_runs(data: Path, host_name: str) -> list[float]:
    from taskrun_gui.core.models import TaskSpec, Trigger
    from taskrun_gui.engine import records
    from taskrun_gui.engine.remote.connections import POOL
    from taskrun_gui.engine.runner import RunHooks, RunJob, execute_run
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.writer import StoreWriter

    store = Store(data).open()
    writer = StoreWriter(store)
    spec = TaskSpec("trivial", command="true", interpreter="sh")
    with store.db.atomic():
        task = tasks_repo.create(spec)
    times = []
    try:
        for _ in range(N + 1):  # the first opens the connection: not counted
            rec = records.new_run(task.id, 1, spec, {}, Trigger.CLI, store.logs_dir)
            rec.host = host_name
            start = time.perf_counter()
            result = execute_run(RunJob(rec, spec), store, writer, RunHooks())
            times.append(time.perf_counter() - start)
            assert result.record.status == "success", result.record.error_message
    finally:
        POOL.close()
        writer.close()
        store.close()
    return times[1:]


def _add_host(data: Path, server: object, name: str) -> None:
    from taskrun_gui.core.hosts import HostDef
    from taskrun_gui.storage import hosts_repo
    from taskrun_gui.storage.db import Store

    store = Store(data).open()
    try:
        key = server.host_key.with_suffix(".pub").read_text().strip()  # type: ignore[attr-defined]
        user = "root" if os.geteuid() == 0 else None
        port = server.port  # type: ignore[attr-defined]
        ident = str(server.client_key)  # type: ignore[attr-defined]
        with store.db.atomic():
            hosts_repo.add(HostDef(name, "127.0.0.1", user, port, ident, [], key))
    finally:
        store.close()


def _batch_logins(data: Path, server: object) -> tuple[int, float]:
    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store

    store = Store(data).open()
    with store.db.atomic():
        tasks_repo.create(TaskSpec("batch", command="true", interpreter="sh", max_concurrent=4))
    store.close()
    before = server.accepted_logins()  # type: ignore[attr-defined]
    env = {**INSTALLED_ENV, "TASKRUN_HOME": str(data)}
    argv = [sys.executable, "-m", "taskrun_gui.cli", "run", "batch", "--on", "h1"]
    start = time.perf_counter()
    subprocess.run(
        [*argv, "--repeat", str(BATCH), "--wait"], env=env, check=True, capture_output=True
    )
    took = time.perf_counter() - start
    time.sleep(0.5)  # sshd's log line may come a moment after
    return server.accepted_logins() - before, took  # type: ignore[attr-defined]


def run() -> list[Result]:
    from tests.e2e.remote import sshd

    why = sshd.available()
    if why is not None:
        return [Result("remote run vs ssh true", f"skipped: {why}", "< 1.0x", False)]
    server = sshd.start(Path(scratch_dir()) / "sshd")
    try:
        data = Path(scratch_dir()) / "data"
        _add_host(data, server, "h1")
        ssh = statistics.median(_ssh_true(server, server.client_key, server.port) for _ in range(N))
        engine = statistics.median(_engine_runs(data, "h1"))
        logins, took = _batch_logins(data, server)
    finally:
        sshd.stop(server)
    ratio = engine / ssh
    print(f"   ssh host true: {ssh * 1000:.1f} ms; a remote run of `true`: {engine * 1000:.1f} ms")
    print(f"   {BATCH} runs on one host: {took:.1f} s, {logins} connection(s)")
    return [
        Result(
            "remote run `true` vs `ssh host true`",
            f"{engine * 1000:.0f} / {ssh * 1000:.0f} ms = {ratio:.2f}x",
            "< 1.0x",
            ratio < 1.0,
        ),
        Result(f"{BATCH} runs on one host: connections", str(logins), "1", logins == 1),
    ]


if __name__ == "__main__":
    report(run())
