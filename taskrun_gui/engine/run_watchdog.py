"""A host's watchdog on a shared history: a small process beside the host that stops the
host's runs' processes the moment the host is gone, however it went (kill -9, a crash).

Why: on a shared PostgreSQL history another node records a dead node's runs `interrupted`
once its lease expires, and may start their next attempts; processes left running on the
dead machine would go on unaccounted for (and twice, with a retry). On a data dir's own
SQLite file the next TaskRun process on the machine finds the runs and stops what is left
(engine/recovery.py), as before, so no watchdog is started there.

How: the host keeps the write end of a pipe whose read end is the watchdog's stdin, and
tells it, one line per change, each run's main process (`+ UID PID PGID CREATE_TIME`) and
each end (`- UID`). A line is one write(2) of less than PIPE_BUF bytes: never torn. When the
host dies the kernel closes its end: the watchdog reads end of file and stops every run it
still knows, as recovery does (the process tree, its group when verified, the processes that
carry the run's marker, the run's pids file), each identified by create time so a recycled
pid is never touched. A chosen alternative to PR_SET_PDEATHSIG: that reaches only the direct
child (not a shell's children, not escapees) and fires when the spawning *thread* ends.

The watchdog has a session of its own (a terminal's Ctrl-C goes to the host, which stops
its runs itself, and the watchdog then finds none), inherits no descriptor of the host (so
no lock and no run output is held), and is started with the host's first local run."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from taskrun_gui.core.models import RunRecord

CLOSE_WAIT_S = 5.0


class RunWatchdog:
    """The host's side; thread-safe (workers note and forget their runs)."""

    def __init__(self, tmp_dir: Path, enabled: bool) -> None:
        self.tmp_dir = tmp_dir
        self.enabled = enabled
        self._lock = threading.Lock()
        self._lines: dict[str, bytes] = {}  # uid -> its `+` line, to send again to a new one
        self._proc: subprocess.Popen[bytes] | None = None

    def watching(self, on_state: Callable[[RunRecord], None]) -> Callable[[RunRecord], None]:
        """`on_state` (a run's state hook) that first tells the watchdog the run's process."""
        if not self.enabled:
            return on_state

        def hook(rec: RunRecord) -> None:
            self.note(rec)
            on_state(rec)

        return hook

    def note(self, rec: RunRecord) -> None:
        """Run `rec` has a process here (a new one for each step)."""
        if not self.enabled or rec.pid is None or rec.host is not None:
            return
        line = f"+ {rec.uid} {rec.pid} {rec.pgid or 0} {rec.proc_create_time!r}\n".encode()
        with self._lock:
            if self._lines.get(rec.uid) != line:  # a pause or resume: the same process
                self._lines[rec.uid] = line
                self._send(line)

    def forget(self, uid: str) -> None:
        """Run `uid` has ended here, its processes stopped by its supervisor."""
        if not self.enabled:
            return
        with self._lock:
            if self._lines.pop(uid, None) is not None:
                self._send(f"- {uid}\n".encode())

    def close(self) -> None:
        """The host stops: the watchdog goes, unless runs are still going here (then it
        stays until this process ends, and stops them then)."""
        with self._lock:
            proc, lines = self._proc, self._lines
            if proc is None or lines:
                return
            self._proc = None
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _send(self, line: bytes) -> None:
        """Under the lock: one write; a watchdog that went away is started again and told
        every run still going."""
        for _attempt in range(2):
            fresh = self._proc is None
            if fresh:
                self._proc = self._spawn()
            data = b"".join(self._lines.values()) if fresh else line
            if self._proc is None or self._proc.stdin is None or not data:
                return
            try:
                self._proc.stdin.write(data)
                return
            except OSError:  # it went away (killed): reaped, and another one started
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._proc.wait(0.1)
                self._proc = None

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        try:
            return subprocess.Popen(
                [sys.executable, "-m", "taskrun_gui.engine.run_watchdog", str(self.tmp_dir)],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                bufsize=0,  # each line is one write(2)
                close_fds=True,
                start_new_session=True,
            )
        except OSError:  # no process to spare: recovery stops them when the host is back
            return None


def stop_leftovers(
    tmp_dir: Path, uid: str, pid: int | None, pgid: int | None, create_time: float | None
) -> Path:
    """Stop what is left of run `uid`'s processes on this machine; its pids file's path. The
    main process and its group only when it is still the same process (create time)."""
    from taskrun_gui.engine import run_pids
    from taskrun_gui.engine.supervise import kill_grace
    from taskrun_gui.monitor import proctree

    verified = pid is not None and proctree.is_same_process(pid, create_time)
    pids_file = run_pids.path_for(tmp_dir, uid)
    proctree.stop_tree(
        pid if verified else None,
        pgid if verified else None,  # an unverified group id may belong to anyone
        uid,
        grace=min(2.0, kill_grace()),
        extra=run_pids.still_running(pids_file),
    )
    return pids_file


def _parse(line: bytes, runs: dict[str, tuple[int, int, float | None]]) -> None:
    parts = line.decode(errors="replace").split()
    with contextlib.suppress(ValueError):
        if len(parts) == 5 and parts[0] == "+":
            created = None if parts[4] == "None" else float(parts[4])
            runs[parts[1]] = (int(parts[2]), int(parts[3]), created)
        elif len(parts) == 2 and parts[0] == "-":
            runs.pop(parts[1], None)


def main(argv: list[str]) -> int:
    """The watchdog: read the host's lines until it is gone, then stop what it left."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
        signal.signal(sig, signal.SIG_IGN)
    tmp_dir = Path(argv[0])
    runs: dict[str, tuple[int, int, float | None]] = {}
    for line in sys.stdin.buffer:
        if line.endswith(b"\n"):
            _parse(line, runs)
    threads = [
        threading.Thread(target=stop_leftovers, args=(tmp_dir, uid, pid, pgid or None, created))
        for uid, (pid, pgid, created) in runs.items()
    ]
    for t in threads:  # at once: each waits out its own grace
        t.start()
    for t in threads:
        t.join()
    return 0


if __name__ == "__main__":
    os.umask(0o077)
    sys.exit(main(sys.argv[1:]))
