"""Several machines on one PostgreSQL history, for the multi-node tests: `taskrun daemon`s
on one database URL, each with a data dir of its own (standing in for a machine), and the
CLI run as one of them."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg2

from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage.db import Store
from tests.e2e.cli import popen_taskrun, taskrun
from tests.pg_server import DBNAME, ROLE, PgServer


@dataclass
class Machines:
    url: str
    dirs: dict[str, Path]
    daemons: dict[str, subprocess.Popen[str]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # for every daemon and command

    def start(self, node: str, *options: str) -> None:
        data = self.dirs[node]
        Store(data, self.url).open().close()  # its folders (locks/) before the daemon
        proc = popen_taskrun(data, "--db", self.url, "--node", node, *options, "daemon", **self.env)
        self.daemons[node] = proc
        deadline = time.monotonic() + 20
        while not (host_alive(data / "locks") and host_pid(data / "locks") == proc.pid):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"the daemon of {node} did not start"
            time.sleep(0.05)

    def cli(self, node: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return taskrun(
            self.dirs[node], "--db", self.url, "--node", node, *args, timeout=timeout, **self.env
        )

    def popen_cli(self, node: str, *args: str) -> subprocess.Popen[str]:
        return popen_taskrun(self.dirs[node], "--db", self.url, "--node", node, *args, **self.env)

    def stop_all(self) -> None:
        """SIGTERM to each daemon still there, as a user stops one (a stopped one is let go
        on first), and its exit awaited."""
        for proc in self.daemons.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
                proc.send_signal(signal.SIGTERM)
                proc.communicate(timeout=30)


@contextlib.contextmanager
def machines_on(
    url: str,
    root: Path,
    serving: tuple[str, ...],
    names: tuple[str, ...] = ("alpha", "beta"),
    env: dict[str, str] | None = None,
) -> Iterator[Machines]:
    """`names`, each a data dir of its own under `root`; a daemon for each node in
    `serving`, all stopped when the block ends."""
    m = Machines(url, {n: root / n for n in names}, {}, dict(env or {}))
    try:
        for node in serving:
            m.start(node)
        yield m
    finally:
        m.stop_all()


def watchdog_of(daemon: subprocess.Popen[str]) -> psutil.Process | None:
    """The daemon's run watchdog (engine/run_watchdog.py), once it has one."""
    for child in psutil.Process(daemon.pid).children():
        if "taskrun_gui.engine.run_watchdog" in child.cmdline():
            return child
    return None


def gone(pid: int) -> bool:
    """Not running: no such process, or a zombie (a subreaper test process that ran tasks
    itself adopts the orphans of a killed daemon and does not reap them)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def rows(pg: PgServer, sql: str) -> list[tuple[object, ...]]:
    """What `sql` finds in the session's database, on a connection of the test's own."""
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user=ROLE, dbname=DBNAME)
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return list(cur.fetchall())
    finally:
        conn.close()
