"""Processes that leave a run every way they can at once: a new session, an empty environment
(so no run marker), a double fork. Each carries a unique tag in its argv, so what survives is
counted by that tag and nothing else."""

from __future__ import annotations

import os
import shlex
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil

PY = sys.executable

# argv: TAG PIDFILE MODE. It writes its pid to PIDFILE and prints it on the run's output,
# then sleeps (MODE "loud"), or exits (MODE "brief"); MODE "quiet" first lets go of the
# run's output (stdout and stderr to /dev/null) and prints nothing
ESCAPEE = (
    "import os, sys, time\n"
    "tag, pidfile, mode = sys.argv[1:4]\n"
    "if mode == 'quiet':\n"
    "    null = os.open(os.devnull, os.O_WRONLY)\n"
    "    os.dup2(null, 1)\n"
    "    os.dup2(null, 2)\n"
    "else:\n"
    "    print(f'escapee {os.getpid()}', flush=True)\n"
    "open(pidfile + '.new', 'w').write(str(os.getpid()))\n"
    "os.rename(pidfile + '.new', pidfile)\n"
    "if mode != 'brief':\n"
    "    time.sleep(300)\n"
)


def escapee_argv(tag: str, pidfile: Path, mode: str = "loud") -> list[str]:
    return [PY, "-c", ESCAPEE, tag, str(pidfile), mode]


def setsid_line(tag: str, pidfile: Path, tail: str, mode: str = "loud", sub: bool = False) -> str:
    """A shell line whose background job starts a new session with an empty environment
    (`setsid env -i ...`), then runs `tail`. `sub`: the job is started from a subshell that
    exits at once, so it is an orphan from the start (the usual way to daemonize)."""
    job = shlex.join(["setsid", "env", "-i", *escapee_argv(tag, pidfile, mode)])
    return f"( {job} & ) ; {tail}" if sub else f"{job} & {tail}"


def double_fork_code(tag: str, pidfile: Path, tail: str, mode: str = "loud") -> str:
    """Python that forks; the child starts a session, forks the escapee (its environment
    replaced by an empty one with execve) and exits; the main process reaps it, waits
    until the escapee has written its pid, then runs `tail`."""
    argv = escapee_argv(tag, pidfile, mode)
    return (
        "import os, sys, time\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os.setsid()\n"
        "    if os.fork() == 0:\n"
        f"        os.execve({PY!r}, {argv!r}, {{}})\n"
        "    os._exit(0)\n"
        "os.waitpid(pid, 0)\n"
        f"while not os.path.exists({str(pidfile)!r}): time.sleep(0.01)\n"
        f"{tail}\n"
    )


def survivors(tag: str) -> list[int]:
    """Live processes (not zombies) with `tag` in their argv."""
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        cmdline = p.info["cmdline"] or []
        if p.info["status"] != psutil.STATUS_ZOMBIE and any(tag in a for a in cmdline):
            found.append(p.pid)
    return found


def logged(path: str | Path) -> bytes:
    """A run's log so far (none yet: its first byte has not come)."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return b""


def pid_in(path: Path) -> int:
    return int(path.read_text())


class Tags:
    """Unique tags for a test, and every process carrying one killed at its end."""

    def __init__(self) -> None:
        self.made: list[str] = []
        self.pids: set[int] = set()  # to reap if they ended up zombies of this process

    def new(self) -> str:
        tag = f"escapee-{uuid.uuid4().hex}"
        self.made.append(tag)
        return tag

    def clean_up(self) -> None:
        for tag in self.made:
            for pid in survivors(tag):
                self.pids.add(pid)
                try:
                    psutil.Process(pid).kill()
                except psutil.Error:
                    continue
        me = os.getpid()
        for pid in self.pids:  # orphans of a killed host may have been reparented to us
            try:
                if psutil.Process(pid).ppid() == me:
                    psutil.Process(pid).wait(5)
            except (psutil.Error, ChildProcessError):
                continue


def tags_for_a_test() -> Iterator[Tags]:
    """The body of a test module's `tags` fixture."""
    t = Tags()
    try:
        yield t
    finally:
        t.clean_up()
