"""The CLI as the executor host: `taskrun daemon`, and `taskrun run --wait` when no host is
alive. The same engine host the window drives, on plain threads: no Qt in this process."""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from taskrun_gui.cli.common import warn
from taskrun_gui.cli.log_notice import tell_log_error
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.engine.host_events import (
    HostEvent,
    RetentionApplied,
    RunFinished,
    RunOutput,
    StoreHealth,
    SuccessRateAlert,
)
from taskrun_gui.engine.serving import ThreadHost
from taskrun_gui.storage.db import Store

IDLE_CHECK_S = 0.02  # cheap checks; three of them before an idle host leaves


def _tell(event: HostEvent) -> None:
    """What the host has to say on stderr (the daemon's log)."""
    if isinstance(event, SuccessRateAlert):
        warn(f"{event.raised.title}: {event.raised.text}")
    elif isinstance(event, RetentionApplied):
        if event.result is None:
            warn(f"retention could not be applied: {event.error}")
        elif event.result.runs_deleted:
            freed = human_bytes(event.result.log_bytes_freed)
            print(
                f"taskrun: retention deleted {event.result.runs_deleted} run(s), freed {freed}",
                file=sys.stderr,
            )
    elif not isinstance(event, StoreHealth):
        return
    elif event.ok:
        print("taskrun: the history store accepts writes again", file=sys.stderr)
    else:
        warn(
            f"history store failing ({event.message}); the task still runs and its record will "
            "be written when the store accepts it"
        )


def name_free_or_fail(store: Store) -> None:
    """Before a command queues runs that a host it starts would serve (no host here): on a
    shared history another live host may serve this node's name, and that refusal comes
    before anything is queued, not from a daemon started in the background."""
    from taskrun_gui.engine.node_names import NodeNameInUse, in_use

    if store.url is not None and (why := in_use(store)) is not None:
        raise NodeNameInUse(why)


def make_host(store: Store, workers: int | None, schedules: bool = False) -> ThreadHost:
    host = ThreadHost(store, workers, schedules=schedules)
    host.listeners.append(_tell)
    return host


