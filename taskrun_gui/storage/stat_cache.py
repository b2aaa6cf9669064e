"""Small files of a data dir that are read for every run (its settings, channels and alert
state) parsed once per change of the file, not once per run: a burst of a thousand short runs
would otherwise open and parse each of them a thousand times. A change is seen by one stat:
the file's inode, size, modification and change times (an atomic rewrite is a new inode, an
edit in place moves the times or the size). A version younger than the file system's clock
tick is not kept (a rewrite within the same tick could leave every stamp as it was, the way
git's "racy" index entries are handled), nor is a read the disk refused (EMFILE in a burst,
EIO): the next call reads again. What `read` returns is shared between callers: they must
not change it."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
Stamp = tuple[int, int, int, int]
RACY_NS = 50_000_000  # a version this young (0.05 s: several clock ticks) is read again

_entries: dict[tuple[str, Callable[..., Any]], tuple[Stamp, Any]] = {}
_lock = threading.Lock()


def stamp_of(path: Path | str) -> Stamp | None:
    """What identifies this version of the file; None when it is not there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def read(path: Path | str, parse: Callable[[Path], T], missing: Callable[[], T]) -> T:
    """`parse(path)` as of the file's current version (`missing()` when there is none, or
    when `parse` raised OSError: the disk refused the read)."""
    key = (str(path), parse)
    stamp = stamp_of(path)
    if stamp is None:
        with _lock:
            _entries.pop(key, None)
        return missing()
    entry = _entries.get(key)
    if entry is not None and entry[0] == stamp:
        return entry[1]
    try:
        value = parse(Path(path))
    except OSError:
        return missing()
    settled = time.time_ns() - stamp[2] > RACY_NS  # by its modification time
    if settled and stamp_of(path) == stamp:  # not changed while it was read: worth keeping
        with _lock:
            _entries[key] = (stamp, value)
    return value


def forget(path: Path | str) -> None:
    """Drop what is kept of `path` (a writer that just replaced it)."""
    with _lock:
        for key in [k for k in _entries if k[0] == str(path)]:
            _entries.pop(key, None)
