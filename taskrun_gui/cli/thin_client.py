"""`taskrun run T` and `taskrun runs` as a thin client: when a host serves the data dir, it is
asked to do the command (engine/command_socket.py) and this process only prints its answer.
Importing the ORM and opening the store was most of a call's time (issue 13); this module
imports the standard library's socket and json only, before anything else of TaskRun.

Whatever this path cannot be sure of goes the old way, in this process: no socket, a stale
one, a host busy or of another protocol, a PostgreSQL history (--db, $TASKRUN_DB), a root
option other than --data-dir and --workers, and whatever form the host declines (--wait,
remote targets, ...). Declining happens before anything is done, so a command is never done
twice."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported once the command is one a host may serve (not for --help)
    import socket

SOCKET_NAME = "command.sock"  # engine/command_socket.py's (a test keeps them equal)
PROTOCOL = 1
MAX_PATH = 107
COMMANDS = ("run", "runs")  # the words a host may serve
GREETING_WAIT_S = 1.0  # a host busy with another client for longer: done here instead
ANSWER_WAIT_S = 120.0
OFF_SWITCH = "TASKRUN_NO_COMMAND_SOCKET"  # set: every command is done in its own process
# The environment that changes what run/runs do or print (the host compares it with its own;
# TASKRUN_HOME is the data dir, sent resolved).
ENV_NAMES = (
    "TASKRUN_NODE",
    "TASKRUN_CLI_PARAMS",
    "TASKRUN_DB",
    "TASKRUN_STORE_WAIT_S",
    "TASKRUN_BUSY_TIMEOUT_MS",
    "TZ",  # `runs` prints local times
)


def try_host(argv: list[str]) -> int | None:
    """The command's exit code, its output printed, when the serving host did it; None when
    this process is to do it."""
    found = _data_dir(argv)
    if found is None or os.environ.get("TASKRUN_DB") or os.environ.get(OFF_SWITCH):
        return None
    if not all(hasattr(s, "buffer") for s in (sys.stdout, sys.stderr)):
        return None  # a closed stream (None) or a text-only one: this process knows it
    data_dir, verb = found
    path = os.fsencode(os.path.join(data_dir, "locks", SOCKET_NAME))
    if len(path) > MAX_PATH or not os.path.exists(path):
        return None
    import socket

    if not hasattr(socket, "SO_PEERCRED"):
        return None
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError:
        return None
    try:
        with sock:
            return _ask(sock, path, _request(argv, data_dir), reading=verb == "runs")
    except KeyboardInterrupt:  # as the command in this process says it
        print("taskrun: interrupted", file=sys.stderr)
        return 130


def _data_dir(argv: list[str]) -> tuple[str, str] | None:
    """The data dir (resolved as storage.db.resolve_data_dir does) and the command word of a
    command this path may take; None: not one of those."""
    explicit = None
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            break
        name, eq, value = arg.partition("=")
        if name not in ("--data-dir", "--workers"):
            return None  # --db, --node, --help, an abbreviation: the parser decides
        if not eq:
            if i + 1 >= len(argv):
                return None
            value = argv[i + 1]
            i += 1
        if name == "--data-dir":
            explicit = value
        i += 1
    if i >= len(argv) or argv[i] not in COMMANDS:
        return None
    chosen = explicit or os.environ.get("TASKRUN_HOME") or _user_data_dir()
    if chosen is None:
        return None
    try:
        return os.path.realpath(os.path.expanduser(chosen)), argv[i]
    except OSError:  # a relative one under a removed cwd: the command's own process tells
        return None


def _user_data_dir() -> str | None:
    """platformdirs.user_data_dir("taskrun") on Linux, without its import (~25 ms)."""
    if not sys.platform.startswith("linux") or "ANDROID_DATA" in os.environ:
        return None
    base = os.environ.get("XDG_DATA_HOME", "").strip() or os.path.expanduser("~/.local/share")
    return os.path.join(base, "taskrun")


def _request(argv: list[str], data_dir: str) -> bytes:
    import json

    out, err = sys.stdout, sys.stderr
    streams = [
        [getattr(s, "encoding", None) or "utf-8", getattr(s, "errors", None) or "strict"]
        for s in (out, err)
    ]
    request: dict[str, Any] = {
        "argv": argv,
        "cwd": _cwd(),  # (run/runs read no path of it: --data-dir is sent resolved)
        "data_dir": data_dir,
        "env": {k: os.environ[k] for k in ENV_NAMES if k in os.environ},
        "streams": streams,
    }
    return json.dumps(request).encode() + b"\n"


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:  # removed under the caller
        return ""


def _ask(sock: socket.socket, path: bytes, request: bytes, reading: bool) -> int | None:
    """Ask; None when nothing was asked (or a read got no answer: it is done here)."""
    import json

    try:
        sock.settimeout(GREETING_WAIT_S)
        sock.connect(path)
        if _peer_uid(sock) != os.getuid():
            return None  # a socket of another user: not asked anything
        f = sock.makefile("rb")
        greeting = json.loads(f.readline() or b"null")
        if not isinstance(greeting, dict) or greeting.get("taskrun") != PROTOCOL:
            return None
        sock.settimeout(ANSWER_WAIT_S)
        sock.sendall(request)
    except (OSError, ValueError):
        return None  # nothing was asked: done here
    try:
        head = json.loads(f.readline() or b"null")
        if isinstance(head, dict) and head.get("fallback") is True:
            return None
        code, out, err = int(head["code"]), f.read(head["out"]), f.read(head["err"])
        if len(out) != head["out"] or len(err) != head["err"]:
            raise ValueError("a short answer")
    except (OSError, ValueError, TypeError, KeyError):
        if reading:
            return None  # a read: done here
        print(
            "taskrun: the host serving this data dir stopped before answering; the run "
            "may have been queued (see `taskrun runs`)",
            file=sys.stderr,
        )
        return 1
    return _print(out, err, code)


def _peer_uid(sock: socket.socket) -> int:
    import socket
    import struct

    data = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", data)[1])


def _print(out: bytes, err: bytes, code: int) -> int:
    """As the command in this process would: stderr never fails a command (cli/streams.py);
    a refused stdout is the error it reports, a closed pipe the end of the output."""
    if err:
        try:
            sys.stderr.flush()
            sys.stderr.buffer.write(err)
            sys.stderr.flush()
        except OSError:
            pass
    try:
        if out:
            sys.stdout.flush()
            sys.stdout.buffer.write(out)
            sys.stdout.flush()
    except BrokenPipeError:  # its reader went (`| head -1`): what it was told still holds
        return code
    except OSError as exc:
        print(f"taskrun: {exc.strerror or exc}", file=sys.stderr)
        return 1
    return code
