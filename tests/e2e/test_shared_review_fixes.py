"""What a shared PostgreSQL history must not do, found in review: give a run's task the
history's password in its environment; leave the command line on the SQLite file while the
data dir's saved database is a server; let a typed secret go with a run for any node."""

from __future__ import annotations

from pathlib import Path

from taskrun_gui.storage import db_setting
from tests.e2e.cli import one_line_refusal, taskrun
from tests.e2e.machines import rows
from tests.pg_server import PASSWORD, ROLE, PgServer


def test_a_runs_environment_has_no_password_of_the_history(
    tmp_path: Path, pg: PgServer, pg_url: str
) -> None:
    data = tmp_path / "data"
    url = pg_url.replace(f"{ROLE}@", f"{ROLE}:{PASSWORD}@")
    added = taskrun(data, "--db", url, "task", "add", "env", "--command", "printenv TASKRUN_DB")
    assert added.returncode == 0, added.stderr
    done = taskrun(data, "--db", url, "run", "env", "--wait", "--follow")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"postgresql://{ROLE}@127.0.0.1:{pg.port}/"), done.stdout
    assert PASSWORD not in done.stdout + done.stderr
    [(log,)] = rows(pg, "SELECT log_path FROM run")
    assert PASSWORD.encode() not in Path(str(log)).read_bytes()
    assert all(
        PASSWORD.encode() not in bytes(d) for (d,) in rows(pg, "SELECT data FROM run_output")
    )  # type: ignore[call-overload]


def test_the_command_line_opens_the_database_saved_for_the_data_dir(
    tmp_path: Path, pg: PgServer, pg_url: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db_setting.save(data, db_setting.SavedDb(pg_url, PASSWORD))
    added = taskrun(data, "task", "add", "saved", "--command", "true", PGPASSFILE="/nonexistent")
    assert added.returncode == 0, added.stderr
    assert rows(pg, "SELECT name FROM task") == [("saved",)]  # on the server, not in SQLite
    assert not (data / "taskrun.db").exists()


def test_a_typed_secret_is_refused_for_a_run_queued_for_any_node(
    tmp_path: Path, pg_url: str
) -> None:
    data = tmp_path / "data"
    added = taskrun(
        data, "--db", pg_url, "task", "add", "s", "--command", "true", "--secret-param", "token"
    )
    assert added.returncode == 0, added.stderr
    res = taskrun(data, "--db", pg_url, "run", "s", "--node", "any", "--param", "token=typed")
    one_line_refusal(
        res, "--param token: a secret value cannot travel with a run queued for any node"
    )
