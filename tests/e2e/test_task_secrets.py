"""A secret parameter's default: never in the database, never shown or exported, still given
to every run; an old database's plaintext defaults are moved out by its migration."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from taskrun_gui.core.models import Param, RunStatus, Schedule
from taskrun_gui.storage import tasks_repo
from tests.e2e.cli import taskrun, taskrun_json
from tests.e2e.runs import wait_final
from tests.e2e.v1_store import make_v1_store, v1_definition
from tests.helpers import add_task, shell_task

SECRET = "hunter2-Zq9"
# the run proves it got the secret without the command holding it: its length and a pattern
CHECK = (
    'echo "len=${#TASKRUN_PARAM_TOKEN}"; '
    'case "$TASKRUN_PARAM_TOKEN" in hunter2-*9) echo got-it;; esac; '
    'echo "value=$TASKRUN_PARAM_TOKEN"'
)
EXPECTED_LOG = f"len={len(SECRET)}\ngot-it\nvalue=***\n"


def _rows(d: Path) -> list[str]:
    with sqlite3.connect(d / "taskrun.db") as con:
        rows = con.execute(
            "SELECT spec_json FROM task UNION ALL SELECT spec_json FROM task_version"
        )
        return [r[0] for r in rows]


def _add(d: Path, *extra: str) -> None:
    res = taskrun(
        d, "task", "add", "t", "--command", CHECK, "--secret-param", f"token={SECRET}", *extra
    )
    assert res.returncode == 0, res.stderr


def _run_log(d: Path) -> str:
    [run] = taskrun_json(d, "run", "t", "--wait", "--json")
    assert run["status"] == "success", run
    assert run["params"] == {"token": "***"}
    return Path(run["log_path"]).read_text()


def test_the_secret_default_stays_out_of_rows_output_and_exports(tmp_path):
    d = tmp_path / "data"
    _add(d)
    rows = _rows(d)
    assert len(rows) == 2 and all(SECRET not in r for r in rows)
    assert all(json.loads(r)["params"][0]["default"] == "***" for r in rows)
    [kept] = list((d / "secrets").glob("task-*.json"))
    assert os.stat(kept).st_mode & 0o777 == 0o600
    assert os.stat(d / "secrets").st_mode & 0o777 == 0o700

    shown = taskrun(d, "task", "show", "t")
    assert shown.returncode == 0 and SECRET not in shown.stdout
    assert 'default = "***"' in shown.stdout
    as_json = taskrun(d, "task", "show", "t", "--json")
    assert SECRET not in as_json.stdout
    assert json.loads(as_json.stdout)["definition"]["params"][0]["default"] == "***"

    out = tmp_path / "out"
    assert taskrun(d, "task", "export", "--out", str(out)).returncode == 0
    one = tmp_path / "one.toml"
    assert taskrun(d, "task", "export", "t", "--out", str(one)).returncode == 0
    for f in (out / "t.toml", one):
        assert SECRET not in f.read_text() and 'default = "***"' in f.read_text()
        assert os.stat(f).st_mode & 0o777 == 0o600

    assert _run_log(d) == EXPECTED_LOG


def test_a_new_secret_default_makes_a_version_whose_diff_hides_both(tmp_path):
    d = tmp_path / "data"
    _add(d)
    other = "s3cond-v4lue"
    res = taskrun(d, "task", "edit", "t", "--secret-param", f"token={other}")
    assert res.stdout.strip() == "task 't' saved as version 2", res.stderr
    diff = taskrun(d, "task", "diff", "t", "1", "2")
    assert diff.returncode == 0
    assert SECRET not in diff.stdout and other not in diff.stdout
    assert '-      "default": "***",' in diff.stdout
    assert '+      "default": "*** (changed)",' in diff.stdout
    assert all(other not in r and SECRET not in r for r in _rows(d))
    # a rollback brings the old secret back to runs
    assert taskrun(d, "task", "rollback", "t", "1").returncode == 0
    assert _run_log(d) == EXPECTED_LOG


def test_importing_an_export_over_the_task_keeps_its_secret(tmp_path):
    d = tmp_path / "data"
    _add(d, "--description", "before")
    f = tmp_path / "t.toml"
    assert taskrun(d, "task", "export", "t", "--out", str(f)).returncode == 0
    f.write_text(f.read_text().replace('"before"', '"after"'))
    res = taskrun(d, "task", "import", str(f), "--replace")
    assert res.returncode == 0, res.stderr
    assert taskrun_json(d, "task", "show", "t", "--json")["definition"]["description"] == "after"
    assert _run_log(d) == EXPECTED_LOG
    # into another data dir the secret is not there: the parameter has no default
    d2 = tmp_path / "other"
    assert taskrun(d2, "task", "import", str(f)).returncode == 0
    shown = taskrun_json(d2, "task", "show", "t", "--json")["definition"]["params"][0]
    assert shown["default"] is None
    assert "***" not in "".join(_rows(d2))


def test_window_and_schedule_runs_get_the_secret_default(qtbot, service, store):
    spec = shell_task("t", CHECK, interpreter="sh", schedule=Schedule(every_seconds=1))
    spec.params = [Param("token", default=SECRET, secret=True)]
    task = add_task(store, spec)
    assert SECRET not in store.db.execute_sql("SELECT spec_json FROM task").fetchone()[0]
    manual = service.enqueue(task.id, task.version, tasks_repo.get(task.id).spec)[0]
    rec = wait_final(qtbot, service, manual.uid)
    assert rec.status is RunStatus.SUCCESS
    assert Path(rec.log_path).read_text() == EXPECTED_LOG
    finished: list = []
    service.run_finished.connect(finished.append)
    qtbot.waitUntil(lambda: any(r.trigger == "schedule" for r in finished), timeout=15_000)
    fired = next(r for r in finished if r.trigger == "schedule")
    assert fired.status is RunStatus.SUCCESS
    assert Path(fired.log_path).read_text() == EXPECTED_LOG


def test_the_migration_moves_plaintext_secret_defaults_out(tmp_path):
    d = tmp_path / "data"
    make_v1_store(
        d, {"t": v1_definition("t", CHECK, SECRET), "plain": v1_definition("plain", "true", None)}
    )
    assert any(SECRET in r for r in _rows(d))
    shown = taskrun(d, "task", "show", "t")  # the first command migrates
    assert shown.returncode == 0, shown.stderr
    assert SECRET not in shown.stdout and 'default = "***"' in shown.stdout
    rows = _rows(d)
    assert rows and all(SECRET not in r for r in rows)
    with sqlite3.connect(d / "taskrun.db") as con:
        hashes = [h for (h,) in con.execute("SELECT content_hash FROM task_version")]
        assert con.execute("PRAGMA user_version").fetchone()[0] >= 4
    assert "oldhash" not in hashes  # rewritten rows get the hash of what they now hold
    [kept] = list((d / "secrets").glob("task-*.json"))
    assert json.loads(kept.read_text()) == {"token": SECRET}
    assert os.stat(kept).st_mode & 0o777 == 0o600
    assert _run_log(d) == EXPECTED_LOG
