"""The serving host's side of the thin client (cli/thin_client.py): a `taskrun run T` or
`taskrun runs` asked over the command socket is parsed by the same parser and done by the same
command function as in its own process, on the host's open store, with what it prints caught
in bytes encoded as the caller's streams would have encoded them. So the caller prints the same
bytes and exits with the same code, errors included.

What this host cannot do exactly as the caller's process would is declined before anything is
done (the caller then does it itself): another data dir or environment, `--help` (its width is
the caller's terminal's), `run --wait`/`--follow` (they wait for hours, on the caller's
terminal), runs on other machines (`--on`, `--parallel`, a task's own targets)."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import threading
from collections.abc import Iterator
from typing import Any, TextIO

from taskrun_gui.cli import thin_client
from taskrun_gui.engine.command_socket import Answer, CommandListener
from taskrun_gui.storage.db import Store


class _Routed:
    """sys.stdout or sys.stderr of a serving process: the stream a request being answered on
    this thread writes to, else the process's own."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._local = threading.local()

    def _target(self) -> TextIO:
        caught: TextIO | None = getattr(self._local, "caught", None)
        return self._stream if caught is None else caught

    def catch(self, caught: TextIO | None) -> None:
        """What this thread writes goes to `caught` (None: to the process's stream again)."""
        self._local.caught = caught

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._target(), name)


def _route_streams() -> tuple[_Routed, _Routed]:
    """sys.stdout and sys.stderr routed (a window started without them, None, writes
    nowhere as before)."""
    if not isinstance(sys.stdout, _Routed):
        sys.stdout = _Routed(sys.stdout or open(os.devnull, "w"))  # noqa: SIM115
    if not isinstance(sys.stderr, _Routed):
        sys.stderr = _Routed(sys.stderr or open(os.devnull, "w"))  # noqa: SIM115
    return sys.stdout, sys.stderr


def listen(store: Store) -> CommandListener | None:
    """Start answering commands for `store`'s data dir; None when no socket could be had."""
    routed = _route_streams()
    listener = CommandListener(
        store.locks_dir, lambda request: answer(store, request, routed), on_exit=store.db.close
    )
    return listener if listener.start() else None


def answer(store: Store, request: dict[str, Any], routed: tuple[_Routed, _Routed]) -> Answer | None:
    argv = request.get("argv")
    if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
        return None
    if not _same_context(store, request):
        return None
    try:
        out, err = (_catcher(s) for s in request["streams"])
    except (LookupError, TypeError, ValueError, KeyError):
        return None  # an encoding this Python does not have: the caller's own process knows
    with _caught(routed, out, err):
        code = _command(store, argv)
        out.flush()
        err.flush()
    if code is None:
        return None
    return Answer(code, out.buffer.getvalue(), err.buffer.getvalue())  # type: ignore[attr-defined]


def _same_context(store: Store, request: dict[str, Any]) -> bool:
    """The caller's data dir and the environment that matters to run/runs are this host's."""
    if request.get("data_dir") != os.path.realpath(store.data_dir):
        return False
    env = request.get("env")
    if not isinstance(env, dict) or "TASKRUN_CLI_PARAMS" in env:
        return False  # a detached run's parameters: taken from its own environment
    return all(env.get(k) == os.environ.get(k) for k in thin_client.ENV_NAMES)


def _catcher(stream: list[str]) -> io.TextIOWrapper:
    encoding, errors = stream
    return io.TextIOWrapper(io.BytesIO(), encoding=str(encoding), errors=str(errors))


@contextlib.contextmanager
def _caught(routed: tuple[_Routed, _Routed], out: TextIO, err: TextIO) -> Iterator[None]:
    for stream, caught in zip(routed, (out, err), strict=True):
        stream.catch(caught)
    try:
        yield
    finally:
        for stream in routed:
            stream.catch(None)


def _command(store: Store, argv: list[str]) -> int | None:
    """The command's exit code, or None: declined, nothing done."""
    from taskrun_gui.cli import execute
    from taskrun_gui.cli.parser import build_parser

    try:
        args = build_parser(argv).parse_args(argv)
    except SystemExit as exc:
        if exc.code in (0, None):
            return None  # --help: for the caller's terminal width
        return exc.code if isinstance(exc.code, int) else 1
    if not _served(args) or store.open_error:
        return None  # (a store opened with a warning: each process tells it itself)
    from taskrun_gui.cli.common import command_lock_wait, replay_and_tell

    store.db.wait_for_lock(command_lock_wait())  # this thread's, from now on
    replay_and_tell(store)
    return execute(args, hosted=store)


def _served(args: argparse.Namespace) -> bool:
    if args.db is not None or args.node is not None:
        return False
    if args.verb == "runs":
        return True
    if args.verb != "run" or args.wait or args.follow or args.on or args.parallel is not None:
        return False
    from taskrun_gui.storage import tasks_repo

    try:
        task = tasks_repo.get(args.name)
    except tasks_repo.TaskNotFoundError:
        return True  # refused the same way here
    return not task.spec.targets  # runs on other machines: the caller's own process
