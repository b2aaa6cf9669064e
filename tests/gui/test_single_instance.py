"""One window per data dir: four windows launched at once leave one, the others hand over
(they ask it to come to the front) and exit 0; the window's lock falls back to the runtime dir
when the data dir cannot hold it, and a socket left by a crashed window is taken over."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDir
from PySide6.QtNetwork import QLocalServer

from taskrun_gui.engine.locks import FileLock
from taskrun_gui.single_instance import (
    SingleInstance,
    ask_running_instance,
    instance_server_name,
)
from tests.helpers import wait_for

REPO = Path(__file__).resolve().parents[2]
LAUNCHES = 4
# The window's main() once every launch is ready to call it: "at once", not one by one as
# slow imports would space them.
AT_ONCE = """
import pathlib, sys, time
from taskrun_gui.app import main
ready, go, data_dir = map(pathlib.Path, sys.argv[1:4])
ready.touch()
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.002)
sys.exit(main(["--data-dir", str(data_dir)]))
"""


def _launch(data_dir: Path, env: dict[str, str], ready: Path, go: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", AT_ONCE, str(ready), str(go), str(data_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        if p.poll() is None:
            p.kill()
        p.communicate(timeout=30)


@pytest.mark.slow
def test_four_windows_launched_at_once_leave_one(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "cfg"))
    env.pop("TASKRUN_HOME", None)
    name = instance_server_name(data_dir.resolve())
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{i}" for i in range(LAUNCHES)]
    procs = [_launch(data_dir, env, ready[i], go) for i in range(LAUNCHES)]
    try:
        wait_for(lambda: all(r.exists() for r in ready), timeout=60)
        go.touch()
        wait_for(lambda: sum(p.poll() is not None for p in procs) >= LAUNCHES - 1, timeout=90)
        exited = [p for p in procs if p.poll() is not None]
        running = [p for p in procs if p.poll() is None]
        assert len(running) == 1, [p.returncode for p in exited]
        survivor = running[0]
        for p in exited:
            out, err = p.communicate(timeout=30)
            assert p.returncode == 0, err
            assert f"TaskRun is already open for {data_dir.resolve()}" in out

        # the survivor had a request from each of the others: ask it too, and read its count
        asked = 0

        def survivor_counted_the_others() -> bool:
            nonlocal asked
            answer = ask_running_instance(name, answer_timeout_ms=2000)
            asked += answer is not None
            if answer is None or answer.pid is None or answer.requests is None:
                return False
            assert answer.pid == survivor.pid
            return answer.requests >= asked + (LAUNCHES - 1)

        wait_for(survivor_counted_the_others, timeout=30)
        assert survivor.poll() is None
    finally:
        _stop(procs)
        QLocalServer.removeServer(name)  # the survivor was killed: its socket file is left


def test_the_lock_holder_takes_over_a_socket_left_by_a_crash(qtbot, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    name = instance_server_name(data_dir)
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(Path(QDir.tempPath()) / name))  # a crashed window's socket file
    stale.close()
    instance = SingleInstance(data_dir)
    try:
        assert instance.claim()
        assert instance.server.server.isListening()
        assert (data_dir / "locks" / "window.lock").exists()
        with qtbot.waitSignal(instance.raise_requested, timeout=5000):
            # a launch that does not wait for the answer (this thread's loop is not running)
            assert ask_running_instance(name, answer_timeout_ms=0) is not None
        assert instance.server.requests == 1
    finally:
        instance.close()
    assert not instance.server.server.isListening()


def test_window_lock_in_the_runtime_dir_when_the_data_dir_has_no_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "locks").write_text("not a folder")  # no lock file can be made in there
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    instance = SingleInstance(data_dir)
    try:
        assert instance.claim()
        lock_file = runtime / f"{instance.name}.lock"
        other = FileLock(lock_file)
        assert not other.try_acquire()  # held: a second launch would hand over
    finally:
        instance.close()
    assert other.try_acquire()
    other.release()


def test_a_launch_that_finds_the_lock_held_but_no_answer_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    (data_dir / "locks").mkdir(parents=True)
    holder = FileLock(data_dir / "locks" / "window.lock")
    assert holder.try_acquire()  # a window that took the lock and hangs before listening
    try:
        instance = SingleInstance(data_dir, handover_seconds=0.3)
        assert not instance.claim()
        assert instance.exit_code == 1
    finally:
        holder.release()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "does not answer" in err
