"""Small file systems of their own for the tests that fill a disk (tmpfs; root only, which CI
is: under CI a refused mount fails the test instead of skipping it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from taskrun_gui.storage.fallback_dirs import fallback_dir


@contextmanager
def small_fs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (e.g. "4m") mounted at `where`, unmounted afterwards."""
    where.mkdir()
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a small file system for the test: {res.stderr}")
        pytest.skip(f"cannot mount a tmpfs here (needs root): {res.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(mnt: Path) -> Path:
    """Every byte of the disk taken (down to the last page); returns the filler file."""
    filler = mnt / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 4096, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return filler


def drop_fallbacks(mnt: Path) -> None:
    """Remove the temp-dir fallbacks of the data dirs on `mnt`, and only those: the temp dir
    is shared with every other TaskRun of this user (another test session's runs among them,
    whose fallback journal must not vanish under it)."""
    for data_dir in (p for p in mnt.iterdir() if p.is_dir()):
        for name in ("spool", "tmp"):  # storage/journal.py, engine/plan.py
            shutil.rmtree(fallback_dir(data_dir, name), ignore_errors=True)
