"""Where a data dir is, without opening anything: the window finds its single-instance lock
with it before it shows, long before the store (and peewee) is imported."""

from __future__ import annotations

import os
from pathlib import Path


def resolve_data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """--data-dir, else $TASKRUN_HOME, else the platform's user data dir."""
    chosen = explicit or os.environ.get("TASKRUN_HOME") or _platform_data_dir()
    return Path(chosen).expanduser().resolve()


def _platform_data_dir() -> str:
    import platformdirs  # only when neither says: a few milliseconds of start-up otherwise

    return platformdirs.user_data_dir("taskrun")
