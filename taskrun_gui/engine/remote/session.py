"""One step of a run on another machine, to its end: the remote counterpart of
engine/supervise.py's `run_process`, with the same outcome type and the same sink.

The channel's callbacks run on the SSH loop thread and only queue what arrives; this (the
run's worker) thread writes the output to the log sink, enforces the timeout and carries out
cancel, pause and resume, so the sink is used from one thread as for a local run. Stop and
cancel close the channel's stdin: the wrapper then stops the whole remote tree."""

from __future__ import annotations

import contextlib
import functools
import queue
import signal
import time
from collections.abc import Callable
from typing import Any

import asyncssh

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.core.models import ErrorType, RunStatus
from taskrun_gui.engine.logsink import LogSink
from taskrun_gui.engine.process_outcome import ProcessOutcome
from taskrun_gui.engine.remote import wrapper
from taskrun_gui.engine.remote.connections import POOL, RemoteError, keepalive_s
from taskrun_gui.engine.remote.opening import Cancelled, Opening
from taskrun_gui.engine.remote.plan import RemoteStep
from taskrun_gui.engine.supervise import RunControl, kill_grace

TICK_S = 0.1
OPEN_TIMEOUT_S = 120.0  # a connection and a session, queued behind a batch's others
# What ~/.ssh/config may ask for interactive sessions (RequestTTY, SetEnv, SendEnv, X11) never
# applies to the wrapper's channel: a terminal would echo the job, secrets included, into the
# log, turn its line ends into \r\n and mix the control lines into the output.
PLAIN_SESSION: dict[str, Any] = {
    "request_pty": False,
    "term_type": None,
    "env": {},
    "send_env": None,
    "x11_forwarding": False,
}
Channel = asyncssh.SSHClientChannel[bytes]


class _Channel(asyncssh.SSHClientSession[bytes]):
    """Hands everything the channel says to the worker's queue."""

    def __init__(self, inbox: queue.SimpleQueue[tuple[str, Any]]) -> None:
        self.inbox = inbox

    def data_received(self, data: bytes, datatype: asyncssh.DataType) -> None:
        kind = "err" if datatype == asyncssh.EXTENDED_DATA_STDERR else "out"
        self.inbox.put((kind, data))

    def exit_status_received(self, status: int) -> None:
        self.inbox.put(("exit", status))

    def exit_signal_received(self, signal: str, core_dumped: bool, msg: str, lang: str) -> None:
        self.inbox.put(("signal", signal))

    def connection_lost(self, exc: Exception | None) -> None:
        self.inbox.put(("closed", exc))


def run_remote(
    host: HostDef,
    step: RemoteStep,
    sink: LogSink,
    control: RunControl,
    run_uid: str,
    on_started: Callable[[], Callable[[], None] | None] | None = None,
    on_paused: Callable[[bool], None] | None = None,
) -> ProcessOutcome:
    """Run `step` on `host`. A host that cannot be reached is an `error` (connection); a
    connection lost midway is `failed` (connection)."""
    inbox: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
    end = wrapper.new_end_line()
    job = wrapper.job_text(step.env, step.argv, step.cwd, step.script) + end + "\n"
    command = wrapper.command(run_uid, end, kill_grace(), keepalive_s())

    if on_started is not None:  # `running` from the connection attempt on, not `queued`
        before_wait = on_started()
        if before_wait is not None:
            before_wait()
    opening = Opening(host, command, job.encode(), lambda: _Channel(inbox), PLAIN_SESSION, control)
    try:
        conn, chan = opening.wait(OPEN_TIMEOUT_S)
    except Cancelled:
        why = f"cancelled before it started on {host.name}"
        return ProcessOutcome(
            RunStatus.CANCELLED, error_type=ErrorType.CANCELLED, error_message=why
        )
    except (RemoteError, TimeoutError) as exc:
        why = str(exc) or f"host {host.name}: no answer"
        return ProcessOutcome(RunStatus.ERROR, error_type=ErrorType.CONNECTION, error_message=why)
    try:
        return _Pump(host, chan, inbox, sink, control, step.timeout, on_paused).run()
    finally:
        POOL.loop().call_soon_threadsafe(POOL.release, host, conn)


