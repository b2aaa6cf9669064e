"""Messages to channels leave from a thread of their own, in order. A channel that does not
answer holds up the messages behind it (each try bounded by the timeout, then retried), but
never the decisions about runs, the runs a chain starts, or the runs themselves. A message
goes to its channel as the channel stands when it is sent (one removed meanwhile gets none).
Each outcome is recorded (storage.notify_state); a failure is logged without the URL's
secrets, and what a stopping host left unsent is counted in the log."""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path

from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import delivery
from taskrun_gui.storage import channels_store, notify_state

log = logging.getLogger(__name__)
SAY_WAIT_S = 1.0  # a longer wait for the last deliveries, as a host stops, is said
GRACE_S = 1.0  # then, for the thread to end once its retries' waits are cut short


class Outbox:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._stop = threading.Event()  # cuts a retry's wait short
        self._queue: queue.SimpleQueue[tuple[channels_store.Channel, delivery.Message] | None]
        self._queue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._loop, name="taskrun-deliver", daemon=True)
        self._done = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def put(self, channel: channels_store.Channel, message: delivery.Message) -> None:
        self._queue.put((channel, message))

    def stop(self, timeout: float) -> None:
        """Deliver what is queued for at most `timeout` (a longer wait than a moment is
        said), then stop. A KeyboardInterrupt meanwhile ends the wait (the caller's), and
        the deliveries under way are cut short all the same. (Not Thread.join: once a
        KeyboardInterrupt broke into it, Python 3.11 takes the thread for ended.)"""
        self._queue.put(None)
        if self._thread.ident is None:
            return
        try:
            if not self._done.wait(min(timeout, SAY_WAIT_S)) and timeout > SAY_WAIT_S:
                log.warning(
                    "still delivering alerts to channels (up to %.0f s more; Ctrl+C stops waiting)",
                    timeout - SAY_WAIT_S + GRACE_S,
                )
                self._done.wait(timeout - SAY_WAIT_S)
        finally:
            self._stop.set()
        if not self._done.wait(GRACE_S):
            log.warning("%d alerts to channels not delivered as the host stopped", self._left)

    def cut(self) -> None:
        """Stop now: what is queued is not sent, a delivery under way is cut short."""
        self._queue.put(None)
        self._stop.set()

    @property
    def _left(self) -> int:
        """Messages not sent (the one under way included)."""
        return self._queue.qsize()  # the end mark stands for the one under way

    def _loop(self) -> None:
        try:
            while (item := self._queue.get()) is not None and not self._stop.is_set():
                try:
                    self._send(*item)
                except Exception:  # a bug of ours must not end the deliveries for good
                    log.exception("delivery to channel %s failed", item[0].name)
        finally:
            self._done.set()

    def _send(self, queued: channels_store.Channel, message: delivery.Message) -> None:
        channel = channels_store.load(self.data_dir).get(queued.name)
        if channel is None:  # removed since: its messages go nowhere
            log.info("channel %s was removed: its %s alert is not sent", queued.name, message.event)
            return
        outcome = delivery.send(channel.url, message, self._stop)
        if not outcome.ok:
            log.warning(
                "channel %s: %s not delivered: %s", channel.name, message.event, outcome.error
            )
        try:
            notify_state.record_delivery(
                self.data_dir, channel.name, outcome.ok, now_ms(), outcome.error
            )
        except OSError as exc:
            log.warning("channel %s: delivery not recorded: %s", channel.name, exc)
