"""Versioned schema migrations, the same steps on every backend; the version reached is kept
where the backend keeps it (SQLite: PRAGMA user_version; see Backend.schema_version).

Each step runs in its own transaction and is never edited once released: a later change is a
new step, so upgrading never loses history. Step 1 creates the tables from the current models,
so a later step that adds a column adds it only where it is missing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from peewee import Database

from taskrun_gui.storage import backend, task_secrets
from taskrun_gui.storage.schema import ALL_TABLES, HistoryLimit, Host, Node, RunOutput


def _v1_initial(db: Database) -> None:
    db.create_tables(ALL_TABLES, safe=True)
    for sql in (
        # one live task per name; deleted tasks keep their history under the old name
        "CREATE UNIQUE INDEX IF NOT EXISTS task_live_name ON task(name) WHERE deleted_at IS NULL",
        # keyset paging newest first: all runs, per task, per status, per task and status
        "CREATE INDEX IF NOT EXISTS run_task_id ON run(task_id, id)",
        "CREATE INDEX IF NOT EXISTS run_status_id ON run(status, id)",
        "CREATE INDEX IF NOT EXISTS run_task_status_id ON run(task_id, status, id)",
        # per-task time ranges (trends, stats) read only the index
        "CREATE INDEX IF NOT EXISTS run_task_finished ON run("
        "task_id, finished_at, status, duration_ms)",
        "CREATE INDEX IF NOT EXISTS run_finished ON run(finished_at)",
        "CREATE INDEX IF NOT EXISTS run_control ON run(control) WHERE control IS NOT NULL",
        "CREATE INDEX IF NOT EXISTS task_day_day ON task_day(day)",
    ):
        db.execute_sql(sql)


# (definition as a dict, task id, version number) -> whether it was changed in place
SpecChange = Callable[[dict[str, Any], int, int], bool]


def _rewrite_specs(db: Database, change: SpecChange) -> None:
    """Apply `change` to the definition of every version (with a new content hash: that of
    its new JSON) and of every task row (its current version's)."""
    versions = db.execute_sql("SELECT id, task_id, number, spec_json FROM task_version")
    execute = backend.of(db).execute
    for row_id, task_id, number, text in list(versions):
        data = json.loads(text)
        if change(data, task_id, number):
            stored = json.dumps(data, sort_keys=True, indent=1)
            digest = hashlib.sha256(stored.encode()).hexdigest()[:16]
            execute(
                db,
                "UPDATE task_version SET spec_json = ?, content_hash = ? WHERE id = ?",
                (stored, digest, row_id),
            )
    tasks = db.execute_sql("SELECT id, current_version, spec_json FROM task")
    for task_id, number, text in list(tasks):
        data = json.loads(text)
        if change(data, task_id, number):
            stored = json.dumps(data, sort_keys=True, indent=1)
            execute(db, "UPDATE task SET spec_json = ? WHERE id = ?", (stored, task_id))


def _v2_secret_defaults_out_of_rows(db: Database) -> None:
    """Secret parameter defaults were kept in plain text in task and task_version rows: move
    them to 0600 files in the data dir's secrets/ folder and leave "***" in the rows."""
    folder = task_secrets.folder_of(db)

    def move(data: dict[str, Any], task_id: int, number: int) -> bool:
        taken = task_secrets.take_from(data)
        if taken:  # written before the transaction commits the masked rows
            task_secrets.write(folder, task_id, number, taken)
        return bool(taken)

    _rewrite_specs(db, move)


def _v3_run_log_dropped(db: Database) -> None:
    """run.log_dropped: bytes of a run's output that did not reach its log file."""
    add_column(db, "run", "log_dropped", "INTEGER NOT NULL DEFAULT 0")


def add_column(db: Database, table: str, column: str, definition: str) -> None:
    """ALTER TABLE ADD COLUMN, unless step 1 made the table with it already (from the
    current models): the way a step adds a column, on every backend."""
    if column not in backend.of(db).column_names(db, table):
        db.execute_sql(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _v4_command_tasks_name_sh(db: Database) -> None:
    """Shell lines used to run under /bin/sh whatever interpreter a command task named (and
    every command task named "bash", the model's default); now they run under the one named.
    Stored command tasks and steps say "sh", so what they run under does not change."""

    def to_sh(data: dict[str, Any], _task_id: int, _number: int) -> bool:
        changed = False
        for part in (data, *(data.get("steps") or [])):
            if part.get("kind", "command") == "command" and part.get("interpreter") != "sh":
                part["interpreter"] = "sh"
                changed = True
        return changed

    _rewrite_specs(db, to_sh)


def _v5_nodes(db: Database) -> None:
    """Nodes (issue 11): the node table, and run.node, where a run executes or will."""
    db.create_tables([Node], safe=True)
    add_column(db, "run", "node", "TEXT")
    db.execute_sql("CREATE INDEX IF NOT EXISTS run_node_status ON run(node, status)")


def _v6_run_paused_ms(db: Database) -> None:
    """run.paused_ms: a run's paused time; its duration_ms is from now on the active time
    (runs recorded before had no pause kept: 0, their duration as it was)."""
    add_column(db, "run", "paused_ms", "BIGINT NOT NULL DEFAULT 0")


def _v7_remote_hosts(db: Database) -> None:
    """The host inventory (runs on other machines over SSH) and, on each run, the host it ran
    on and the batch (one `run --on` invocation) it belongs to."""
    db.create_tables([Host], safe=True)
    for name, kind in (("host", "TEXT"), ("batch", "TEXT"), ("batch_limit", "INTEGER")):
        add_column(db, "run", name, kind)
    db.execute_sql("CREATE INDEX IF NOT EXISTS run_host_id ON run(host, id) WHERE host IS NOT NULL")
    db.execute_sql("CREATE INDEX IF NOT EXISTS run_batch ON run(batch) WHERE batch IS NOT NULL")


def _v8_run_triggered_by(db: Database) -> None:
    """run.triggered_by: the id of the run whose end started this one (a task chain)."""
    add_column(db, "run", "triggered_by", "INTEGER DEFAULT NULL")


RUN_NOTIFY_SQL = (
    """CREATE OR REPLACE FUNCTION taskrun_run_notify() RETURNS trigger AS $$
    BEGIN
        PERFORM pg_notify('taskrun_run', NEW.id::text || ':' || NEW.status || ':'
            || coalesce(NEW.node, '') || ':' || coalesce(NEW.control, ''));
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS run_notify_insert ON run",
    "CREATE TRIGGER run_notify_insert AFTER INSERT ON run"
    " FOR EACH ROW EXECUTE FUNCTION taskrun_run_notify()",
    "DROP TRIGGER IF EXISTS run_notify_update ON run",
    "CREATE TRIGGER run_notify_update AFTER UPDATE OF status, control, node ON run FOR EACH ROW"
    " WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.control IS DISTINCT FROM NEW.control"
    " OR OLD.node IS DISTINCT FROM NEW.node) EXECUTE FUNCTION taskrun_run_notify()",
)


def _v9_run_notify(db: Database) -> None:
    """PostgreSQL: a notification on channel taskrun_run (storage/pg_listen.py) when a run is
    queued or its status, node or control request changes, sent at commit, so every node
    sees it within a second. SQLite has no other node: nothing to do."""
    if backend.of(db).name != "postgresql":
        return
    for sql in RUN_NOTIFY_SQL:
        db.execute_sql(sql)


def _v10_run_output(db: Database) -> None:
    """run_output: chunks of the output of runs, shipped for the other nodes of a shared
    history (made on both backends; only a PostgreSQL history fills it)."""
    db.create_tables([RunOutput], safe=True)


def _v11_run_any_node(db: Database) -> None:
    """run.any_node: a run queued for any node that a node claimed (a dead node's claims on
    those go back to the others; runs queued for it by name stay its own)."""
    add_column(db, "run", "any_node", "BOOLEAN NOT NULL DEFAULT FALSE")


def _v12_history_limits(db: Database) -> None:
    """history_limit: limits over every node of a shared history (`nodes --max-running`)."""
    db.create_tables([HistoryLimit], safe=True)


def _v13_run_node_history(db: Database) -> None:
    """The history by node: a page of one node's runs newest first (node, id), and Trends and
    stats of one node from its run rows alone (node, finished_at, ...: a covering index; the
    daily aggregates are per task, not per node)."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS run_node_id ON run(node, id)")
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS run_node_finished"
        " ON run(node, finished_at, task_id, status, duration_ms)"
    )


# the predicate of run_task_timed (migration 14), word for word as the queries that use it
# must repeat it (storage/task_stats.py): a partial index serves only a query that states it
RUN_TIMED_PREDICATE = "status IN ('failed', 'success', 'timeout') AND duration_ms IS NOT NULL"


def _v14_history_read_indexes(db: Database) -> None:
    """Indexes that keep the statistics and Trends queries from growing with the history:
    - run_task_timed, one task's timed runs by duration: its all-time statistics sum their
      durations and find its exact percentiles by an OFFSET in it, without reading its runs
      into Python (storage/task_stats.py). Partial: only runs that ended with a duration are
      in it, so a queued or running run costs it nothing until its finish; status is in it
      because the queries name it (SQLite then reads the index alone).
    - task_day_counts, the daily counts by day: success per day over every task (GROUP BY
      day) and the heat map read this narrow index instead of the rows with their
      histograms (two years of fifty tasks: 23 ms -> 7 ms)."""
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS run_task_timed"
        f" ON run(task_id, duration_ms, status) WHERE {RUN_TIMED_PREDICATE}"
    )
    db.execute_sql(
        "CREATE INDEX IF NOT EXISTS task_day_counts ON task_day(day, task_id, success, failed,"
        " timeout, cancelled, error, interrupted)"
    )


