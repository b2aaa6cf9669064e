"""One window per data dir.

Launches race: four windows started at once must leave one. So who becomes the window rests
on a lock, not on the socket: each launch first tries an exclusive flock on locks/window.lock
of the data dir (or on a file in the user's runtime dir when the data dir cannot be written).
The holder listens on a QLocalServer named after the data dir, and only the holder may remove
a socket file that is already there: nobody else can be listening on it, since they would
hold the lock, so it is the leftover of a crash. A launch that cannot take the lock hands
over: it connects to the holder (retrying while the holder starts listening, or the lock
comes free because the holder is quitting), asks it to come to the front, and exits 0.

The window lock is not the host lock (locks/host.lock): a window may be the client of a
`taskrun daemon`, which holds that one.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from taskrun_gui.engine.locks import FileLock

log = logging.getLogger(__name__)

RAISE_MESSAGE = b"raise"
ANSWER = b"raised"  # the holder's reply: b"raised <pid> <raise requests so far>\n"
CONNECT_TIMEOUT_MS = 500
ANSWER_TIMEOUT_MS = 5000  # a holder still starting answers once its event loop runs
HANDOVER_SECONDS = 10.0  # how long a launch looks for the holder before giving up
RETRY_SECONDS = 0.1
WINDOW_LOCK = "window.lock"


def instance_server_name(data_dir: Path) -> str:
    """A local-socket name per user and data dir (two data dirs may run side by side)."""
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "")
    return f"taskrun-{user}-{digest}"


@dataclass(frozen=True)
class Answer:
    """What the window of a data dir said to a launch that asked it to come to the front:
    its pid and how many such requests it has had, or None for both when it took the
    request but did not answer in time (still starting)."""

    pid: int | None = None
    requests: int | None = None


def ask_running_instance(name: str, answer_timeout_ms: int = ANSWER_TIMEOUT_MS) -> Answer | None:
    """Ask the window serving `name` to come to the front; None when no window listens there
    (or it closed the connection unanswered: it is quitting)."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return None
    socket.write(RAISE_MESSAGE + b"\n")
    socket.waitForBytesWritten(CONNECT_TIMEOUT_MS)
    reply = b""
    deadline = time.monotonic() + answer_timeout_ms / 1000
    while b"\n" not in reply and socket.state() == QLocalSocket.LocalSocketState.ConnectedState:
        left_ms = int((deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            break
        if socket.waitForReadyRead(left_ms):
            reply += bytes(socket.readAll().data())
    reply += bytes(socket.readAll().data())
    connected = socket.state() == QLocalSocket.LocalSocketState.ConnectedState
    socket.abort()
    return _parse_answer(reply) or (Answer() if connected else None)


def _parse_answer(reply: bytes) -> Answer | None:
    words = reply.split(b"\n", 1)[0].split()
    if len(words) != 3 or words[0] != ANSWER:
        return None
    try:
        return Answer(int(words[1]), int(words[2]))
    except ValueError:
        return None


class InstanceServer(QObject):
    """Listens for later launches; emits raise_requested when one asks for the window, and
    answers it with this process's pid and the number of requests so far."""

    raise_requested = Signal()

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = name
        self.requests = 0
        self.server = QLocalServer(self)
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._on_server_new_connection)

    def listen(self) -> bool:
        """False when the name is taken; never removes a socket (see SingleInstance)."""
        return self.server.listen(self.name)

    def close(self) -> None:
        self.server.close()

    def _on_server_new_connection(self) -> None:
        # Each socket is a child of the server and goes with it; a launch is rare, so they
        # are not deleted one by one (deleteLater on them raced the server's own clean-up).
        while (socket := self.server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_socket_ready_read(s))
            if socket.bytesAvailable():
                self._on_socket_ready_read(socket)

    def _on_socket_ready_read(self, socket: QLocalSocket) -> None:
        if RAISE_MESSAGE not in bytes(socket.readAll().data()):
            return
        self.requests += 1
        log.info("another launch asked for the window (%d so far)", self.requests)
        if socket.state() == QLocalSocket.LocalSocketState.ConnectedState:  # it may not wait
            socket.write(b"%s %d %d\n" % (ANSWER, os.getpid(), self.requests))
            socket.flush()
        self.raise_requested.emit()


def _runtime_dir() -> Path:
    return Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir())


class SingleInstance:
    """This launch's claim on the window of a data dir: `claim()` makes it the window (it
    holds the lock and listens) or hands over to the window that is."""

    def __init__(self, data_dir: Path, handover_seconds: float = HANDOVER_SECONDS) -> None:
        self.data_dir = data_dir
        self.name = instance_server_name(data_dir)
        self.handover_seconds = handover_seconds
        self.server = InstanceServer(self.name)
        self.raise_requested = self.server.raise_requested
        self.exit_code = 0  # of a launch that did not become the window
        self._lock: FileLock | None = None

    def claim(self) -> bool:
        """True: this launch is the window. False: another window has the data dir and was
        asked to come to the front (exit_code 0), or it never answered (exit_code 1, after a
        one-line message on stderr)."""
        deadline = time.monotonic() + self.handover_seconds
        while True:
            locked = self._take_lock()
            if locked:
                self._listen()
                return True
            answer = ask_running_instance(self.name)
            if answer is not None:
                pid = "" if answer.pid is None else f" (pid {answer.pid})"
                print(
                    f"TaskRun is already open for {self.data_dir}{pid}: asked it to come to the "
                    "front"
                )
                return False
            if locked is None:  # no lock to be had anywhere: as before there was one
                self.server.listen()
                return True
            if time.monotonic() >= deadline:
                print(
                    f"taskrun-gui: another TaskRun window holds {self.data_dir} but does not "
                    "answer; try again in a moment",
                    file=sys.stderr,
                )
                self.exit_code = 1
                return False
            time.sleep(RETRY_SECONDS)  # the holder is between taking the lock and listening

    def stop_listening(self) -> None:
        """Quitting: later launches get no answer, so they wait for the lock (see close)."""
        self.server.close()

    def close(self) -> None:
        """Release the data dir: the next launch becomes its window."""
        self.server.close()
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _take_lock(self) -> bool | None:
        """Whether this launch holds the window lock now; None when no lock file can be
        opened at all."""
        if self._lock is None:
            self._lock = self._open_lock()
            if self._lock is None:
                return None
        return self._lock.try_acquire()

    def _open_lock(self) -> FileLock | None:
        """The data dir's window lock, else one in the runtime dir (a data dir that cannot
        be written), else None. The file stays open between two tries."""
        candidates = ((self.data_dir / "locks", WINDOW_LOCK), (_runtime_dir(), f"{self.name}.lock"))
        for folder, file_name in candidates:
            lock = FileLock(folder / file_name, keep_open=True)
            try:
                _private_dirs(folder)
                lock.try_acquire()  # opens the file; whether it is locked is for claim()
            except OSError as exc:
                log.warning("cannot use %s for the window lock: %s", folder / file_name, exc)
                continue
            return lock
        return None

    def _listen(self) -> None:
        """Listen, removing a socket left by a crashed window: this process holds the lock,
        so no live window of this data dir listens on it."""
        if self.server.listen():
            return
        QLocalServer.removeServer(self.name)
        if not self.server.listen():
            error = self.server.server.errorString()
            log.warning("later launches of this data dir cannot find this window: %s", error)


def _private_dirs(folder: Path) -> None:
    """Create `folder` (and its parents) readable by this user only, as the store does."""
    old_umask = os.umask(0o077)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    finally:
        os.umask(old_umask)
