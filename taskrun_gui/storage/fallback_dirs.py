"""Where TaskRun keeps what it must write when the data dir's disk refuses it (full): private
folders of this user in the temporary directory, usually another file system, one set per
data dir. Each is checked to be this user's real folder (the temporary directory is shared)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path


def fallback_dir(data_dir: Path, name: str) -> Path:
    """`name` (spool, tmp) of the data dir, in the fallback place (not made yet)."""
    digest = hashlib.sha256(str(Path(data_dir).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"taskrun-{os.getuid()}" / f"{name}-{digest}"


def private_dir(folder: Path) -> bool:
    """Make `folder` (and its parent) folders only this user can enter; False when one is
    someone else's or a link, or cannot be made."""
    try:
        for part in (folder.parent, folder):
            with contextlib.suppress(FileExistsError):
                os.mkdir(part, 0o700)
            st = os.lstat(part)
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
                return False
            if stat.S_IMODE(st.st_mode) != 0o700:
                os.chmod(part, 0o700)
    except OSError:
        return False
    return True


MISSING = "it does not exist"


def not_private(folder: Path) -> str | None:
    """Why `folder` (or its parent) is not a real folder of this user that only this user can
    enter (MISSING when one is not there), None when both are. Changes nothing: a folder that
    someone else made in the shared temporary directory is read by nobody, not repaired."""
    for part in (folder.parent, folder):
        try:
            st = os.lstat(part)
        except FileNotFoundError:
            return MISSING
        except OSError as exc:
            return f"{part}: {exc.strerror or exc}"
        if not stat.S_ISDIR(st.st_mode):
            return f"{part} is not a folder"
        if st.st_uid != os.getuid():
            return f"{part} belongs to user {st.st_uid}"
        if stat.S_IMODE(st.st_mode) != 0o700:
            return f"{part} has mode {stat.S_IMODE(st.st_mode):04o}, not 0700"
    return None