DOUBLE_COLUMNS = (("run", "proc_create_time"), ("run", "cpu_seconds"), ("host", "latency_ms"))


def _v15_double_floats(db: Database) -> None:
    """PostgreSQL: the float columns in double precision. They were REAL, four bytes, which
    keeps a process's start time (1.7e9 s) to within 128 s only, so a crashed host's
    recovery could not tell its run's process from another with the same pid; SQLite's REAL
    is eight bytes already. PostgreSQL rewrites each table once (the run table of a long
    history takes a while, every node waiting: upgrade when the nodes are quiet)."""
    if backend.of(db).name != "postgresql":
        return
    for table in dict.fromkeys(t for t, _ in DOUBLE_COLUMNS):  # one rewrite of each table
        changes = ", ".join(
            f"ALTER COLUMN {c} TYPE DOUBLE PRECISION" for t, c in DOUBLE_COLUMNS if t == table
        )
        db.execute_sql(f"ALTER TABLE {table} {changes}")


def _v16_node_boot(db: Database) -> None:
    """node.boot_id: with the pid, which host process beats a node, so a second host that
    takes a name already in use on the shared history (a cloned machine) is refused."""
    add_column(db, "node", "boot_id", "TEXT DEFAULT NULL")


RUN_TOTAL_SQL = (
    "CREATE TABLE IF NOT EXISTS run_total (id INTEGER PRIMARY KEY CHECK (id = 1),"
    " n INTEGER NOT NULL)",
    "INSERT OR REPLACE INTO run_total (id, n) VALUES (1, (SELECT COUNT(*) FROM run))",
    "CREATE TRIGGER IF NOT EXISTS run_total_insert AFTER INSERT ON run"
    " BEGIN UPDATE run_total SET n = n + 1 WHERE id = 1; END",
    "CREATE TRIGGER IF NOT EXISTS run_total_delete AFTER DELETE ON run"
    " BEGIN UPDATE run_total SET n = n - 1 WHERE id = 1; END",
)


