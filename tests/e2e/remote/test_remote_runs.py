"""`taskrun run TASK --on …` against a real OpenSSH server (three hosts: aliases of it).

The targets are this machine, so the tests see what a remote run left: the bytes it wrote,
the processes still running (found by a token on their command line, as `ps` shows them)."""

from __future__ import annotations

import contextlib
import json
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.core.models import Param, Step, TaskKind, TaskSpec
from taskrun_gui.storage import runs_repo
from tests.e2e.cli import popen_taskrun, taskrun, taskrun_json
from tests.helpers import add_task, shell_task, wait_for

SLEEPER = """\
import pathlib, signal, sys, time
pathlib.Path(sys.argv[1]).touch()
if sys.argv[3:] == ["ignore-term"]:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
time.sleep(300)
"""


def _survivors(token: str) -> list[int]:
    found = []
    for p in psutil.process_iter(["cmdline"]):
        if token in " ".join(p.info["cmdline"] or []):
            found.append(p.pid)
    return found


@pytest.fixture
def token() -> Iterator[str]:
    """A token on the command line of a test's remote processes; what a failing test left
    running is killed afterwards (by pid)."""
    tok = f"tok-{uuid.uuid4().hex}"
    yield tok
    for pid in _survivors(tok):
        with contextlib.suppress(psutil.NoSuchProcess):
            psutil.Process(pid).kill()


def _tree_line(tmp_path: Path, token: str) -> str:
    """A shell line that starts a tree: a `setsid` escapee that ignores SIGTERM, a background
    child and a foreground one, each touching its file once up."""
    helper = tmp_path / "sleeper.py"
    helper.write_text(SLEEPER)
    d = tmp_path
    return (
        f"setsid python3 {helper} {d}/a {token} ignore-term & "
        f"python3 {helper} {d}/b {token} & python3 {helper} {d}/c {token}"
    )


def _started(tmp_path: Path) -> bool:
    return all((tmp_path / n).exists() for n in "abc")


def _env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "TASKRUN_KILL_GRACE": "1", "TASKRUN_SSH_KEEPALIVE": "1"}


def _run(data: Path, home: Path, *args: str):
    return taskrun(data, "run", *args, timeout=120, **_env(home))


