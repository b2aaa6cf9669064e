"""The PostgreSQL server going away under a working node: runs go on executing, their records
wait in the writer's journal and are written once when the server is back (no lost finish,
no second row), the user is told once that the store fails and once that it is back, and a
CLI command that needs the history says in one line why it cannot have it. Each test stops
a server of its own (the session's shared one is never stopped); it keeps what it
acknowledged through an immediate stop, as a real server does (synchronous_commit on)."""

from __future__ import annotations

import json
import signal
import subprocess
import threading
from pathlib import Path

from taskrun_gui.core.models import RunStatus
from taskrun_gui.engine.host_events import HostEvent, RunFinished, StoreHealth
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.engine.serving import ThreadHost
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.pg_backend import POSTGRES
from tests import pg_server
from tests.e2e.cli import ended, gated_line, popen_taskrun, reaped, taskrun
from tests.helpers import add_task, read_log, shell_task, wait_for

NOW_MS = POSTGRES.now_ms_sql()
BURST = 60
FAILING = "history store failing ("
BACK = "taskrun: the history store accepts writes again"
# two lines with a pause between: a run cut short by the outage would miss the second
TWO_LINES = 'echo "start $TASKRUN_RUN_UID"; sleep 0.2; echo "end $TASKRUN_RUN_UID"; exit 3'


def _count(server: pg_server.PgServer, where: str) -> int:
    return int(server.query(f"SELECT count(*) FROM run WHERE {where}")[0][0])  # type: ignore[call-overload]


def _finished_logs(data: Path) -> int:
    return sum(1 for p in (data / "logs").rglob("*.log") if b"end " in p.read_bytes())


def _one_line_refusal(res: subprocess.CompletedProcess[str], url: str) -> None:
    assert res.returncode == 1
    assert "Traceback" not in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith(f"taskrun: cannot use the history database {url}: "), res.stderr
    assert pg_server.PASSWORD not in res.stderr


def test_a_database_restart_mid_burst_loses_and_doubles_nothing(
    tmp_path: Path, own_pg: pg_server.PgServer
) -> None:
    url, data = own_pg.url, tmp_path / "node"
    added = taskrun(data, "--db", url, "task", "add", "burst", "--command", TWO_LINES)
    assert added.returncode == 0, added.stderr
    with reaped(popen_taskrun(data, "--db", url, "daemon")) as daemon:
        wait_for(lambda: host_alive(data / "locks") and host_pid(data / "locks") == daemon.pid, 30)
        queued = taskrun(data, "--db", url, "run", "burst", "--repeat", str(BURST), "--json")
        assert queued.returncode == 0, queued.stderr
        ids = {r["id"] for r in json.loads(queued.stdout)}
        wait_for(lambda: _count(own_pg, "status = 'failed'") >= 5, 60)
        own_pg.stop("immediate")  # as a crash: nobody is told, connections just break
        before = _finished_logs(data)
        wait_for(lambda: _finished_logs(data) > before, 60)  # runs go on meanwhile
        for args in (["run", "burst"], ["runs"]):
            _one_line_refusal(taskrun(data, "--db", url, *args), url)
        own_pg.start_again()
        back_at = int(own_pg.query(f"SELECT {NOW_MS}")[0][0])  # type: ignore[call-overload]
        wait_for(lambda: _count(own_pg, "status = 'failed'") >= BURST, 90)
        beat = f"SELECT count(*) FROM node WHERE heartbeat_at > {back_at}"
        wait_for(lambda: own_pg.query(beat) == [(1,)], 30)  # its heartbeat goes on too
        daemon.send_signal(signal.SIGTERM)
        _out, err = daemon.communicate(timeout=60)
    rows = own_pg.query("SELECT id, status, exit_code, uid, log_path FROM run")
    assert sorted(int(r[0]) for r in rows) == sorted(ids)  # type: ignore[call-overload]
    assert {(r[1], r[2]) for r in rows} == {("failed", 3)}  # each once, with its exit code
    for _id, _status, _code, uid, log_path in rows:
        assert read_log(str(log_path)) == f"start {uid}\nend {uid}\n".encode()
    assert "Traceback" not in err, err
    told = [line for line in err.splitlines() if FAILING in line or line == BACK]
    assert len(told) == 2 and FAILING in told[0] and told[1] == BACK, err
    assert list((data / "spool").iterdir()) == []  # everything written, nothing left over


