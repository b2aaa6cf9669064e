"""A data dir in trouble, through the real `taskrun`: a damaged database, a read-only database
or data dir, a store locked by another process, an open umask. Each is one line saying what is
wrong and what still works; nothing is undone that the owner did (a 0400 database stays 0400)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import cli_env, taskrun, taskrun_json

PY = sys.executable
CONSEQUENCE = "runs cannot be recorded or started here; history can still be read"


def _one_line(res: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in res.stderr, res.stderr
    assert res.stderr.startswith("taskrun: "), res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    return res.stderr.strip()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


@pytest.fixture
def history(tmp_path: Path) -> Path:
    """A data dir with one finished run that printed 'x'."""
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "c", "--command", "echo x").returncode == 0
    assert taskrun(d, "run", "c", "--wait").returncode == 0
    return d


# -- B: a database that is not one ----------------------------------------------------------


def test_random_bytes_as_the_database_are_one_line_saying_what_to_do(tmp_path: Path) -> None:
    d = tmp_path / "data"
    d.mkdir()
    db = d / "taskrun.db"
    db.write_bytes(os.urandom(8192))
    before = _digest(db)
    for args in (["runs"], ["task", "list"], ["task", "add", "t", "--command", "true"]):
        res = taskrun(d, *args)
        assert res.returncode == 1, args
        line = _one_line(res)
        assert f"the history store {db} is damaged or not a TaskRun database" in line
        assert "away or restore it from a backup" in line
    assert _digest(db) == before
    assert sorted(p.name for p in d.iterdir() if p.is_file()) == ["taskrun.db"]


def test_a_damaged_page_found_by_a_query_is_one_line(history: Path) -> None:
    db = history / "taskrun.db"
    data = bytearray(db.read_bytes())
    data[4096:] = b"\xab" * (len(data) - 4096)  # the header survives, the tables do not
    db.write_bytes(bytes(data))
    res = taskrun(history, "runs")
    assert res.returncode == 1
    assert "is damaged or not a TaskRun database" in _one_line(res)


# -- E: a database its owner made read-only -------------------------------------------------


def test_too_open_modes_are_tightened_and_nothing_is_given_back(history: Path) -> None:
    os.chmod(history / "taskrun.db", 0o664)
    os.chmod(history / "logs", 0o755)
    os.chmod(history / "locks", 0o500)  # the owner took write away: it stays away
    assert taskrun(history, "runs").returncode == 0
    assert _mode(history / "taskrun.db") == 0o600
    assert _mode(history / "logs") == 0o700
    assert _mode(history / "locks") == 0o500
    os.chmod(history / "locks", 0o700)


def test_a_0400_database_stays_0400_reads_work_and_writes_are_refused(history: Path) -> None:
    db = history / "taskrun.db"
    os.chmod(db, 0o400)
    before = _digest(db)
    listed = taskrun(history, "runs", "--json")
    assert listed.returncode == 0, listed.stderr
    assert "is read-only (mode 0400)" in _one_line(listed)  # the warning, once
    assert taskrun(history, "log", "1").stdout == "x\n"
    assert taskrun(history, "stats").returncode == 0
    assert "c" in taskrun(history, "task", "list").stdout
    for args in (
        ["task", "add", "t", "--command", "true"],
        ["run", "c", "--wait"],
        ["cleanup", "--keep-per-task", "1"],
    ):
        res = taskrun(history, *args)
        assert res.returncode == 1, args
        assert _one_line(res) == (
            f"taskrun: the history store {db} is read-only (mode 0400): {CONSEQUENCE}"
        )
    assert _mode(db) == 0o400
    assert _digest(db) == before
    assert not (history / "taskrun.db-wal").exists()
    assert not (history / "taskrun.db-shm").exists()


# -- C: a data dir that cannot be written ---------------------------------------------------


@pytest.fixture
def immutable(history: Path) -> Iterator[Path]:
    """The data dir made immutable (chattr +i, which even root cannot write through)."""
    if shutil.which("chattr") is None:
        pytest.skip("no chattr")
    res = subprocess.run(["chattr", "+i", str(history)], capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {res.stderr.strip()}")
    try:
        yield history
    finally:
        subprocess.run(["chattr", "-i", str(history)], check=True)


def test_an_immutable_data_dir_still_shows_its_history(immutable: Path) -> None:
    expected = f"the data dir {immutable} cannot be written (Operation not permitted): "
    runs = taskrun(immutable, "runs", "--json")
    assert runs.returncode == 0
    assert _one_line(runs) == f"taskrun: warning: {expected}{CONSEQUENCE}"
    assert [r["status"] for r in taskrun_json(immutable, "runs", "--json")] == ["success"]
    assert taskrun(immutable, "log", "1").stdout == "x\n"
    assert taskrun(immutable, "stats").returncode == 0
    assert "c" in taskrun(immutable, "task", "list").stdout
    for args in (["task", "add", "t", "--command", "true"], ["run", "c"], ["cancel", "1"]):
        res = taskrun(immutable, *args)
        assert res.returncode == 1, args
        assert _one_line(res) == f"taskrun: {expected}{CONSEQUENCE}"
    assert sorted(p.name for p in immutable.iterdir() if p.is_file()) == ["taskrun.db"]


def test_an_empty_immutable_data_dir_is_one_line(tmp_path: Path) -> None:
    d = tmp_path / "empty"
    d.mkdir(mode=0o700)
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(d)]).returncode:
        pytest.skip("chattr +i does not work here")
    try:
        res = taskrun(d, "runs")
    finally:
        subprocess.run(["chattr", "-i", str(d)], check=True)
    assert res.returncode == 1
    assert "cannot be written (Operation not permitted) and holds no history yet" in _one_line(res)


# -- E: modes whatever the umask ------------------------------------------------------------


def _popen_umask0(d: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [PY, "-m", "taskrun_gui.cli", *args],
        env=cli_env(d),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        umask=0,
    )


def test_with_umask_000_every_file_is_0600_and_every_folder_0700(tmp_path: Path) -> None:
    d = tmp_path / "data"
    mark = tmp_path / "go"
    add = _popen_umask0(
        d,
        "task",
        "add",
        "hold",
        "--command",
        f"echo out; while [ ! -e {mark} ]; do sleep 0.05; done",
    )
    assert add.wait(60) == 0, add.communicate()
    run = _popen_umask0(d, "run", "hold", "--wait")
    try:
        deadline = time.monotonic() + 30
        wal, shm = d / "taskrun.db-wal", d / "taskrun.db-shm"
        while not (wal.exists() and shm.exists() and list((d / "logs").rglob("*.log"))):
            assert time.monotonic() < deadline, "the run did not start"
            assert run.poll() is None, run.communicate()
            time.sleep(0.05)
        modes = {str(p.relative_to(d)): _mode(p) for p in [d, *d.rglob("*")] if not p.is_symlink()}
    finally:
        mark.touch()
        _out, err = run.communicate(timeout=60)
    assert run.returncode == 0, err
    assert modes["taskrun.db-wal"] == modes["taskrun.db-shm"] == 0o600
    wrong = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode != (0o700 if (d / name).is_dir() or name == "." else 0o600)
    }
    assert wrong == {}


# -- D: a store another process is writing to -----------------------------------------------

BLOCKER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


@pytest.fixture
def blocker(history: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the write lock of taskrun.db until it is sent a line."""
    proc = subprocess.Popen(
        [PY, "-c", BLOCKER, str(history / "taskrun.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.communicate("\n", timeout=30)


def _stderr_line(proc: subprocess.Popen[bytes], deadline: float) -> str:
    """The first line the process writes to stderr, without blocking past the deadline."""
    import selectors

    assert proc.stderr is not None
    data = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stderr, selectors.EVENT_READ)
        while b"\n" not in data:
            left = deadline - time.monotonic()
            assert left > 0, f"nothing on stderr yet: {data!r}"
            if sel.select(left):
                chunk = os.read(proc.stderr.fileno(), 4096)
                assert chunk, f"stderr closed: {data!r}"
                data += chunk
    return data.decode().splitlines()[0]


def test_a_locked_store_says_it_waits_then_goes_on(
    history: Path, blocker: subprocess.Popen[str]
) -> None:
    cli = subprocess.Popen(
        [PY, "-m", "taskrun_gui.cli", "task", "add", "later", "--command", "true"],
        env=cli_env(history),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        line = _stderr_line(cli, time.monotonic() + 30)
    finally:
        blocker.communicate("\n", timeout=30)  # the other process is done
    out, err = cli.communicate(timeout=60)
    assert line == "taskrun: waiting for the history store: another process is writing to it…"
    assert cli.returncode == 0, err
    assert err.decode().strip() == ""  # told once
    assert b"task 'later' created" in out
    assert [t["name"] for t in taskrun_json(history, "task", "list", "--json")] == ["c", "later"]


def test_a_store_locked_for_too_long_fails_in_one_line_and_writes_nothing(
    history: Path, blocker: subprocess.Popen[str]
) -> None:
    res = taskrun(history, "task", "add", "later", "--command", "true", TASKRUN_STORE_WAIT_S="1")
    blocker.communicate("\n", timeout=30)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1] == (
        "taskrun: the history store is still busy after 1 s: another process is writing to "
        "it; try again when it is done"
    )
    assert [t["name"] for t in taskrun_json(history, "task", "list", "--json")] == ["c"]
