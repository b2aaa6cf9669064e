"""A plain thread as the engine host's home (the daemon's and `taskrun run --wait`'s main
thread): it takes the host's mail at the mailbox's pace, dispatches when a backoff is due, and
runs what other code hands it (`call_soon`: a signal handler must not act in the middle of
the host's own work)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class Driven(Protocol):
    """What the loop drives (the engine host)."""

    def take_mail(self) -> None: ...

    def dispatch(self) -> None: ...

    @property
    def mailbox(self) -> _Paced: ...


class _Paced(Protocol):
    def delay(self) -> float: ...


class ThreadHome:
    def __init__(self) -> None:
        self.host: Driven | None = None  # set by whoever builds the host with this loop
        self._cond = threading.Condition()
        self._mail = False
        self._calls: list[Callable[[], None]] = []
        self._dispatch_at: float | None = None
        self._stopping = False

    # -- HomeLoop ---------------------------------------------------------------------------
    def mail_arrived(self) -> None:
        with self._cond:
            self._mail = True
            self._cond.notify()

    def dispatch_in(self, seconds: float | None) -> None:
        self._dispatch_at = None if seconds is None else time.monotonic() + seconds

    # -- for the code that runs the loop ----------------------------------------------------
    def call_soon(self, fn: Callable[[], None]) -> None:
        """Any thread (or a signal handler): run `fn` on the home thread."""
        with self._cond:
            self._calls.append(fn)
            self._cond.notify()

    def stop(self) -> None:
        """`run` returns after what it is doing."""
        with self._cond:
            self._stopping = True
            self._cond.notify()

    def run(self, on_tick: Callable[[], None] | None = None, every: float = 0.1) -> None:
        """Until `stop`: the host's mail and dispatch, `on_tick` every `every` seconds. The
        waits are short, so Python's signal handlers run soon after a signal."""
        assert self.host is not None
        host = self.host
        next_tick = time.monotonic() + every
        while True:
            with self._cond:
                wait = self._wait(next_tick, host.mailbox.delay())
                if not self._calls and not self._stopping and wait > 0:
                    self._cond.wait(wait)
                calls, self._calls = self._calls, []
                if self._stopping:
                    self._stopping = False
                    return
            for fn in calls:
                fn()
            if self._mail and host.mailbox.delay() <= 0:
                self._mail = False  # before taking: a post after the take wakes again
                host.take_mail()
            now = time.monotonic()
            if self._dispatch_at is not None and now >= self._dispatch_at:
                self._dispatch_at = None
                host.dispatch()
            if now >= next_tick:
                next_tick = now + every
                if on_tick is not None:
                    on_tick()

    def _wait(self, next_tick: float, mail_delay: float) -> float:
        """Seconds until the next thing to do (under the condition's lock)."""
        now = time.monotonic()
        due = [next_tick - now]
        if self._mail:
            due.append(mail_delay)
        if self._dispatch_at is not None:
            due.append(self._dispatch_at - now)
        return max(0.0, min(due))
