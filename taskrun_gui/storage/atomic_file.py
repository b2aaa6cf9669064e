"""A file that appears complete or not at all: written aside in its folder, then renamed.

What the user asked to be written (an export) is either the whole thing or absent after a
crash, a full disk or an error mid-way, and is 0600 from its first byte (runs hold parameters,
paths and error text that are nobody else's to read). A symbolic link is written through (the
file it points to is replaced, the link stays), and a target that is not a regular file (a
pipe, a terminal) or is a standard stream (/dev/stdout, even redirected to a file) is written
to as a stream, appended to: it cannot be renamed over. Errors name the path the caller gave,
never the file written aside."""

from __future__ import annotations

import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_text_file(path: str | Path, errors: str = "strict") -> Iterator[TextIO]:
    """A text stream (UTF-8, no newline translation; `errors` as open() takes it) that becomes
    `path` when the block ends without an exception; otherwise nothing is left behind."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _named(exc, path) from None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(21, os.strerror(21), str(path))
    if mode is not None and (not stat.S_ISREG(mode) or _names_a_stream(path)):  # in place
        try:
            # appended to in place (no O_TRUNC)
            stream = open(path, "a", encoding="utf-8", errors=errors, newline="")  # noqa: SIM115
        except OSError as exc:
            raise _named(exc, path) from None
        with stream:
            yield stream
        return
    target = Path(os.path.realpath(path))  # through a link: the file it names is replaced
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise _named(exc, path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors=errors, newline="") as out:
            yield out
        os.replace(tmp, target)
    except BaseException as exc:
        with suppress(OSError):
            os.remove(tmp)
        if isinstance(exc, OSError) and exc.filename in (tmp, str(target)):
            raise _named(exc, path) from None
        raise


def _names_a_stream(path: str | Path) -> bool:
    """/dev/stdout, /proc/self/fd/1 and the like name the caller's own streams even when one
    goes to a regular file (a shell's redirection, maybe appending), as does a path to the
    very file a standard stream is open on: written in place, not replaced."""
    given = os.path.abspath(path)  # not realpath: /dev/stdout resolves to the shell's file
    if given in _STD_NAMES or given.startswith(_FD_FOLDERS) or _PID_FD.match(given):
        return True
    try:
        target = os.stat(path)
    except OSError:
        return False
    for fd in (1, 2):  # what this process writes to (stdin would be a file read: replaced)
        with suppress(OSError):
            st = os.fstat(fd)
            writes = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE != os.O_RDONLY
            if writes and (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                return True
    return False


_STD_NAMES = ("/dev/stdin", "/dev/stdout", "/dev/stderr")
_FD_FOLDERS = ("/dev/fd/", "/proc/self/fd/", "/proc/thread-self/fd/")
_PID_FD = re.compile(r"^/proc/\d+/fd/")


def _named(exc: OSError, path: str | Path) -> OSError:
    """The same error, naming the caller's path."""
    return type(exc)(exc.errno, exc.strerror or str(exc), str(path))
