"""Remote runs when the network is slow, silent or partitioned: a TCP proxy on 127.0.0.1 in
front of the test sshd holds connections, or freezes them, on the test's word."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.core.models import ErrorType, RunStatus
from taskrun_gui.engine.logsink import LogSink
from taskrun_gui.engine.remote import connections, session
from taskrun_gui.engine.remote.plan import RemoteStep
from taskrun_gui.engine.supervise import RunControl
from tests.e2e.cli import popen_taskrun, reaped, taskrun, taskrun_json
from tests.e2e.remote import sshd
from tests.e2e.remote.conftest import add_host
from tests.e2e.remote.proxy import Proxy
from tests.e2e.remote.sshd import Sshd
from tests.e2e.remote.test_remote_runs import (
    _env,
    _started,
    _survivors,
    _tree_line,
    token,  # noqa: F401  (the fixture)
)
from tests.helpers import add_task, shell_task, wait_for


@pytest.fixture
def proxy(ssh_server: Sshd) -> Iterator[Proxy]:
    p = Proxy(ssh_server.port).start()
    yield p
    p.stop()


@pytest.fixture
def slow_db1(hosts: Path, proxy: Proxy) -> Proxy:
    """db1 reached through the proxy (held until the test lets it forward)."""
    with sqlite3.connect(hosts / "taskrun.db") as db:
        db.execute("UPDATE host SET port = ? WHERE name = 'db1'", (proxy.port,))
    return proxy


def _status(data: Path) -> str:
    runs = taskrun_json(data, "runs", "--json")
    return runs[0]["status"] if runs else ""


def test_cancel_while_connecting_never_starts_the_job(tmp_path, store, hosts, ssh_home, slow_db1):
    marker = tmp_path / "ran"
    add_task(store, shell_task("late", f"touch {marker}"))
    with reaped(
        popen_taskrun(hosts, "run", "late", "--on", "db1", "--wait", "--json", **_env(ssh_home))
    ) as proc:
        wait_for(lambda: slow_db1.accepted == 1, timeout=30)
        wait_for(lambda: _status(hosts) == "running", timeout=30)  # not `queued` meanwhile
        [run] = taskrun_json(hosts, "runs", "--json")
        assert run["host"] == "db1"
        assert taskrun(hosts, "cancel", str(run["id"])).returncode == 0
        out, err = proc.communicate(timeout=60)
    [run] = json.loads(out)
    assert (run["status"], run["error_type"]) == ("cancelled", "cancelled"), err
    assert "before it started on db1" in run["error_message"]
    wait_for(lambda: slow_db1.gave_up == 1, timeout=10)  # the attempt was dropped
    slow_db1.forward.set()
    assert not marker.exists()


def test_runs_queued_behind_a_failing_connect_share_its_failure(store, hosts, ssh_home, slow_db1):
    add_task(store, shell_task("many", "true", max_concurrent=3))
    env = {**_env(ssh_home), "TASKRUN_SSH_CONNECT_TIMEOUT": "1"}
    res = taskrun(hosts, "run", "many", "--on", "db1", "--repeat", "3", "--wait", "--json", **env)
    runs = json.loads(res.stdout)
    assert [(r["status"], r["error_type"]) for r in runs] == [("error", "connection")] * 3
    assert all("no answer" in r["error_message"] for r in runs), runs
    assert slow_db1.accepted == 1  # one attempt, not one per waiting run


def _host(server: Sshd, port: int) -> HostDef:
    user = "root" if os.geteuid() == 0 else None
    key = Path(f"{server.host_key}.pub").read_text().strip()
    return HostDef("held", "127.0.0.1", user, port, str(server.client_key), [], key)


@pytest.fixture
def pool() -> Iterator[connections.ConnectionPool]:
    """The process's SSH pool, for a test calling the engine in-process; closed after."""
    yield connections.POOL
    connections.POOL.close()


def test_giving_up_on_a_slow_host_drops_the_attempt_and_its_session(
    tmp_path, ssh_server, proxy, monkeypatch, pool
):
    monkeypatch.setattr(session, "OPEN_TIMEOUT_S", 0.5)
    uid = uuid.uuid4().hex
    marker = tmp_path / "ran"
    step = RemoteStep(
        ["/bin/sh", "-c", f"touch {marker}"], {"TASKRUN_RUN_UID": uid}, "", None, None
    )
    sink = LogSink(tmp_path / "log", [])
    try:
        out = session.run_remote(_host(ssh_server, proxy.port), step, sink, RunControl(), uid)
    finally:
        sink.close()
    assert (out.status, out.error_type) == (RunStatus.ERROR, ErrorType.CONNECTION)
    wait_for(lambda: proxy.gave_up == 1, timeout=10)
    proxy.forward.set()
    users = [p.users for ps in pool._conns.values() for p in ps]
    assert sum(users) == 0 and not marker.exists()


@pytest.fixture
def tight_server(tmp_path_factory: pytest.TempPathFactory, ssh_server: Sshd) -> Iterator[Sshd]:
    """A second sshd that allows 2 sessions per connection (a CIS-hardened MaxSessions)."""
    server = sshd.start(tmp_path_factory.mktemp("tight"), max_sessions=2)
    yield server
    sshd.stop(server)


def test_a_server_allowing_fewer_sessions_gets_more_connections(
    tmp_path, store, hosts, ssh_home, tight_server
):
    add_host(hosts, ssh_home, tight_server, "tight")
    here = tmp_path / "up"
    here.mkdir()
    together = (  # each run waits until all four are up at once
        f'touch {here}/"$TASKRUN_RUN_UID"; n=0; up() {{ [ "$(ls {here} | wc -l)" -ge 4 ]; }}; '
        "until up || [ $n -ge 600 ]; do sleep 0.05; n=$((n+1)); done; up"
    )
    add_task(store, shell_task("four", together, max_concurrent=4))
    res = _run_json(hosts, ssh_home, "four", "--on", "tight", "--repeat", "4", "--parallel", "4")
    assert [r["status"] for r in res] == ["success"] * 4, [r["error_message"] for r in res]
    wait_for(lambda: tight_server.accepted_logins() >= 2, timeout=10)  # the log may lag
    assert tight_server.accepted_logins() == 2


def _run_json(data: Path, home: Path, *args: str) -> list[dict]:
    res = taskrun(
        data, "--workers", "4", "run", *args, "--wait", "--json", timeout=120, **_env(home)
    )
    return json.loads(res.stdout)


def test_a_partition_fails_the_run_and_the_wrapper_stops_the_tree(
    tmp_path,
    store,
    hosts,
    ssh_home,
    slow_db1,
    token,  # noqa: F811
):
    slow_db1.forward.set()
    add_task(store, shell_task("cut", _tree_line(tmp_path, token), retries=0))
    with reaped(
        popen_taskrun(hosts, "run", "cut", "--on", "db1", "--wait", "--json", **_env(ssh_home))
    ) as proc:
        wait_for(lambda: _started(tmp_path) and len(_survivors(token)) >= 3, timeout=30)
        slow_db1.frozen.set()  # nothing passes either way, nothing is closed: sshd sees no end
        out, err = proc.communicate(timeout=60)
    [run] = json.loads(out)
    assert (run["status"], run["error_type"]) == ("failed", "connection"), err
    wait_for(lambda: not _survivors(token), timeout=30)  # no pings: the wrapper stopped it
