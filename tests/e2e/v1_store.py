"""A data dir as TaskRun left it at schema version 1, built by hand to test the migrations."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

V1_SCHEMA = """
CREATE TABLE task (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, spec_json TEXT NOT NULL,
  current_version INTEGER NOT NULL, enabled INTEGER NOT NULL, priority INTEGER NOT NULL,
  tags TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  deleted_at INTEGER, next_fire_at INTEGER, last_fire_at INTEGER);
CREATE TABLE run (id INTEGER NOT NULL PRIMARY KEY, uid TEXT NOT NULL, task_id INTEGER NOT NULL,
  task_name TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
  trigger TEXT NOT NULL, attempt INTEGER NOT NULL, first_uid TEXT, params_json TEXT NOT NULL,
  priority INTEGER NOT NULL, queued_at INTEGER NOT NULL, started_at INTEGER,
  finished_at INTEGER, duration_ms INTEGER, exit_code INTEGER, signal INTEGER,
  error_type TEXT, error_message TEXT, pid INTEGER, pgid INTEGER, proc_create_time REAL,
  peak_rss INTEGER, cpu_seconds REAL, log_path TEXT NOT NULL, log_bytes INTEGER NOT NULL,
  control TEXT, host_pid INTEGER, slow INTEGER NOT NULL, not_before INTEGER,
  FOREIGN KEY (task_id) REFERENCES task (id) ON DELETE CASCADE);
CREATE UNIQUE INDEX run_uid ON run (uid);
CREATE INDEX run_task_id ON run (task_id);
CREATE TABLE run_step (run_id INTEGER NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL,
  status TEXT NOT NULL, started_at INTEGER, finished_at INTEGER, exit_code INTEGER,
  log_start INTEGER NOT NULL, log_end INTEGER NOT NULL, PRIMARY KEY (run_id, idx),
  FOREIGN KEY (run_id) REFERENCES run (id) ON DELETE CASCADE);
CREATE TABLE task_day (task_id INTEGER NOT NULL, day TEXT NOT NULL, success INTEGER NOT NULL,
  failed INTEGER NOT NULL, timeout INTEGER NOT NULL, cancelled INTEGER NOT NULL,
  error INTEGER NOT NULL, interrupted INTEGER NOT NULL, duration_count INTEGER NOT NULL,
  total_ms INTEGER NOT NULL, min_ms INTEGER, max_ms INTEGER, hist TEXT NOT NULL,
  PRIMARY KEY (task_id, day), FOREIGN KEY (task_id) REFERENCES task (id) ON DELETE CASCADE);
CREATE TABLE task_version (id INTEGER NOT NULL PRIMARY KEY, task_id INTEGER NOT NULL,
  number INTEGER NOT NULL, spec_json TEXT NOT NULL, content_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL, FOREIGN KEY (task_id) REFERENCES task (id) ON DELETE CASCADE);
CREATE UNIQUE INDEX task_version_task_id_number ON task_version (task_id, number);
CREATE UNIQUE INDEX task_live_name ON task(name) WHERE deleted_at IS NULL;
PRAGMA user_version = 1;
"""


def v1_definition(name: str, command: str, secret_default: str | None) -> str:
    """A definition as version 1 stored it: every field, the secret default in plain text,
    and the model's default interpreter "bash" on a command task."""
    params = []
    if secret_default is not None:
        params = [
            {
                "name": "token",
                "default": secret_default,
                "required": False,
                "secret": True,
                "choices": [],
                "description": "",
            }
        ]
    schedule = {"cron": None, "every_seconds": None, "at": None, "enabled": True}
    data = {
        "name": name,
        "kind": "command",
        "command": command,
        "shell": True,
        "script": "",
        "interpreter": "bash",
        "cwd": "",
        "env": {},
        "params": params,
        "timeout": None,
        "retries": 0,
        "retry_backoff": 2.0,
        "max_concurrent": 1,
        "priority": 0,
        "tags": [],
        "enabled": True,
        "description": "",
        "schedule": {**schedule, "overlap": "skip", "missed": "skip"},
        "steps": [],
    }
    return json.dumps(data, sort_keys=True, indent=1)


def make_v1_store(d: Path, tasks: dict[str, str]) -> None:
    """A data dir as TaskRun with schema version 1 left it: `tasks` are name -> definition,
    each with one version."""
    d.mkdir(parents=True)
    with sqlite3.connect(d / "taskrun.db") as con:
        con.executescript(V1_SCHEMA)
        for i, (name, definition) in enumerate(tasks.items(), start=1):
            con.execute(
                "INSERT INTO task VALUES (?, ?, ?, 1, 1, 0, '', 1, 1, NULL, NULL, NULL)",
                (i, name, definition),
            )
            con.execute(
                "INSERT INTO task_version VALUES (?, ?, 1, ?, 'oldhash', 1)", (i, i, definition)
            )