def _v17_run_total(db: Database) -> None:
    """SQLite: the number of runs kept by triggers (run_total), so the history's first page
    over every run does not count a million rows each time (15-20 ms at 1M, read from the
    OS's cache; the figure is one row). PostgreSQL counts: a row every node's inserts update
    would make them wait for each other."""
    if backend.of(db).name != "sqlite":
        return
    for sql in RUN_TOTAL_SQL:
        db.execute_sql(sql)


MIGRATIONS: list[Callable[[Database], None]] = [
    _v1_initial,
    _v2_secret_defaults_out_of_rows,
    _v3_run_log_dropped,
    _v4_command_tasks_name_sh,
    _v5_nodes,
    _v6_run_paused_ms,
    _v7_remote_hosts,
    _v8_run_triggered_by,
    _v9_run_notify,
    _v10_run_output,
    _v11_run_any_node,
    _v12_history_limits,
    _v13_run_node_history,
    _v14_history_read_indexes,
    _v15_double_floats,
    _v16_node_boot,
    _v17_run_total,
]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    pass


def _user_version(db: Database) -> int:
    return backend.of(db).schema_version(db)


def migrate(db: Database) -> int:
    """Bring the schema to SCHEMA_VERSION; returns the version found before. Each step holds
    the write lock from its start and checks the version again, so two processes opening the
    same old database run every step once."""
    found = _user_version(db)
    if found > SCHEMA_VERSION:
        raise SchemaTooNewError(
            f"the history database has schema version {found}, newer than this TaskRun "
            f"({SCHEMA_VERSION}); upgrade TaskRun"
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        with backend.of(db).write_transaction(db):
            if _user_version(db) >= version:
                continue
            MIGRATIONS[version - 1](db)
            backend.of(db).set_schema_version(db, version)
    return found
