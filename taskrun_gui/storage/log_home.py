"""Where the open store keeps its runs' logs, for the paths its rows hold.

A row keeps its log's absolute path. A data dir moved or copied (a new disk, a backup put
back under another home) keeps the paths of where it was, and every log would read as
missing: a path that is not there is read as the same `YYYY-MM/<uid>.log` in this data
dir's logs folder when that file is there. Bound by the store as it opens, as the database
itself is (schema.database_proxy)."""

from __future__ import annotations

import os
from pathlib import Path

_logs = ""  # the open store's logs folder ("": none bound)


def bind(logs_dir: Path) -> None:
    global _logs
    _logs = str(logs_dir)


def same_file_here(path: str, logs: Path | str) -> str | None:
    """The month/uid.log of `path` in the folder `logs` when it is there, else None."""
    parts = Path(path).parts
    if len(parts) < 2:
        return None
    mine = os.path.join(logs, *parts[-2:])
    return mine if os.path.lexists(mine) else None


def readable(path: str) -> str:
    """Where to read the log a row records as `path`: that path (in this data dir's logs,
    or there: no look for another), else this data dir's copy of it, else the path as it
    was (a log that is gone is told as missing, by its own path)."""
    if not path or not _logs or path.startswith(_logs + os.sep) or os.path.lexists(path):
        return path
    return same_file_here(path, _logs) or path
