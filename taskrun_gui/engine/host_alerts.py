"""What a host tells about the runs it finishes, each on a thread of its own: the success-rate
alert (engine/alerts.py) and the channels, chains, late tasks and digest
(engine/notify_service.py). They start with the host. A CLI host (ThreadHost.close) stops
them once its last runs' ends are in, so those are told too; the window's host stops them as
it shuts down (runs cancelled then are not told). The wait is bounded like the runs'."""

from __future__ import annotations

import logging
from collections.abc import Callable

from taskrun_gui.core.models import RunRecord, TaskSpec
from taskrun_gui.engine.alerts import AlertWatch, RaisedAlert
from taskrun_gui.engine.notify_service import Chained, NotifyService
from taskrun_gui.storage.db import Store

log = logging.getLogger(__name__)


class HostAlerts:
    def __init__(
        self,
        store: Store,
        on_alert: Callable[[RaisedAlert], None] | None,  # None: no success-rate alert
        start_chained: Callable[[Chained], None] | None,  # None: no channels, no chains
        flush: Callable[[], object],
    ) -> None:
        self._watch = None if on_alert is None else AlertWatch(store, on_alert)
        self._notify = None if start_chained is None else NotifyService(store, start_chained, flush)

    def start(self) -> None:
        if self._watch is not None:
            self._watch.start()
        if self._notify is not None:
            self._notify.start()

    def finished(self, rec: RunRecord, spec: TaskSpec | None, last: bool) -> None:
        """A run ended on this host (`last`: its chain of attempts ends with it)."""
        if self._watch is not None:
            self._watch.finished(rec)
        if self._notify is not None:
            self._notify.finished(rec, spec, last)

    def stop(self, timeout: float) -> None:
        """Tell what is still to be told, then end the threads. Ctrl+C meanwhile ends the
        wait, not the host's closing: the runs' chains are started by then (only the
        deliveries wait on the network), and what was not delivered is said."""
        try:
            if self._watch is not None:
                self._watch.stop()
            if self._notify is not None:
                self._notify.stop(timeout)
        except KeyboardInterrupt:
            if self._notify is not None:
                self._notify.cut()
            log.warning("stopped waiting: the alerts not sent yet were not delivered")
