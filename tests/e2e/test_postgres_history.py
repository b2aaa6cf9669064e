"""The real `taskrun` on a PostgreSQL history (--db, $TASKRUN_DB): tasks, runs, their
records and stats land in the server's tables; the data dir keeps only what is local. A
password is never shown, a bad URL is one line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import taskrun
from tests.e2e.machines import rows as _rows
from tests.pg_server import DBNAME, PASSWORD, ROLE, PgServer


def test_runs_are_recorded_in_the_server(tmp_path: Path, pg: PgServer, pg_url: str) -> None:
    data = tmp_path / "data"
    add = taskrun(data, "--db", pg_url, "task", "add", "hello", "--command", "echo hi; exit 3")
    assert add.returncode == 0, add.stderr
    ran = taskrun(data, "--db", pg_url, "run", "hello", "--wait")
    assert ran.returncode == 1, ran.stderr
    assert "failed" in ran.stdout and "(exited with code 3)" in ran.stdout
    assert _rows(pg, "SELECT task_name, status, exit_code FROM run") == [("hello", "failed", 3)]
    assert _rows(pg, "SELECT failed, success FROM task_day") == [(1, 0)]
    # the same history through $TASKRUN_DB, read back by the CLI
    listed = taskrun(data, "runs", "--json", TASKRUN_DB=pg_url)
    assert listed.returncode == 0, listed.stderr
    assert [(r["task"], r["status"]) for r in json.loads(listed.stdout)] == [("hello", "failed")]
    stats = taskrun(data, "stats", "--json", TASKRUN_DB=pg_url)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["failed"] == 1
    assert not (data / "taskrun.db").exists()  # no SQLite history beside it
    log = taskrun(data, "log", "1", TASKRUN_DB=pg_url)
    assert log.stdout == "hi\n"


def test_a_bad_url_is_one_line_and_hides_its_password(tmp_path: Path) -> None:
    bad = taskrun(tmp_path / "d", "--db", f"postgresql://me:{PASSWORD}@/nodb", "runs")
    assert bad.returncode == 2
    assert PASSWORD not in bad.stderr + bad.stdout
    assert (
        "taskrun: error: --db: expected postgresql://USER[:PASS]@HOST[:PORT]/DBNAME" in bad.stderr
    )
    assert "me:***@" in bad.stderr
    env = taskrun(tmp_path / "d", "runs", TASKRUN_DB="mysql://me@host/db")
    assert env.returncode == 1
    assert env.stderr.count("\n") == 1
    assert env.stderr.startswith("taskrun: the history database URL (--db, $TASKRUN_DB): expected")


def test_a_server_that_refuses_is_one_line_without_the_password(
    tmp_path: Path, pg: PgServer
) -> None:
    url = f"postgresql://{ROLE}:wrong-{PASSWORD}@127.0.0.1:{pg.port}/{DBNAME}"
    res = taskrun(tmp_path / "d", "--db", url, "runs", PGPASSFILE="/nonexistent")
    assert res.returncode == 1
    assert PASSWORD not in res.stderr + res.stdout
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith(
        f"taskrun: cannot use the history database postgresql://{ROLE}:***@127.0.0.1:{pg.port}/"
    )
    assert "password authentication failed" in res.stderr
