"""Secret parameters on a shared history: a secret never goes into the database, so a run
queued for another node takes that node's own value (`taskrun task secret`), or fails before
it starts with a line naming the parameter and how to set it there; a secret typed for a run
another node executes is refused. Two machines on the session's PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from tests.e2e.cli import cli_env
from tests.e2e.machines import machines_on
from tests.e2e.test_shared_nodes import Machines
from tests.pg_server import DBNAME, ROLE, PgServer

SECRET = "hunter2-Zq9"
OTHER = "beta-only-7Kx"
CHECK = (
    'echo "len=${#TASKRUN_PARAM_TOKEN}"; '
    'case "$TASKRUN_PARAM_TOKEN" in beta-only-*x) echo got-beta;; esac; '
    'echo "value=$TASKRUN_PARAM_TOKEN"'
)
MISSING = (
    "secret parameter 'token' has no value on node beta: set it there with "
    "`taskrun --node beta task secret t token`"
)


@pytest.fixture
def machines(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    # alpha only queues: its runs for beta are beta's to execute
    with machines_on(pg_url, tmp_path, serving=("beta",)) as m:
        added = m.cli(
            "alpha", "task", "add", "t", "--command", CHECK, "--secret-param", f"token={SECRET}"
        )
        assert added.returncode == 0, added.stderr
        yield m


def _set_secret(
    m: Machines, node: str, value: str, param: str = "token"
) -> subprocess.CompletedProcess[str]:
    """`taskrun task secret t PARAM` on `node`, the value on stdin (never on the line)."""
    cli = [sys.executable, "-m", "taskrun_gui.cli", "--db", m.url, "--node", node]
    return subprocess.run(
        [*cli, "task", "secret", "t", param],
        env=cli_env(m.dirs[node]),
        input=value + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )


def _database_text(pg: PgServer) -> str:
    """Every text of the shared database, as one string (where a leak would show)."""
    conn = psycopg2.connect(host="127.0.0.1", port=pg.port, user=ROLE, dbname=DBNAME)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT row_to_json(r)::text FROM run r")
            runs = [row[0] for row in cur.fetchall()]
            cur.execute("SELECT row_to_json(t)::text FROM task_version t")
            return "\n".join(runs + [row[0] for row in cur.fetchall()])
    finally:
        conn.close()


def _run_on_beta(m: Machines) -> tuple[int, dict[str, object]]:
    ran = m.cli("alpha", "run", "t", "--node", "beta", "--wait", "--json")
    [rec] = json.loads(ran.stdout)
    return ran.returncode, rec


def test_a_run_for_another_node_takes_that_nodes_own_secret(
    machines: Machines, pg: PgServer
) -> None:
    # beta has no value: the run fails before it starts, saying how to set one there
    code, rec = _run_on_beta(machines)
    assert code != 0
    assert (rec["status"], rec["node"], rec["error_message"]) == ("error", "beta", MISSING)
    assert rec["started_at"] is None and rec["exit_code"] is None

    # a secret typed on alpha cannot reach beta's run: refused, nothing queued
    before = json.loads(machines.cli("alpha", "runs", "--json").stdout)
    typed = machines.cli("alpha", "run", "t", "--node", "beta", "--param", f"token={OTHER}")
    assert typed.returncode == 2
    assert typed.stderr.strip().splitlines() == [
        "taskrun: --param token: a secret value cannot travel to node beta (it never goes "
        "into the database); set it there: `taskrun --node beta task secret t token`"
    ]
    assert json.loads(machines.cli("alpha", "runs", "--json").stdout) == before

    # beta keeps its own value, 0600 in its data dir; the run takes it
    kept = _set_secret(machines, "beta", OTHER)
    assert kept.returncode == 0, kept.stderr
    assert OTHER not in kept.stdout + kept.stderr
    [path] = (machines.dirs["beta"] / "secrets").glob("node-task-*.json")
    assert os.stat(path).st_mode & 0o777 == 0o600
    code, rec = _run_on_beta(machines)
    assert (code, rec["status"], rec["node"]) == (0, "success", "beta")
    log = Path(str(rec["log_path"]))
    assert log.is_relative_to(machines.dirs["beta"])
    assert log.read_text() == f"len={len(OTHER)}\ngot-beta\nvalue=***\n"

    # neither value ever went into the database, nor into a run file on alpha
    text = _database_text(pg)
    assert SECRET not in text and OTHER not in text
    assert not list((machines.dirs["alpha"] / "secrets").glob("[0-9a-f]*.json"))


def test_task_secret_takes_only_a_secret_parameter(machines: Machines) -> None:
    added = machines.cli(
        "beta", "task", "edit", "t", "--param", "plain=1", "--secret-param", "token"
    )
    assert added.returncode == 0, added.stderr
    bad = _set_secret(machines, "beta", "x", param="plain")
    assert bad.returncode != 0
    assert bad.stderr.strip().splitlines() == [
        "taskrun: 'plain' is not a secret parameter of t (its secret ones: token)"
    ]
    empty = _set_secret(machines, "beta", "")
    assert empty.returncode != 0
    assert empty.stderr.strip() == "taskrun: token: an empty value; --clear removes one"
    assert not list((machines.dirs["beta"] / "secrets").glob("node-task-*.json"))
