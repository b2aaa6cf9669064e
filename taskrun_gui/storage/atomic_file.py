"""A file that appears complete or not at all: written aside in its folder, then renamed.

What the user asked to be written (an export) is either the whole thing or absent after a
crash, a full disk or an error mid-way, and is 0600 from its first byte (runs hold parameters,
paths and error text that are nobody else's to read)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO


@contextmanager
def atomic_text_file(path: str | Path) -> Iterator[TextIO]:
    """A text stream (UTF-8, no newline translation) that becomes `path` when the block ends
    without an exception; otherwise nothing is left behind."""
    target = Path(path)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(tmp, target)
    except BaseException:
        with suppress(OSError):
            os.remove(tmp)
        raise
