"""An exported task file in a folder the user may not write in: written in place when the
file is theirs, left whole when it cannot be made theirs alone (0600)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.core import toml_io

NOBODY = 65534
pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to act as another user")


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder nobody can reach (pytest's tmp_path is its owner's alone)."""
    path = Path(tempfile.mkdtemp(prefix="taskrun-nobody-", dir="/tmp"))  # not TMPDIR: 0700
    os.chmod(path, 0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _as_nobody(path: Path, text: str) -> int:
    """write_task_file as user `nobody` in a child process: 0 written, 1 OSError naming path."""
    pid = os.fork()
    if pid == 0:  # the child: no pytest from here on
        code = 2
        try:
            os.setuid(NOBODY)
            toml_io.write_task_file(path, text)
            code = 0
        except OSError as exc:
            code = 1 if exc.filename == str(path) else 3
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def test_a_file_of_theirs_in_a_folder_they_cannot_write_is_written_in_place(
    open_dir: Path,
) -> None:
    folder = open_dir / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)  # whatever umask an earlier test left
    target = folder / "t.toml"
    target.write_text("old\n")
    os.chown(target, NOBODY, NOBODY)
    os.chmod(target, 0o644)
    assert _as_nobody(target, 'name = "t"\n') == 0
    assert target.read_text() == 'name = "t"\n' and target.stat().st_mode & 0o777 == 0o600


def test_a_file_they_cannot_make_theirs_alone_is_left_whole(open_dir: Path) -> None:
    folder = open_dir / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)  # whatever umask an earlier test left
    target = folder / "t.toml"
    target.write_text("old\n")
    os.chmod(target, 0o666)  # root's, writable by all: nobody cannot chmod it
    assert _as_nobody(target, 'name = "t"\n') == 1  # an error naming the file
    assert target.read_text() == "old\n"  # it was cut to 0 bytes, then refused