def test_output_streams_live_into_the_log_and_to_log_follow(tmp_path, store, hosts, ssh_home):
    go = tmp_path / "go"
    add_task(
        store,
        shell_task("stream", f"echo first; while [ ! -e {go} ]; do sleep 0.05; done; echo second"),
    )
    proc = popen_taskrun(
        hosts, "run", "stream", "--on", "web1", "--wait", "--follow", **_env(ssh_home)
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "first\n"  # while the run still waits for `go`
        [run] = taskrun_json(hosts, "runs", "--json")
        assert (run["status"], run["host"]) == ("running", "web1")
        assert Path(run["log_path"]).read_bytes() == b"first\n"
        follower = popen_taskrun(hosts, "log", str(run["id"]), "--follow")
        assert follower.stdout is not None
        assert follower.stdout.readline() == "first\n"
        go.touch()
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert "second" in out
        f_out, _ = follower.communicate(timeout=30)
        assert f_out == "second\n"
    finally:
        for p in (proc,):
            if p.poll() is None:
                p.kill()
                p.wait()
    assert runs_repo.get(run["id"]).status == "success"


def test_a_batch_on_three_hosts_with_one_failing(tmp_path, store, hosts, ssh_home):
    add_task(store, shell_task("check", 'echo "on $TASKRUN_HOST"; test "$TASKRUN_HOST" != db1'))
    res = _run(
        hosts,
        ssh_home,
        "check",
        "--on",
        "tag:web",
        "--on",
        "db1",
        "--parallel",
        "2",
        "--wait",
        "--json",
    )
    assert res.returncode == 1, res.stderr
    runs = {r["host"]: r for r in json.loads(res.stdout)}
    assert set(runs) == {"web1", "web2", "db1"}
    assert len({r["batch"] for r in runs.values()}) == 1 and runs["db1"]["batch"]
    assert (runs["db1"]["status"], runs["db1"]["exit_code"]) == ("failed", 1)
    assert runs["db1"]["error_type"] == "exit_code"
    for name in ("web1", "web2"):
        assert runs[name]["status"] == "success"
        assert runs[name]["cpu_seconds"] is None  # not measured on another machine
        assert Path(runs[name]["log_path"]).read_bytes() == f"on {name}\n".encode()
    # per host insight: history and stats
    [only] = taskrun_json(hosts, "runs", "--host", "db1", "--json")
    assert only["id"] == runs["db1"]["id"]
    stats = taskrun_json(hosts, "stats", "--host", "web1", "--json")
    assert (stats["host"], stats["total"], stats["success"]) == ("web1", 1, 1)


def test_an_unknown_target_is_refused_before_anything_runs(tmp_path, store, hosts, ssh_home):
    add_task(store, shell_task("noop", "true"))
    for target, message in (
        ("nope", "--on nope: no such host"),
        ("tag:x", "no host has the tag 'x'"),
    ):
        res = _run(hosts, ssh_home, "noop", "--on", target, "--wait")
        assert res.returncode == 2
        assert res.stderr.strip().splitlines() == [f"taskrun: {res.stderr.strip()[9:]}"]
        assert message in res.stderr
    assert taskrun_json(hosts, "runs", "--json") == []


def test_timeout_stops_the_remote_tree_with_its_setsid_escapee(
    tmp_path, store, hosts, ssh_home, token
):
    add_task(store, shell_task("slow", _tree_line(tmp_path, token), timeout=4))
    res = _run(hosts, ssh_home, "slow", "--on", "web1", "--wait", "--json")
    [run] = json.loads(res.stdout)
    assert (run["status"], run["error_type"]) == ("timeout", "timeout"), run
    assert _started(tmp_path)  # the tree was up when the timeout came
    wait_for(lambda: not _survivors(token), timeout=10)
    assert _survivors(token) == []


def _only_run(data: Path) -> dict:
    runs = taskrun_json(data, "runs", "--json")
    return runs[0] if len(runs) == 1 else {}


def test_cancel_stops_the_remote_tree_with_its_setsid_escapee(
    tmp_path, store, hosts, ssh_home, token
):
    add_task(store, shell_task("long", _tree_line(tmp_path, token)))
    proc = popen_taskrun(hosts, "run", "long", "--on", "web2", "--wait", "--json", **_env(ssh_home))
    try:
        wait_for(lambda: _started(tmp_path) and len(_survivors(token)) >= 3, timeout=30)
        run_id = _only_run(hosts)["id"]
        res = taskrun(hosts, "cancel", str(run_id))
        assert res.returncode == 0, res.stderr
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [run] = json.loads(out)
    assert (run["status"], run["error_type"]) == ("cancelled", "cancelled"), err
    wait_for(lambda: not _survivors(token), timeout=10)


def _sshd_serving(pid: int) -> psutil.Process:
    """The sshd process nearest above `pid`: the one serving its connection."""
    proc = psutil.Process(pid).parent()
    while proc is not None and not proc.name().startswith("sshd"):
        proc = proc.parent()
    assert proc is not None
    return proc


def test_a_dropped_connection_fails_the_run_and_leaves_nothing(
    tmp_path, store, hosts, ssh_home, token
):
    add_task(store, shell_task("dropped", _tree_line(tmp_path, token), retries=0))
    proc = popen_taskrun(
        hosts, "run", "dropped", "--on", "db1", "--wait", "--json", **_env(ssh_home)
    )
    try:
        wait_for(lambda: _started(tmp_path) and len(_survivors(token)) >= 3, timeout=30)
        _sshd_serving(_survivors(token)[0]).send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [run] = json.loads(out)
    assert (run["status"], run["error_type"]) == ("failed", "connection"), err
    assert "the connection to db1 was lost" in run["error_message"]
    wait_for(lambda: not _survivors(token), timeout=15)


def test_parameters_arrive_verbatim(tmp_path, store, hosts, ssh_home):
    value = "a'b\"c $(touch PWNED) `id` ; | & \\ * \n second line\ttab"
    shell_out, argv_out = tmp_path / "shell.out", tmp_path / "argv.out"
    params = [Param("v")]
    add_task(
        store,
        shell_task("vshell", f"printf '%s' \"$TASKRUN_PARAM_V\" > {shell_out}", params=params),
    )
    writer = f"import sys; open({str(argv_out)!r}, 'w').write(sys.argv[1])"
    add_task(
        store,
        TaskSpec(
            "vargv",
            command=f'python3 -c "{writer}" {{v}}',
            shell=False,
            params=params,
            cwd=str(tmp_path),
        ),
    )
    for task in ("vshell", "vargv"):
        res = _run(hosts, ssh_home, task, "--on", "web1", "--param", f"v={value}", "--wait")
        assert res.returncode == 0, res.stderr
    assert shell_out.read_text() == value
    assert argv_out.read_text() == value
    assert not (tmp_path / "PWNED").exists() and not (ssh_home / "PWNED").exists()


def test_a_secret_is_masked_in_the_remote_run_log(tmp_path, store, hosts, ssh_home):
    params = [Param("token", secret=True)]
    add_task(
        store, shell_task("secret", 'echo "token=$TASKRUN_PARAM_TOKEN"; exit 2', params=params)
    )
    res = _run(
        hosts,
        ssh_home,
        "secret",
        "--on",
        "web2",
        "--param",
        "token=s3cr3t-v4lue",
        "--wait",
        "--json",
    )
    [run] = json.loads(res.stdout)
    assert run["params"] == {"token": "***"}
    assert Path(run["log_path"]).read_bytes() == b"token=***\n"
    assert "s3cr3t" not in res.stdout + res.stderr


def test_a_multi_step_task_runs_each_step_remotely(tmp_path, store, hosts, ssh_home):
    spec = TaskSpec(
        "steps",
        steps=[
            Step("one", command="echo one"),
            Step("two", kind=TaskKind.SCRIPT, interpreter="sh", script='echo "two $0"\n'),
            Step("three", command="echo three; exit 3"),
            Step("four", command="echo four"),
        ],
    )
    add_task(store, spec)
    res = _run(hosts, ssh_home, "steps", "--on", "web1", "--wait", "--json")
    [run] = json.loads(res.stdout)
    assert (run["status"], run["exit_code"]) == ("failed", 3)
    log = Path(run["log_path"]).read_bytes().decode()
    lines = log.splitlines()
    assert lines[0] == "one" and lines[2] == "three" and "four" not in log
    script = Path(lines[1].removeprefix("two "))
    assert script.name == "script.sh"
    assert not script.parent.exists()  # the script and its folder are gone
    steps = runs_repo.steps(run["id"])
    assert [s.status for s in steps] == ["success", "success", "failed", "skipped"]


def test_a_batch_on_one_host_opens_one_connection(tmp_path, store, hosts, ssh_home, ssh_server):
    add_task(store, shell_task("many", "echo $TASKRUN_HOST", max_concurrent=4))
    before = ssh_server.accepted_logins()
    res = _run(hosts, ssh_home, "many", "--on", "web1", "--repeat", "30", "--wait", "--json")
    assert res.returncode == 0, res.stderr
    runs = json.loads(res.stdout)
    assert len(runs) == 30 and {r["status"] for r in runs} == {"success"}
    wait_for(lambda: ssh_server.accepted_logins() > before, timeout=10)  # the log may lag
    assert ssh_server.accepted_logins() - before == 1


def test_pause_and_resume_stop_and_continue_the_remote_tree(
    tmp_path, store, hosts, ssh_home, token
):
    add_task(store, shell_task("pausing", _tree_line(tmp_path, token)))
    proc = popen_taskrun(
        hosts, "run", "pausing", "--on", "web1", "--wait", "--json", **_env(ssh_home)
    )

    def states() -> set[str]:
        out = set()
        for pid in _survivors(token):
            with contextlib.suppress(psutil.NoSuchProcess):
                out.add(psutil.Process(pid).status())
        return out

    try:
        wait_for(lambda: _started(tmp_path) and len(_survivors(token)) >= 3, timeout=30)
        run_id = str(_only_run(hosts)["id"])
        assert taskrun(hosts, "pause", run_id).returncode == 0
        wait_for(lambda: states() == {psutil.STATUS_STOPPED}, timeout=15)
        wait_for(lambda: _only_run(hosts).get("status") == "paused", timeout=15)
        assert taskrun(hosts, "resume", run_id).returncode == 0
        wait_for(lambda: psutil.STATUS_STOPPED not in states(), timeout=15)
        assert taskrun(hosts, "cancel", run_id).returncode == 0
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [run] = json.loads(out)
    assert run["status"] == "cancelled", err
    wait_for(lambda: not _survivors(token), timeout=10)


def test_a_host_that_cannot_be_reached_ends_the_run_as_a_connection_error(
    tmp_path, store, hosts, ssh_home
):
    import socket
    import sqlite3

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    with sqlite3.connect(hosts / "taskrun.db") as db:
        db.execute("UPDATE host SET port = ? WHERE name = 'db1'", (closed,))
    add_task(store, shell_task("nowhere", "echo never"))
    res = _run(hosts, ssh_home, "nowhere", "--on", "db1", "--wait", "--json")
    assert res.returncode == 1
    [run] = json.loads(res.stdout)
    assert (run["status"], run["error_type"]) == ("error", "connection")
    assert run["error_message"].startswith("host db1 (")
    assert f"127.0.0.1:{closed}): cannot connect" in run["error_message"]
