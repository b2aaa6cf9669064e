"""Starting a run's main process: the child leads a session of its own, its stdin is
/dev/null, its stdout and stderr one descriptor (the run's output pipe), every other
descriptor closed, exactly as `subprocess.Popen(..., start_new_session=True, close_fds=True)`.

Why not Popen itself: a burst of short runs spends half of its time in this process in
Popen's Python (encoding the environment item by item, its handle bookkeeping, an ExitStack),
and on two cores that is time the runs' processes do not get. The standard library's own
primitive (`_posixsubprocess.fork_exec`, which vforks: no preexec_fn, no uid/gid change) is
called here with what Popen would hand it, and a child that cannot exec reports through the
same error pipe, read the same way, so the errors are Popen's (FileNotFoundError naming the
program, the working directory's OSError). Where that primitive is not there or takes other
arguments (another Python), Popen does it, with the same result."""

from __future__ import annotations

import builtins
import contextlib
import functools
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

try:
    import _posixsubprocess
except ImportError:  # not POSIX
    _posixsubprocess = None  # type: ignore[assignment]  # Popen does it

ERR_LIMIT = 50000  # what Popen reads of a child's exec error, at most


@dataclass
class Child:
    pid: int
    popen: subprocess.Popen[bytes] | None = None  # when Popen started it (it keeps the pid)


# called with its arguments in the order Popen passes them in Python 3.11 (Lib/subprocess.py,
# _execute_child); another Python: Popen, until its arguments are checked here too
_FORK_EXEC: Any = getattr(_posixsubprocess, "fork_exec", None)
_lean = _FORK_EXEC is not None and sys.version_info[:2] == (3, 11)


@functools.cache
def _devnull() -> int:
    """One /dev/null descriptor for every child's stdin (not an open() per run)."""
    return above_std(os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC))


def above_std(fd: int) -> int:
    """`fd`, or a copy of it above 0-2 (a daemon may have closed its standard ones: the
    child's dup2 onto them must not clobber its own source)."""
    if fd > 2:
        return fd
    high = os.dup(fd)  # non-inheritable, as every descriptor Python makes
    while high < 3:
        high = os.dup(high)
    os.close(fd)
    return high


@functools.lru_cache(maxsize=256)
def _executables(program: str, path: bytes | str | None) -> tuple[bytes, ...]:
    """Where the child tries to exec `program`, in order: os._execvpe's rule, as Popen's."""
    exe = os.fsencode(program)
    if os.path.dirname(exe):
        return (exe,)
    dirs = os.get_exec_path({"PATH": os.fsdecode(path)} if path is not None else {})
    return tuple(os.path.join(os.fsencode(d), exe) for d in dirs)


def spawn(argv: list[str], env: dict[bytes, bytes], cwd: str | None, out_fd: int) -> Child:
    """Start `argv` with `out_fd` as its stdout and stderr; raises OSError as Popen does."""
    if not _lean:
        return _with_popen(argv, env, cwd, out_fd)
    sys.audit("subprocess.Popen", argv[0], argv, cwd, env)
    if b"=" in b"".join(env):  # in one of the names
        raise ValueError("illegal environment variable name")
    env_list = [k + b"=" + v for k, v in env.items()]
    executables = _executables(argv[0], env.get(b"PATH"))  # none: os.defpath, as Popen
    err_read, err_write = os.pipe2(os.O_CLOEXEC)
    err_write = above_std(err_write)
    try:  # as Popen: close_fds, the error pipe kept; stdin, stdout, stderr; restore_signals,
        # setsid, no process group; gid, groups, uid, umask, preexec_fn: none; vfork allowed
        pid = _FORK_EXEC(
            argv,
            executables,
            True,
            (err_write,),
            cwd,
            env_list,
            _devnull(),
            -1,
            -1,
            out_fd,
            -1,
            out_fd,
            err_read,
            err_write,
            True,
            True,
            -1,
            None,
            None,
            None,
            -1,
            None,
            True,
        )
    except TypeError:  # another signature than this Python's own Popen passes
        os.close(err_read)
        os.close(err_write)
        return _disable_lean(argv, env, cwd, out_fd)
    except BaseException:
        os.close(err_read)
        os.close(err_write)
        raise
    os.close(err_write)
    try:
        data = _read_error(err_read)
    finally:
        os.close(err_read)
    if data:
        _raise_exec_error(pid, data, argv[0], cwd)
    return Child(pid)


def _disable_lean(argv: list[str], env: dict[bytes, bytes], cwd: str | None, out: int) -> Child:
    global _lean
    _lean = False
    return _with_popen(argv, env, cwd, out)


def _with_popen(argv: list[str], env: dict[bytes, bytes], cwd: str | None, out: int) -> Child:
    proc = subprocess.Popen(
        argv,
        stdin=_devnull(),
        stdout=out,
        stderr=out,
        cwd=cwd or None,
        env=env,
        start_new_session=True,
        bufsize=0,
        close_fds=True,
    )
    return Child(proc.pid, proc)


def _read_error(fd: int) -> bytes:
    """What the child wrote to the error pipe before its exec closed it (nothing: it ran)."""
    data = bytearray()
    while part := os.read(fd, ERR_LIMIT):
        data += part
        if len(data) > ERR_LIMIT:
            break
    return bytes(data)


def _raise_exec_error(pid: int, data: bytes, program: str, cwd: str | None) -> None:
    """The child could not exec: reap it, raise what Popen raises for the same report."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)
    try:
        name, hex_errno, raw = data.split(b":", 2)
        message = raw.decode()
    except ValueError:
        name, hex_errno, message = b"SubprocessError", b"0", f"bad exception data: {data!r}"
    kind: Any = getattr(builtins, name.decode("ascii", "replace"), subprocess.SubprocessError)
    if not (isinstance(kind, type) and issubclass(kind, OSError) and hex_errno):
        if not (isinstance(kind, type) and issubclass(kind, BaseException)):
            kind = subprocess.SubprocessError
        raise kind(message)
    number = int(hex_errno, 16)
    filename: str | None = program
    if message == "noexec:chdir" or (message == "noexec" and sys.version_info < (3, 12)):
        filename = cwd  # the child's chdir failed (3.11 says only "noexec" for it)
    elif message == "noexec":
        filename = None
    text = os.strerror(number) if number else ""
    if filename is None:
        raise kind(number, text)
    raise kind(number, text, filename)
