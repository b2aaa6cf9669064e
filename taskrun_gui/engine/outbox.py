"""Messages to channels leave from threads of their own: one lane per channel, in order. A
channel that does not answer holds up its own messages (each try bounded by the timeout, then
retried), never another channel's, nor the decisions about runs, the runs a chain starts, or
the runs themselves. While it hangs (a delivery under way for longer than the timeout), at
most MAX_BACKLOG of its messages wait here: beyond, the oldest are put aside in the data dir
(storage.undelivered) and counted in the log as the lane ends. A channel that is only slow
keeps its burst, up to MAX_QUEUED (one that is down fails each message fast, and would
otherwise gather them without end). A message goes to its channel as the channel stands when
it is sent (one removed meanwhile gets none). Each outcome is recorded
(storage.notify_state); a failure is logged without the URL's secrets. What a channel did not
take, and what a stopping host left unsent, is kept in the data dir (storage.undelivered)
and sent again by whichever host serves it next."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import delivery
from taskrun_gui.storage import channels_store, notify_state, undelivered

log = logging.getLogger(__name__)
SAY_WAIT_S = 1.0  # a longer wait for the last deliveries, as a host stops, is said
GRACE_S = 1.0  # then, for the threads to end once their retries' waits are cut short
MAX_BACKLOG = 200  # messages of a hanging channel waiting behind the one under way, at most
MAX_QUEUED = 10 * MAX_BACKLOG  # of any channel: one that fails fast keeps no more either

Item = tuple[channels_store.Channel, delivery.Message]
Send = Callable[[channels_store.Channel, delivery.Message], None]


class Outbox:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._stop = threading.Event()  # cuts a retry's wait short
        self._lanes: dict[str, _Lane] = {}
        self._lock = threading.Lock()
        self._closed = False

    def put(self, channel: channels_store.Channel, message: delivery.Message) -> None:
        with self._lock:
            if self._closed:
                return
            lane = self._lanes.get(channel.name)
            if lane is None:
                lane = _Lane(channel.name, self._send, self._stop, self._keep)
                self._lanes[channel.name] = lane
            lane.put((channel, message))  # under the lock: never to a lane closed meanwhile

    def stop(self, timeout: float) -> None:
        """Deliver what is queued for at most `timeout` (a longer wait than a moment is
        said), then stop. A KeyboardInterrupt meanwhile ends the wait (the caller's), and
        the deliveries under way are cut short all the same. (Events, not Thread.join: once
        a KeyboardInterrupt broke into a join, Python 3.11 takes the thread for ended.)"""
        lanes = self._close()
        try:
            if not _wait_all(lanes, min(timeout, SAY_WAIT_S)) and timeout > SAY_WAIT_S:
                log.warning(
                    "still delivering alerts to channels (up to %.0f s more; Ctrl+C stops waiting)",
                    timeout - SAY_WAIT_S + GRACE_S,
                )
                _wait_all(lanes, timeout - SAY_WAIT_S)
        finally:
            left = sum(lane.left for lane in lanes)  # before the cut lets them go
            self._stop.set()
            self._keep([item for lane in lanes for item in lane.take_queued()])
        if left:
            _wait_all(lanes, GRACE_S)
            log.warning(
                "%d alerts to channels not delivered as the host stopped: kept for the next"
                " host that serves",
                left,
            )

    def cut(self) -> None:
        """Stop now: what is queued is not sent but kept, a delivery under way cut short."""
        self._stop.set()
        self._keep([item for lane in self._close() for item in lane.take_queued()])

    def _keep(self, items: list[Item], again: bool = False) -> None:
        """Alerts not delivered, kept for a try later (storage.undelivered); `again`: one
        that was tried (its try counts)."""
        now = now_ms()
        for channel, m in items:
            first = m.first_at if m.first_at is not None else now
            kept = undelivered.Kept(
                channel.name, m.event, m.title, m.body, m.run, first, m.tries + again, now
            )
            try:
                undelivered.keep(self.data_dir, kept, now)
            except OSError as exc:
                log.warning("channel %s: an undelivered alert not kept: %s", channel.name, exc)

    def ended(self, timeout: float) -> bool:
        """Whether every lane's thread has ended, waiting at most `timeout`."""
        return _wait_all(list(self._lanes.values()), timeout)

    def _close(self) -> list[_Lane]:
        with self._lock:
            self._closed = True
            lanes = list(self._lanes.values())
        for lane in lanes:
            lane.close()
        return lanes

    def _send(self, queued: channels_store.Channel, message: delivery.Message) -> None:
        channel = channels_store.load(self.data_dir).get(queued.name)
        if channel is None:  # removed since: its messages go nowhere
            log.info("channel %s was removed: its %s alert is not sent", queued.name, message.event)
            return
        outcome = delivery.send(channel.url, message, self._stop)
        if not outcome.ok:
            log.warning(
                "channel %s: %s not delivered: %s; kept to be sent again",
                channel.name,
                message.event,
                outcome.error,
            )
            self._keep([(channel, message)], again=True)
        try:
            notify_state.record_delivery(
                self.data_dir, channel.name, outcome.ok, now_ms(), outcome.error
            )
        except OSError as exc:
            log.warning("channel %s: delivery not recorded: %s", channel.name, exc)


def hang_after_s() -> float:
    """A delivery under way for longer than this has its channel taken for hanging."""
    return delivery.timeout_s()


def _wait_all(lanes: list[_Lane], timeout: float) -> bool:
    deadline = time.monotonic() + max(0.0, timeout)
    return all(lane.done.wait(max(0.0, deadline - time.monotonic())) for lane in lanes)


class _Lane:
    """One channel's messages, in order, on a thread of its own."""

    def __init__(
        self, name: str, send: Send, stop: threading.Event, spill: Callable[[list[Item]], None]
    ) -> None:
        self.name = name
        self._send = send
        self._stop = stop
        self._spill = spill  # where the oldest go while it hangs: kept to be sent again
        self._items: deque[Item] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._busy_since: float | None = None  # monotonic: the delivery under way began
        self._dropped = 0
        self.done = threading.Event()
        thread = threading.Thread(target=self._loop, name=f"taskrun-deliver-{name}", daemon=True)
        thread.start()

    @property
    def left(self) -> int:
        """Messages not sent yet: queued, and the one under way (the dropped are said apart)."""
        with self._cond:
            return len(self._items) + (self._busy_since is not None)

    def put(self, item: Item) -> None:
        spilled: list[Item] = []
        with self._cond:
            since = self._busy_since
            hanging = since is not None and time.monotonic() - since > hang_after_s()
            if len(self._items) >= (MAX_BACKLOG if hanging else MAX_QUEUED):  # the oldest go
                spilled.append(self._items.popleft())
                self._dropped += 1
                if self._dropped == 1:
                    log.warning(
                        "channel %s is not answering: its oldest alerts wait in the data dir"
                        " to be sent again, the newest %d here",
                        self.name,
                        MAX_BACKLOG,
                    )
            self._items.append(item)
            self._cond.notify()
        if spilled:
            self._spill(spilled)

    def take_queued(self) -> list[Item]:
        """The messages not sent yet (not the one under way), taken off the lane."""
        with self._cond:
            items, self._items = list(self._items), deque()
        return items

    def close(self) -> None:
        """Send what is queued, then end (at once if the outbox was cut)."""
        with self._cond:
            self._closing = True
            self._cond.notify()

    def _loop(self) -> None:
        try:
            while (item := self._next()) is not None:
                try:
                    self._send(*item)
                except Exception:  # a bug of ours must not end the deliveries for good
                    log.exception("delivery to channel %s failed", self.name)
                finally:
                    with self._cond:
                        self._busy_since = None
        finally:
            if self._dropped:
                log.warning(
                    "channel %s: %d alerts put aside while it hung, to be sent again",
                    self.name,
                    self._dropped,
                )
            self.done.set()

    def _next(self) -> Item | None:
        with self._cond:
            while not self._items and not self._closing and not self._stop.is_set():
                self._cond.wait()  # woken by a message, a close, or a cut (which closes)
            if self._stop.is_set() or not self._items:
                return None
            self._busy_since = time.monotonic()
            return self._items.popleft()