def serve(
    host: ThreadHost,
    exit_when_idle: bool,
    on_stop: str = "finish",
    setup: Callable[[ThreadHost], None] | None = None,
    on_finished: Callable[[RunRecord], None] | None = None,
    on_output: Callable[[str, str, int], None] | None = None,
    commands: bool = False,
    written: Callable[[], None] | None = None,
    cancel_on_stop: Callable[[RunRecord], bool] | None = None,
) -> int:
    """Run the host on this thread until stopped (SIGTERM/SIGINT) or, with exit_when_idle,
    until nothing is queued or running. `commands`: answer `taskrun run`/`runs` calls over
    the command socket meanwhile (a daemon; cli/thin_host.py). `written`: called as the host
    closes, once the runs' records are committed and before the last alerts are sent.
    `cancel_on_stop`: the queued runs a stop cancels rather than leaves for the next host
    (`run --wait`: the ones it queued)."""
    serving = _Serving(host, on_stop, on_finished, on_output, cancel_on_stop)
    old = {s: signal.signal(s, serving.on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    host.listeners.append(serving.on_event)
    if setup is not None:
        setup(host)
    listener = None
    if commands:
        from taskrun_gui.cli.thin_host import listen

        listener = listen(host.store)
    try:
        on_tick = serving.quit_if_idle if exit_when_idle else None
        host.home.run(on_tick=on_tick, every=IDLE_CHECK_S)
    finally:
        if listener is not None:  # before the host lock goes: a call then does it itself
            listener.stop()
        for s, handler in old.items():
            signal.signal(s, handler)
        host.close(cancel_running=True, written=written)
    return 0


class _Serving:
    """What `serve` does on the home thread: leave when idle, stop on a signal (a second
    one cancels), pass finished runs and output on."""

    def __init__(
        self,
        host: ThreadHost,
        on_stop: str,
        on_finished: Callable[[RunRecord], None] | None,
        on_output: Callable[[str, str, int], None] | None,
        cancel_on_stop: Callable[[RunRecord], bool] | None = None,
    ) -> None:
        self.host, self.ex, self.home = host, host.executor, host.home
        self.on_stop = on_stop
        self.cancel_on_stop = cancel_on_stop
        self.on_finished = on_finished
        self.on_output = on_output
        self.stopping = False
        self.idle_since: list[int] = []  # the poller's mark when nothing was seen going

    def quit_if_idle(self) -> None:
        """Idle is nothing going here and nothing queued elsewhere that the poller has not
        handed over yet (a burst of thousands takes it more than one look)."""
        ex, idle_since = self.ex, self.idle_since
        if ex.is_busy():
            idle_since.clear()
        elif not idle_since:
            idle_since.append(ex.poll_mark())
        elif ex.handed_over_since(idle_since[0]):
            self.home.stop()
        elif ex.found_since(idle_since[0]):  # being handed over now: look again after it
            idle_since[0] = ex.poll_mark()

    def quit_when_runs_end(self) -> None:
        """Stopping: wait for what runs, not for the queue (it stays queued in the store for
        the next host)."""
        if not self.ex.running():
            self.home.stop()

    def on_event(self, event: HostEvent) -> None:
        if isinstance(event, RunFinished):
            tell_log_error(event.record)
            if self.on_finished is not None:
                self.on_finished(event.record)
            if self.stopping:
                self.quit_when_runs_end()
        elif isinstance(event, RunOutput) and self.on_output is not None:
            self.on_output(event.uid, event.text, event.offset)

    def stop_asked(self) -> None:
        """Said on stderr as it is done: what is cancelled, what is waited for, what stays
        queued for the next host."""
        self.ex.set_queue_paused(True)  # first: no run starts after `running` is read
        running = self.ex.running()
        if self.stopping:  # a second Ctrl+C: cancel now
            if running:
                _say(f"stopping: cancelling {_runs(len(running), 'running')}")
            for rec in running:
                self.ex.cancel(rec.uid)
            return
        self.stopping = True
        mine = self.cancel_on_stop
        dropped = [r for r in self.ex.queue() if mine is not None and mine(r)]
        for rec in dropped:
            self.ex.cancel(rec.uid)
        left = len(self.ex.queue())  # a cancelled one has left the queue
        said = [f"cancelled {_runs(len(dropped), 'queued')}"] if dropped else []
        said += [f"{_runs(left, 'queued')} left for the next host"] if left > 0 else []
        if running and self.on_stop == "cancel":
            said.append(f"cancelling {_runs(len(running), 'running')}")
        elif running:
            said.append(_waiting_for(running))
        if said:
            _say("stopping: " + "; ".join(said))
        if self.on_stop == "cancel":
            for rec in running:
                self.ex.cancel(rec.uid)
        self.quit_when_runs_end()

    def on_signal(self, signum: int, _frame: object) -> None:
        self.host.stopped_by_signal = signum  # asked to stop: no successor takes its place
        self.home.call_soon(self.stop_asked)  # not in the middle of what the host is doing


def _waiting_for(running: list[RunRecord]) -> str:
    """What a stop waits for; a paused run ends only once resumed, so it is named (the wait
    for it looked like a hang)."""
    paused = sum(1 for rec in running if rec.status is RunStatus.PAUSED)
    going = len(running) - paused
    if not paused:
        return f"waiting for {_runs(going, 'running')} to end (Ctrl+C again cancels)"
    what = " and ".join([_runs(going, "running")] * (going > 0) + [_runs(paused, "paused")])
    if going:
        resume = "resume the paused one" if paused == 1 else "resume the paused ones"
    else:
        resume = "resume it" if paused == 1 else "resume them"
    return f"waiting for {what} to end: {resume}, or Ctrl+C again cancels"


def _say(message: str) -> None:
    print(f"taskrun: {message}", file=sys.stderr, flush=True)


def _runs(n: int, what: str) -> str:
    return f"{n} {what} run" + ("" if n == 1 else "s")
