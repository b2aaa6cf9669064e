"""A nudge from a `taskrun` command to the host serving its data dir: "I queued runs (or asked
for a cancel): look now". Without it the host found them at its next poll, up to half a second
later, so 100 `taskrun run` calls from a script waited on the poll rather than on the work.

A unix datagram socket, `locks/wake.sock`, bound by the host while it serves. The datagram
carries nothing: the store stays the only record of what was queued (a nudge that is lost,
or sent with no host listening, costs the old poll delay, never a run). Sending never blocks
and never fails a command."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)
SOCKET_NAME = "wake.sock"
MAX_PATH = 107  # sun_path's room on Linux, without the final NUL: a longer one is not bound


def socket_path(locks_dir: Path) -> Path:
    return locks_dir / SOCKET_NAME


def nudge(locks_dir: Path) -> None:
    """Tell the host of this data dir to look at the store now (no host: nothing happens)."""
    path = os.fsencode(socket_path(locks_dir))
    if len(path) > MAX_PATH:
        return
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.setblocking(False)  # a host whose queue of nudges is full has been nudged enough
        s.sendto(b"!", path)


def bind_private(path: Path, kind: socket.SocketKind) -> socket.socket | None:
    """A unix socket bound at `path` (a dead host's file there replaced), 0600 like every
    file of a data dir whatever the umask (in the 0700 locks dir: nobody else reaches it
    meanwhile); None when it cannot be had (a read-only locks dir)."""
    sock = socket.socket(socket.AF_UNIX, kind)
    try:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a dead host's (only the lock holder binds)
        sock.bind(os.fsencode(path))
        os.chmod(path, 0o600)
    except OSError as exc:
        log.debug("no socket at %s: %s", path, exc)
        sock.close()
        return None
    return sock


class WakeListener:
    """The host's end: calls `on_wake` (from its own thread) for each nudge that arrives.
    Bound by the process holding the host lock only, so a socket file left by a dead host
    is stale and is replaced."""

    def __init__(self, locks_dir: Path, on_wake: Callable[[], None]) -> None:
        self.path = socket_path(locks_dir)
        self.on_wake = on_wake
        self._sock: socket.socket | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="taskrun-wake", daemon=True)

    def start(self) -> bool:
        """Listen; False when the socket cannot be had (a path too long, a read-only
        locks dir): the host then finds queued runs by its poll alone."""
        if len(os.fsencode(self.path)) > MAX_PATH:
            return False
        sock = bind_private(self.path, socket.SOCK_DGRAM)
        if sock is None:
            return False
        self._sock = sock
        self._thread.start()
        return True

    def stop(self) -> None:
        if self._sock is None:
            return
        self._stopping = True
        nudge(self.path.parent)  # the thread is waiting in recv: this ends the wait
        self._thread.join(2)
        with contextlib.suppress(OSError):
            self.path.unlink()
        self._sock.close()
        self._sock = None

    def _loop(self) -> None:
        assert self._sock is not None
        while not self._stopping:
            try:
                self._sock.recv(64)
            except OSError:
                return
            if not self._stopping:
                self._drain()
                self.on_wake()

    def _drain(self) -> None:
        """A burst of nudges is one look at the store, not one each."""
        assert self._sock is not None
        with contextlib.suppress(BlockingIOError, OSError):
            while True:
                self._sock.recv(64, socket.MSG_DONTWAIT)