def _health(events: list[HostEvent]) -> list[bool]:
    return [e.ok for e in events if isinstance(e, StoreHealth)]


def test_a_run_started_while_the_database_is_down_runs_and_is_recorded_when_it_is_back(
    tmp_path: Path, own_pg: pg_server.PgServer
) -> None:
    """The window's Run button (the engine host in this process) with the server away."""
    store = Store(tmp_path / "node", own_pg.url).open()
    task = add_task(store, shell_task("t", 'echo "ran $TASKRUN_RUN_UID"; exit 4'))
    host = ThreadHost(store, workers=1)
    events: list[HostEvent] = []
    host.listeners.append(events.append)
    assert host.try_serve()
    home = threading.Thread(target=host.home.run, daemon=True)
    home.start()
    queued = []
    try:
        # its first heartbeat is in: the writer's connection is open when the server goes
        wait_for(lambda: own_pg.query("SELECT count(*) FROM node") == [(1,)], 30)
        own_pg.stop("fast")
        host.home.call_soon(
            lambda: queued.extend(host.executor.enqueue(task.id, task.version, task.spec))
        )
        wait_for(lambda: any(isinstance(e, RunFinished) for e in events), 30)
        [rec] = queued
        assert read_log(rec.log_path) == f"ran {rec.uid}\n".encode()  # executed meanwhile
        own_pg.start_again()
        recorded = "SELECT status, exit_code FROM run WHERE uid = %s"
        wait_for(lambda: own_pg.query(recorded, (rec.uid,)) == [(str(RunStatus.FAILED), 4)], 30)
        assert _health(events)[-1:] in ([], [True])  # not left saying the store fails
        shipped = "SELECT count(*) FROM run_output WHERE run_uid = %s"
        wait_for(lambda: own_pg.query(shipped, (rec.uid,)) == [(1,)], 30)  # its output too
    finally:
        host.home.stop()
        home.join(10)
        host.close()
        store.close()
    told = [e for e in events if isinstance(e, StoreHealth) and not e.ok]
    assert all("\n" not in t.message and t.message for t in told)  # one line: libpq's first


def test_run_wait_waits_through_a_database_restart(
    tmp_path: Path, own_pg: pg_server.PgServer
) -> None:
    """`run --wait` on a run another process serves: the server away for a while is waited
    for, said once, and the wait ends with the run's own outcome (it ended with exit 1)."""
    url, data = own_pg.url, tmp_path / "node"
    line, gate, started = gated_line(tmp_path)
    assert taskrun(data, "--db", url, "task", "add", "held", "--command", line).returncode == 0
    with reaped(popen_taskrun(data, "--db", url, "daemon")) as daemon:
        wait_for(lambda: host_alive(data / "locks") and host_pid(data / "locks") == daemon.pid, 30)
        call = popen_taskrun(data, "--db", url, "run", "held", "--wait", "--json")
        with ended(call, gate) as waiting:
            wait_for(started.exists, 30)
            own_pg.stop("fast")
            assert waiting.stderr is not None
            said = waiting.stderr.readline()
            assert said.startswith("taskrun: warning: the history store is out of reach ("), said
            assert "\n" not in said[:-1] and waiting.poll() is None  # one line, still waiting
            own_pg.start_again()
            gate.touch()
            out, err = waiting.communicate(timeout=90)
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    assert waiting.returncode == 0, err
    [run] = json.loads(out)
    assert run["status"] == "success"
