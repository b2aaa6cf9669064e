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
# a logs folder rows name -> where their files are read: this store's ("" before that is
# known), or None: their own paths (another data dir's, another node's)
_folders: dict[str, str | None] = {}
_misses: dict[str, int] = {}
GIVE_UP = 20  # rows of one folder found in neither place before it is taken for another's


def bind(logs_dir: Path) -> None:
    global _logs
    _logs = str(logs_dir)
    _folders.clear()
    _misses.clear()


def same_file_here(path: str, logs: Path | str) -> str | None:
    """The month/uid.log of `path` in the folder `logs` when it is there, else None."""
    parts = Path(path).parts
    if len(parts) < 2:
        return None
    mine = os.path.join(logs, *parts[-2:])
    return mine if os.path.lexists(mine) else None


def readable(path: str) -> str:
    """Where to read the log a row records as `path`: that path (in this data dir's logs,
    or there), else this data dir's copy of it, else the path as it was (a log that is
    gone is told as missing, by its own path). Decided once per folder the rows name, not
    per row: a million rows of a moved history, or of another node's, cost no file look
    each."""
    if not path or not _logs or path.startswith(_logs + os.sep):
        return path
    folder, sep, tail = path.rpartition(os.sep)
    folder, _, month = folder.rpartition(os.sep)
    if not sep or not folder:
        return path
    where = _folders.get(folder, "")
    if where is None:
        return path
    if where:
        return os.path.join(where, month, tail)
    if os.path.lexists(path):  # where it was, still there (a copy's original, a link)
        _folders[folder] = None
        return path
    if (mine := same_file_here(path, _logs)) is not None:  # the data dir moved here
        _folders[folder] = _logs
        return mine
    _misses[folder] = _misses.get(folder, 0) + 1
    if _misses[folder] >= GIVE_UP:  # not this data dir's rows
        _folders[folder] = None
    return path
