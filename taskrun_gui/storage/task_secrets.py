"""Secret parameter defaults of task versions, kept out of the database: one 0600 JSON file
per version in the data dir's 0700 `secrets/` folder, where run secrets are kept too.

A row holds params.MASK in place of each secret default. The file of a version is written
while its row's transaction holds SQLite's write lock and before it commits, so a reader that
sees the row finds the file; a rolled-back save leaves at most a file no row refers to, which
the next save of that version number replaces."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from taskrun_gui.core.params import MASK

FOLDER = "secrets"


def folder_of(db: Any = None) -> Path:
    """`<folder of the database file>/secrets` (a PostgreSQL history: the data dir's, which
    its database names): Store.secrets_dir, found from the database alone so the
    repositories and migrations need no Store."""
    from taskrun_gui.storage.schema import database_proxy  # peewee: not for db_setting's read

    database = db if db is not None else database_proxy.obj
    kept = getattr(database, "secrets_dir", None)  # a server's history: the data dir's
    if kept is not None:
        return Path(kept)
    name = str(database.database)
    if name.startswith("file:"):  # a store opened read-only: file:/path/taskrun.db?mode=ro
        name = unquote(urlsplit(name).path)
    return Path(name).parent / FOLDER


def version_file(folder: Path, task_id: int, number: int) -> Path:
    return folder / f"task-{task_id}-v{number}.json"


def node_file(folder: Path, task_id: int) -> Path:
    """This node's own secret values of a task (`taskrun task secret`): what a run queued on
    another node takes here, since a secret never travels through the shared database."""
    return folder / f"node-task-{task_id}.json"


def write(folder: Path, task_id: int, number: int, values: dict[str, str]) -> None:
    """Keep `values` (parameter name -> secret default) for one version; none: no file."""
    write_file(version_file(folder, task_id, number), values)


def write_file(path: Path, values: dict[str, str]) -> None:
    """Keep `values` in a 0600 file of the 0700 folder; none: no file. Written whole or not
    at all (a temporary file, synced, then renamed)."""
    folder = path.parent
    if not values:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(values, fh, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def read(folder: Path, task_id: int, number: int) -> dict[str, str]:
    """The secret defaults of one version; {} when its file is gone or unreadable (the task
    then runs as if those parameters had no default)."""
    return read_file(version_file(folder, task_id, number))


def read_file(path: Path) -> dict[str, str]:
    """The values a write_file kept; {} when the file is gone or unreadable."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): str(v) for k, v in data.items()}


def take_from(definition: dict[str, Any]) -> dict[str, str]:
    """Move the secret defaults out of a stored definition (TaskSpec.to_dict's form, or the
    JSON of a row): they are returned, and MASK is left in their place."""
    taken: dict[str, str] = {}
    for p in definition.get("params") or []:
        if isinstance(p, dict) and p.get("secret") and p.get("default") is not None:
            taken[str(p["name"])] = str(p["default"])
            p["default"] = MASK
    return taken
