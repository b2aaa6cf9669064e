"""storage/atomic_file.py: what an export's --out names is what gets written. A link is
written through, a pipe is streamed to, and an error names the caller's path, never the
file written aside."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from taskrun_gui.storage.atomic_file import atomic_text_file


def test_a_link_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to("real.csv")
    with atomic_text_file(link) as out:
        out.write("new\n")
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert real.read_text() == "new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "real.csv"]


def test_a_pipe_is_written_to_as_a_stream_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with atomic_text_file(fifo) as out:
        out.write("rows\n")
    reader.join(30)
    assert got == [b"rows\n"]
    assert fifo.is_fifo()


@pytest.mark.parametrize("where", ["missing/r.json", "."])
def test_an_error_names_the_path_asked_for(tmp_path: Path, where: str) -> None:
    target = tmp_path / where
    with pytest.raises(OSError) as caught, atomic_text_file(target) as out:
        out.write("x")
    assert caught.value.filename == str(target)
    assert not [p for p in tmp_path.rglob("*.part")]


def test_a_failed_write_leaves_the_old_file_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError), atomic_text_file(target) as out:
        out.write("half")
        raise RuntimeError("the history could not be read")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["r.csv"]


def test_dev_stdout_redirected_to_a_file_is_appended_to_not_replaced(tmp_path: Path) -> None:
    """`taskrun export-runs --out /dev/stdout >> runs.csv`: the shell's file keeps what it had,
    gets the rows after it, and is the same file (the same inode) afterwards."""
    out = tmp_path / "runs.csv"
    out.write_text("previous\n")
    code = (
        "from taskrun_gui.storage.atomic_file import atomic_text_file\n"
        "with atomic_text_file('/dev/stdout') as f:\n"
        "    f.write('EXPORT\\n')\n"
        "print('after', flush=True)\n"
    )
    inode = out.stat().st_ino
    with open(out, "a") as fh:
        subprocess.run([sys.executable, "-c", code], stdout=fh, check=True)
    assert out.read_text() == "previous\nEXPORT\nafter\n"
    assert out.stat().st_ino == inode


def test_a_file_read_on_stdin_is_replaced_not_appended_to(tmp_path: Path) -> None:
    """`taskrun export-runs --out c.csv < c.csv`: stdin is read, not written: one export."""
    out = tmp_path / "c.csv"
    out.write_text("old\n")
    code = (
        "from taskrun_gui.storage.atomic_file import atomic_text_file\n"
        f"with atomic_text_file({str(out)!r}) as f:\n"
        "    f.write('new\\n')\n"
    )
    with open(out) as stdin:
        subprocess.run([sys.executable, "-c", code], stdin=stdin, check=True)
    assert out.read_text() == "new\n"
