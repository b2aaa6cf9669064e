"""The output of a run executing on another node of a shared PostgreSQL history: shipped into
the database as it is written, so `taskrun log ID [--follow]` on a machine without the log
file prints it (the same bytes as the file), with one line where the database's cap dropped
the first ones, and never a secret."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.storage import output_repo
from tests.e2e.cli import cli_env
from tests.e2e.test_shared_nodes import Machines, _rows
from tests.helpers import wait_for
from tests.pg_server import PgServer

SECRET = "hunter2-not-for-anyone"


@contextlib.contextmanager
def serving(tmp_path: Path, url: str) -> Iterator[Machines]:
    """alpha (no daemon: a machine that only reads) and beta, serving its runs."""
    m = Machines(url, {n: tmp_path / n for n in ("alpha", "beta")}, {})
    try:
        m.start("beta")
        yield m
    finally:
        m.stop_all()


@pytest.fixture
def nodes(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    with serving(tmp_path, pg_url) as m:
        yield m


def _argv(m: Machines, node: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "taskrun_gui.cli", "--db", m.url, "--node", node, *args]


def _log(m: Machines, node: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    """`taskrun log …` on `node`, its output as bytes."""
    return subprocess.run(
        _argv(m, node, "log", *args),
        env=cli_env(m.dirs[node]),
        capture_output=True,
        timeout=60,
    )


def _run_on_beta(m: Machines, command: str, *extra: str, by: str = "alpha") -> int:
    """Queue a run of `command` for beta, from `by`; its id."""
    added = m.cli(by, "task", "add", "t", "--command", command, *extra)
    assert added.returncode == 0, added.stderr
    queued = m.cli(by, "run", "t", "--node", "beta", "--json")
    assert queued.returncode == 0, queued.stderr
    return int(json.loads(queued.stdout)[0]["id"])


def _run_row(pg: PgServer, run_id: int) -> tuple[str, str]:
    [(status, log_path)] = _rows(pg, f"SELECT status, log_path FROM run WHERE id = {run_id}")
    return str(status), str(log_path)


def test_another_node_follows_a_run_as_it_goes_and_reads_its_exact_bytes(
    nodes: Machines, pg: PgServer, tmp_path: Path
) -> None:
    go = tmp_path / "go"
    # three lines, then it waits (it cannot end) until the test lets it go, then one more
    command = (
        "printf 'line 1\\n'; sleep 0.2; printf 'line 2\\n'; sleep 0.2; printf 'line 3\\n'; "
        f"while [ ! -e {go} ]; do sleep 0.05; done; printf 'line 4 \\303\\251 no newline'"
    )
    run_id = _run_on_beta(nodes, command)
    follow = subprocess.Popen(
        _argv(nodes, "alpha", "log", str(run_id), "--follow"),
        env=cli_env(nodes.dirs["alpha"]),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert follow.stdout is not None
        seen = b"".join(follow.stdout.readline() for _ in range(3))
        assert seen == b"line 1\nline 2\nline 3\n"
        assert _run_row(pg, run_id)[0] == "running"  # the run has not ended: it waits for go
        shipped = b"".join(bytes(d) for (d,) in _rows(pg, "SELECT data FROM run_output"))  # type: ignore[call-overload]
        assert shipped == seen  # from the database: alpha has no log file of it
        go.touch()
        rest, err = follow.communicate(timeout=60)  # it ends by itself once the run ends
    finally:
        if follow.poll() is None:
            follow.kill()
            follow.communicate()
    assert follow.returncode == 0, err
    assert rest == "line 4 é no newline".encode()
    status, log_path = _run_row(pg, run_id)
    assert status == "success"
    assert Path(log_path).is_relative_to(nodes.dirs["beta"])  # written on beta only
    written = Path(log_path).read_bytes()
    Path(log_path).unlink()  # beta's file: not what alpha reads (here they share a disk)
    whole = _log(nodes, "alpha", str(run_id))
    assert whole.returncode == 0, whole.stderr
    assert whole.stdout == written
    assert _log(nodes, "alpha", str(run_id), "--tail", "1").stdout == b"line 4 \xc3\xa9 no newline"


def test_a_log_above_the_cap_keeps_its_newest_bytes_and_says_where_the_rest_is(
    nodes: Machines, pg: PgServer
) -> None:
    size = output_repo.DEFAULT_KEEP + 3 * output_repo.CHUNK_BYTES + 123
    command = f"seq -f %09.0f 1 {size // 10}"  # 10 bytes a line
    run_id = _run_on_beta(nodes, command)
    wait_for(lambda: _run_row(pg, run_id)[0] == "success", timeout=60)
    log_path = Path(_run_row(pg, run_id)[1])
    full = log_path.read_bytes()
    shown = _log(nodes, "alpha", str(run_id))
    assert shown.returncode == 0, shown.stderr
    notice, _, kept = shown.stdout.partition(b"\n")
    [(dropped,)] = _rows(
        pg,
        f"SELECT min(byte_offset) FROM run_output WHERE run_uid = "
        f"(SELECT uid FROM run WHERE id = {run_id})",
    )
    assert notice.decode() == (
        f"[first {dropped} bytes not kept in the database; "
        f"the full log is on node beta at {log_path}]"
    )
    assert kept == full[int(dropped) :]  # type: ignore[call-overload]
    assert (
        output_repo.DEFAULT_KEEP <= len(kept) < output_repo.DEFAULT_KEEP + output_repo.CHUNK_BYTES
    )
    # retention removes the run and its log: what it shipped goes with it (not a newer run's)
    again = nodes.cli("alpha", "run", "t", "--node", "beta", "--json")
    newer = int(json.loads(again.stdout)[0]["id"])
    wait_for(lambda: _run_row(pg, newer)[0] == "success", timeout=60)
    cleaned = nodes.cli("beta", "cleanup", "--keep-per-task", "1")
    assert cleaned.returncode == 0, cleaned.stderr
    assert not log_path.exists()
    per_run = (
        "SELECT r.id, count(*) FROM run_output o JOIN run r ON r.uid = o.run_uid GROUP BY r.id"
    )
    assert [run for run, _count in _rows(pg, per_run)] == [newer]
    assert _rows(pg, "SELECT count(*) FROM run_output")[0][0] == _rows(pg, per_run)[0][1]


def test_secrets_are_masked_in_what_is_shipped(nodes: Machines, pg: PgServer) -> None:
    run_id = _run_on_beta(
        nodes,
        'echo "the token is $TASKRUN_PARAM_TOKEN"',
        "--secret-param",
        f"token={SECRET}",
        by="beta",
    )  # a secret default is kept in the data dir of the machine that defined it
    wait_for(lambda: _run_row(pg, run_id)[0] == "success", timeout=60)
    shown = _log(nodes, "alpha", str(run_id))
    assert shown.stdout == b"the token is ***\n"
    stored = b"".join(bytes(d) for (d,) in _rows(pg, "SELECT data FROM run_output"))  # type: ignore[call-overload]
    assert stored == b"the token is ***\n"
    assert SECRET.encode() not in stored


def _unseen(hidden: Path) -> list[str]:
    """A command prefix that runs a process on a machine without `hidden` (an empty tmpfs
    over it in a mount namespace of its own): as another machine, it cannot read the files
    of another node's data dir. [] when this user cannot do that."""
    probe = ["unshare", "-m", "sh", "-c", f"mount -t tmpfs none {hidden}"]
    if os.geteuid() != 0 or subprocess.run(probe, capture_output=True).returncode != 0:
        return []
    return ["unshare", "-m", "sh", "-c", 'mount -t tmpfs none "$0" && exec "$@"', str(hidden)]


def test_run_wait_follow_prints_the_output_of_a_run_another_node_executes(
    nodes: Machines, pg: PgServer
) -> None:
    """`taskrun run T --node beta --wait --follow` on alpha, which cannot see beta's files:
    the lines beta's run printed, from the database, then how it ended."""
    added = nodes.cli("alpha", "task", "add", "t", "--command", "printf 'one\\ntwo\\n'; exit 3")
    assert added.returncode == 0, added.stderr
    prefix = _unseen(nodes.dirs["beta"])
    if not prefix:
        pytest.skip("needs a mount namespace (root) to hide beta's data dir from alpha")
    done = subprocess.run(
        [*prefix, *_argv(nodes, "alpha", "run", "t", "--node", "beta", "--wait", "--follow")],
        env=cli_env(nodes.dirs["alpha"]),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("one\ntwo\n"), done.stdout
    assert "failed" in done.stdout.splitlines()[-1]
    [(log_path,)] = _rows(pg, "SELECT log_path FROM run")
    assert Path(str(log_path)).read_bytes() == b"one\ntwo\n"  # executed on beta, logged there