class _Pump:
    def __init__(
        self,
        host: HostDef,
        chan: Channel,
        inbox: queue.SimpleQueue[tuple[str, Any]],
        sink: LogSink,
        control: RunControl,
        timeout: float | None,
        on_paused: Callable[[bool], None] | None,
    ) -> None:
        self.host, self.chan, self.inbox, self.sink = host, chan, inbox, sink
        self.control, self.timeout = control, timeout
        self.on_paused = on_paused
        self.err = b""
        self.exit: int | None = None
        self.killed_by: str | None = None  # the wrapper's end by a signal (sshd's word)
        self.lost: Exception | None = None
        self.closed = False
        self.setup_error: tuple[str, str] | None = None
        self.stopped_as: RunStatus | None = None
        self.stop_deadline: float | None = None
        self.paused = False

    def _send(self, call: Callable[[], None]) -> None:
        POOL.loop().call_soon_threadsafe(call)

    def run(self) -> ProcessOutcome:
        start = time.monotonic()
        paused_total, paused_since = 0.0, 0.0
        beat, next_ping = keepalive_s(), start
        while not self.closed:
            if self.stopped_as is None and time.monotonic() >= next_ping:  # "still here"
                self._send(functools.partial(_write, self.chan, b"ping\n"))
                next_ping += beat
            try:
                kind, value = self.inbox.get(timeout=TICK_S)
                self._take(kind, value)
            except queue.Empty:
                pass
            now = time.monotonic()
            if self.stop_deadline is not None:
                if now > self.stop_deadline:  # the wrapper did not end: give up the channel
                    self._send(self.chan.close)
                    self.stop_deadline = None
            elif self.control.cancelled.is_set():
                self._stop(RunStatus.CANCELLED)
            elif self.control.pause_requested != self.paused:
                self.paused = self.control.pause_requested
                word = b"pause\n" if self.paused else b"resume\n"
                self._send(functools.partial(_write, self.chan, word))
                if self.paused:
                    paused_since = now
                else:
                    paused_total += now - paused_since
                if self.on_paused is not None:
                    self.on_paused(self.paused)
            elif (
                self.timeout is not None
                and not self.paused
                and now - start - paused_total >= self.timeout
            ):
                self._stop(RunStatus.TIMEOUT)
            self.sink.tick()
        return self._outcome()

    def _take(self, kind: str, value: Any) -> None:
        if kind == "out":
            self.sink.write(value)
        elif kind == "err":
            self._control_lines(value)
        elif kind == "exit":
            self.exit = value
        elif kind == "signal":
            self.killed_by = value
        else:
            self.closed, self.lost = True, value
            if self.err:
                self.sink.write(self.err)

    def _control_lines(self, data: bytes) -> None:
        """The wrapper's lines on stderr (the task's own stderr goes with its stdout)."""
        self.err += data
        *lines, self.err = self.err.split(b"\n")
        for raw in lines:
            line = raw.decode(errors="replace")
            if line.startswith(wrapper.STARTED_PREFIX):
                pass  # recorded as running when the connection attempt began
            elif line.startswith(wrapper.ERROR_PREFIX):
                kind, _, what = line[len(wrapper.ERROR_PREFIX) :].partition(" ")
                self.setup_error = (kind, what)
            else:
                self.sink.write(raw + b"\n")

    def _stop(self, as_status: RunStatus) -> None:
        self.stopped_as = as_status
        self._send(self.chan.write_eof)
        self.stop_deadline = time.monotonic() + kill_grace() + 3 * keepalive_s()

    def _outcome(self) -> ProcessOutcome:
        out = ProcessOutcome(RunStatus.SUCCESS, exit_code=self.exit)
        if self.stopped_as is RunStatus.TIMEOUT:
            out.status, out.error_type = RunStatus.TIMEOUT, ErrorType.TIMEOUT
            out.error_message = (
                f"timed out after {self.timeout:g} s; the process tree on {self.host.name} "
                "was stopped"
            )
            out.exit_code = None
        elif self.stopped_as is RunStatus.CANCELLED:
            out.status, out.error_type = RunStatus.CANCELLED, ErrorType.CANCELLED
            out.error_message = f"cancelled; the process tree on {self.host.name} was stopped"
            out.exit_code = None
        elif self.exit is None and self.killed_by is not None:
            name = f"SIG{self.killed_by}"
            out.status, out.error_type = RunStatus.FAILED, ErrorType.SIGNAL
            out.signal = getattr(signal, name, None)
            out.error_message = f"on {self.host.name}: the run was killed by signal {name}"
        elif self.exit is None:
            why = f": {self.lost}" if self.lost else ""
            out.status, out.error_type = RunStatus.FAILED, ErrorType.CONNECTION
            out.error_message = f"the connection to {self.host.name} was lost{why}"
        elif self.setup_error is not None:
            kind, what = self.setup_error
            out.status = RunStatus.ERROR
            out.error_type = _SETUP_ERRORS.get(kind, ErrorType.INTERNAL)
            out.error_message = f"on {self.host.name}: " + _SETUP_TEXT.get(kind, "{}").format(what)
        elif self.exit:
            out.status, out.error_type = RunStatus.FAILED, ErrorType.EXIT_CODE
            out.error_message = f"exited with code {self.exit}"
        return out


def _write(chan: Channel, data: bytes) -> None:
    """On the loop: a line to the wrapper, unless the channel is closing already."""
    with contextlib.suppress(OSError, asyncssh.Error):
        chan.write(data)


_SETUP_ERRORS = {
    "bad_cwd": ErrorType.BAD_CWD,
    "not_found": ErrorType.NOT_FOUND,
    "connection": ErrorType.CONNECTION,
}
_SETUP_TEXT = {
    "bad_cwd": "working directory {!r} does not exist",
    "not_found": "{!r} was not found",
}
