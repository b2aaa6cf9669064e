"""Messages to channels leave from a thread of their own. A channel that does not answer holds
up only the messages behind it (each try bounded by the timeout, then retried), never the
decisions about runs, the runs a chain starts, or the runs themselves. Each outcome is
recorded (storage.notify_state); a failure is logged without the URL's secrets."""

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

    def start(self) -> None:
        self._thread.start()

    def put(self, channel: channels_store.Channel, message: delivery.Message) -> None:
        self._queue.put((channel, message))

    def stop(self, timeout: float) -> None:
        """Deliver what is queued for at most `timeout` (a longer wait than a moment is
        said), then stop. A KeyboardInterrupt meanwhile ends the wait (the caller's)."""
        self._queue.put(None)
        if self._thread.ident is None:
            return
        self._thread.join(min(timeout, SAY_WAIT_S))
        if self._thread.is_alive() and timeout > SAY_WAIT_S:
            log.warning(
                "still delivering alerts to channels (up to %.0f s more; Ctrl+C stops waiting)",
                timeout - SAY_WAIT_S + GRACE_S,
            )
            self._thread.join(timeout - SAY_WAIT_S)
        self._stop.set()
        self._thread.join(GRACE_S)

    def _loop(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                self._send(*item)
            except Exception:  # a bug of ours must not end the deliveries for good
                log.exception("delivery to channel %s failed", item[0].name)

    def _send(self, channel: channels_store.Channel, message: delivery.Message) -> None:
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
