"""The host's command socket: a `taskrun run` or `taskrun runs` asks the process serving its
data dir to do the command, rather than importing the ORM and opening the store itself (that
is most of a call's time: issue 13). The answer is the command's stdout and stderr bytes and
its exit code, exactly what the command would have printed in its own process.

A unix stream socket, `locks/command.sock` (0600 in the 0700 locks dir), bound by the host
while it serves. Only the same user is answered (SO_PEERCRED, both ways). One request per
connection, in three steps, so that a client that gives up never has its command done behind
its back:

1. the host greets: a JSON line `{"taskrun": PROTOCOL}` (a client that waited too long for it
   has closed, and the host, reading no request, does nothing);
2. the client sends its request as one JSON line (argv, data dir, environment, streams);
3. the host answers a JSON line `{"fallback": true}` (the client does the command itself:
   nothing was done) or `{"code": N, "out": LEN, "err": LEN}` then the bytes.

A host's answer comes after what the command wrote is committed: a "queued" reply is never
lost to a crash of the host. The client's side is cli/thin_client.py (standard library only:
it is imported before anything else of TaskRun)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskrun_gui.engine.wakeup import bind_private

log = logging.getLogger(__name__)
SOCKET_NAME = "command.sock"
PROTOCOL = 1  # a client speaking another one does the command itself
MAX_PATH = 107  # sun_path's room on Linux, without the final NUL
MAX_REQUEST = 1 << 20  # an argv and an environment; more is not a request
REQUEST_WAIT_S = 2.0  # a client that greets and then says nothing is let go


@dataclass(frozen=True)
class Answer:
    code: int
    out: bytes
    err: bytes


# What serves a request: None means "do it yourself" (nothing was done).
Handler = Callable[[dict[str, Any]], Answer | None]


def socket_path(locks_dir: Path) -> Path:
    return locks_dir / SOCKET_NAME


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a connected unix socket (Linux)."""
    creds = getattr(socket, "SO_PEERCRED", None)
    if creds is None:
        return None
    data = sock.getsockopt(socket.SOL_SOCKET, creds, struct.calcsize("3i"))
    return int(struct.unpack("3i", data)[1])


def supported() -> bool:
    return hasattr(socket, "AF_UNIX") and hasattr(socket, "SO_PEERCRED")


class CommandListener:
    """The host's end: answers one connection at a time on its own thread (a second client
    meanwhile waits a moment for the greeting, then does its command itself)."""

    def __init__(
        self, locks_dir: Path, handler: Handler, on_exit: Callable[[], None] | None = None
    ) -> None:
        """`on_exit`: called on the thread as it ends (its store connection closed)."""
        self.path = socket_path(locks_dir)
        self.handler = handler
        self.on_exit = on_exit
        self._sock: socket.socket | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="taskrun-commands", daemon=True)

    def start(self) -> bool:
        """Listen; False when the socket cannot be had (no SO_PEERCRED, a path too long, a
        read-only locks dir): callers then do their commands themselves, as before."""
        if not supported() or len(os.fsencode(self.path)) > MAX_PATH:
            return False
        sock = bind_private(self.path, socket.SOCK_STREAM)
        if sock is None:
            return False
        try:
            sock.listen(64)
        except OSError as exc:
            log.debug("no command socket at %s: %s", self.path, exc)
            sock.close()
            return False
        self._sock = sock
        self._thread.start()
        return True

    def stop(self) -> None:
        """Stop answering (before the host lets go of the data dir: a client then finds no
        socket, or a refused one, and does its command itself)."""
        if self._sock is None:
            return
        self._stopping = True
        with contextlib.suppress(OSError):
            self.path.unlink()  # new clients find nothing from now on
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)  # ends the wait in accept (Linux)
        self._thread.join(10)
        self._sock.close()
        self._sock = None

    def _loop(self) -> None:
        try:
            self._accept_all()
        finally:
            if self.on_exit is not None:
                self.on_exit()

    def _accept_all(self) -> None:
        assert self._sock is not None
        while not self._stopping:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                if self._stopping:
                    return
                try:
                    self._serve(conn)
                except Exception:  # one bad request never ends the serving
                    log.exception("command socket: a request failed")

    def _serve(self, conn: socket.socket) -> None:
        if peer_uid(conn) != os.getuid():
            return  # another user: closed without a word
        conn.settimeout(REQUEST_WAIT_S)
        conn.sendall(json.dumps({"taskrun": PROTOCOL}).encode() + b"\n")
        request = _read_line(conn)
        if request is None:
            return  # the client gave up waiting for the greeting: nothing is done
        try:
            data = json.loads(request)
        except ValueError:
            return
        answer = self.handler(data) if isinstance(data, dict) else None
        conn.settimeout(None)
        if answer is None:
            conn.sendall(b'{"fallback": true}\n')
            return
        head = {"code": answer.code, "out": len(answer.out), "err": len(answer.err)}
        conn.sendall(json.dumps(head).encode() + b"\n" + answer.out + answer.err)


def _read_line(conn: socket.socket) -> bytes | None:
    """One newline-ended line, or None (the client closed, went quiet, or sent too much)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = conn.recv(65536)
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n"):
            return b"".join(chunks)
        if size > MAX_REQUEST:
            return None
