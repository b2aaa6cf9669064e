"""A TCP proxy on 127.0.0.1 in front of the test sshd, for the network's bad days: it holds
new connections until told to forward (a slow or silent host) and can freeze every open one
(a partition: nothing passes, nothing is closed)."""

from __future__ import annotations

import contextlib
import select
import socket
import threading
from dataclasses import dataclass, field


@dataclass
class Proxy:
    target_port: int
    port: int = 0
    forward: threading.Event = field(default_factory=threading.Event)  # held until set
    frozen: threading.Event = field(default_factory=threading.Event)  # a partition
    accepted: int = 0
    gave_up: int = 0  # clients that closed while held (the caller went away)
    _stop: threading.Event = field(default_factory=threading.Event)
    _sock: socket.socket | None = None

    def start(self) -> Proxy:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.settimeout(0.1)
        self._sock, self.port = sock, sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.frozen.clear()
        if self._sock is not None:
            self._sock.close()

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except (TimeoutError, OSError):
                continue
            self.accepted += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with contextlib.closing(client):
            early = b""  # what the client said while held (its SSH banner)
            while not self.forward.wait(0.05):
                data = _read(client)
                if self._stop.is_set() or data == b"":
                    self.gave_up += 1
                    return
                early += data or b""
            up = socket.create_connection(("127.0.0.1", self.target_port))
            with contextlib.closing(up):
                up.sendall(early)
                self._pipe(client, up)

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        while not self._stop.is_set():
            if self.frozen.is_set():
                self._stop.wait(0.05)
                continue
            ready, _, _ = select.select([a, b], [], [], 0.05)
            for s in ready:
                if self.frozen.is_set():
                    break
                data = s.recv(65536)
                if not data:
                    return
                (b if s is a else a).sendall(data)


def _read(s: socket.socket) -> bytes | None:
    """What the client sent, b"" once it closed its end, None when it said nothing."""
    ready, _, _ = select.select([s], [], [], 0)
    if not ready:
        return None
    try:
        return s.recv(65536)
    except OSError:
        return b""
