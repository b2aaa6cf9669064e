"""`taskrun run T` and `taskrun runs` done by the daemon serving the data dir, over its command
socket (cli/thin_client.py, cli/thin_host.py): the same bytes and exit codes as the command in
its own process, without the ORM imported; the old way when the daemon is gone; a run queued
through the socket is in the store before the reply."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.core.models import Param, RunStatus
from taskrun_gui.engine.command_socket import socket_path
from taskrun_gui.engine.locks import host_alive, host_pid
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from tests.e2e.cli import popen_taskrun, reaped
from tests.e2e.cli import taskrun_marked as call
from tests.helpers import add_task, py_task, shell_task, wait_for

IN_PROCESS = {"TASKRUN_NO_COMMAND_SOCKET": "1"}


def start_daemon(data: Path) -> subprocess.Popen[str]:
    proc = popen_taskrun(data, "daemon")
    wait_for(
        lambda: (
            proc.poll() is not None
            or (host_pid(data / "locks") == proc.pid and socket_path(data / "locks").exists())
        ),
        timeout=30,
    )
    assert proc.poll() is None, proc.communicate()
    return proc


def stop(proc: subprocess.Popen[str]) -> None:
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=30)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    store = Store(data).open()
    add_task(store, shell_task("noop", "true"))
    add_task(store, py_task("greet", "print('hi')", params=[Param("who", required=True)]))
    store.close()
    with reaped(start_daemon(data)) as proc:
        yield data
        stop(proc)


def finished(data: Path, count: int) -> bool:
    store = Store(data).open()
    try:
        recs = runs_repo.page_before(runs_repo.RunFilter(), None, 1000)
        return len(recs) == count and all(r.status.is_final for r in recs)
    finally:
        store.close()


SAME_FORMS = [
    ("runs", "--limit", "20"),
    ("runs", "--json"),
    ("runs", "--task", "noop", "--status", "success"),
    ("run", "nope"),  # no such task
    ("run", "noop", "--param", "x=1"),  # undeclared
    ("run", "noop", "--param", "novalue"),  # not K=V
    ("run", "greet"),  # a required parameter missing
    ("run", "noop", "--repeat", "0"),  # the parser's range
    ("runs", "--status", "bogus"),
    ("runs", "--task", "nope"),
    ("runs", "--limit", "0"),
    ("runs", "--host", "nohost"),
    ("runs", "--bogus"),
]


def test_run_and_runs_forms_print_what_they_print_in_their_own_process(served: Path) -> None:
    res, how = call(served, "run", "noop", "--repeat", "2")
    assert (res.returncode, how) == (0, "thin"), res.stderr
    assert res.stdout == b"run 1 of 'noop' queued\nrun 2 of 'noop' queued\n"
    assert res.stderr == b""
    res, how = call(served, "run", "noop", **IN_PROCESS)
    assert (res.returncode, how, res.stdout) == (0, "own", b"run 3 of 'noop' queued\n")
    wait_for(lambda: finished(served, 3), timeout=30)
    for form in SAME_FORMS:
        thin, how = call(served, *form)
        assert how == "thin", form
        mine, how = call(served, *form, **IN_PROCESS)
        assert how == "own", form
        assert (thin.returncode, thin.stdout, thin.stderr) == (
            mine.returncode,
            mine.stdout,
            mine.stderr,
        ), form
    assert call(served, "runs", "--bogus")[0].returncode == 2
    refused = call(served, "run", "nope")[0]
    assert (refused.returncode, refused.stderr) == (1, b"taskrun: no task named 'nope'\n")


def test_forms_the_host_does_not_serve_are_done_in_the_callers_process(served: Path) -> None:
    res, how = call(served, "run", "greet", "--param", "who=x", "--wait")
    assert (res.returncode, how) == (0, "own"), res.stderr
    assert re.fullmatch(rb"run 1 of 'greet': success in \d+\.\d\d s\n", res.stdout)
    assert call(served, "runs", "--help")[1] == "own"
    assert call(served, "--data-dir", str(served), "runs")[1] == "thin"
    assert call(served, "runs", TASKRUN_NODE="elsewhere")[1] == "own"  # not the host's node


def test_a_stale_socket_is_passed_over(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(data).open()
    add_task(store, shell_task("noop", "true"))
    store.close()
    proc = start_daemon(data)
    proc.kill()  # no time to remove its socket
    proc.communicate(timeout=30)
    assert socket_path(data / "locks").exists() and not host_alive(data / "locks")
    res, how = call(data, "runs")
    assert (res.returncode, how) == (0, "own"), res.stderr
    assert res.stdout.startswith(b"ID  TASK")


def test_a_run_queued_through_the_socket_survives_the_daemon_killed_after_the_reply(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    store = Store(data).open()
    add_task(store, py_task("slow", "import time; time.sleep(2)"))
    store.close()
    proc = start_daemon(data)
    with reaped(proc):
        res, how = call(data, "run", "slow", "--repeat", "3")
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=30)
    assert (res.returncode, how) == (0, "thin"), res.stderr
    assert res.stdout.count(b"queued\n") == 3
    store = Store(data).open()
    try:
        ids = [r.id for r in runs_repo.page_before(runs_repo.RunFilter(), None, 10)]
    finally:
        store.close()
    assert sorted(ids) == [1, 2, 3]  # written before the reply
    with reaped(start_daemon(data)) as again:
        wait_for(lambda: finished(data, 3), timeout=60)
        stop(again)
    store = Store(data).open()
    try:
        statuses = {r.status for r in runs_repo.page_before(runs_repo.RunFilter(), None, 10)}
    finally:
        store.close()
    assert RunStatus.SUCCESS in statuses  # the ones still queued at the kill ran after it


@pytest.mark.skipif(os.getuid() != 0, reason="needs another uid to listen as")
def test_a_socket_of_another_user_is_not_asked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    Store(data).open().close()
    locks = data / "locks"
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # a server of another user, greeting and answering as a host would
        try:
            _lying_server(socket_path(locks), ready_w)
        finally:
            os._exit(0)
    os.close(ready_w)
    try:
        assert os.read(ready_r, 1) == b"!"
        res, how = call(data, "runs")
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(ready_r)
    assert (res.returncode, how) == (0, "own"), res.stderr
    assert b"EVIL" not in res.stdout


def _lying_server(path: Path, ready: int) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.bind(str(path))  # as root: its folders are root's
        os.setuid(65534)
        s.listen(1)  # the credentials a client sees are the listener's at this call
        os.write(ready, b"!")
        conn, _ = s.accept()
        conn.sendall(b'{"taskrun": 1}\n')
        conn.recv(65536)
        conn.sendall(b'{"code": 0, "out": 5, "err": 0}\nEVIL\n')
