"""Alerts that leave the machine, chains, the dead man's switch and the digest, for whichever
host serves the data dir (the window or `taskrun daemon`: one at a time, so nothing is told
twice). The reads and the decisions run on one thread of its own, the deliveries on another
(engine/outbox.py: each bounded by a timeout, retried, then recorded). A run never waits for
them, and a receiver that is down or hangs delays neither the next run nor the runs a chain
starts; those are handed back to the host's home thread (`start_chained`), which queues them
as any other run."""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core import alerts, notify_rules
from taskrun_gui.core.insights import SLOW_WINDOW, AlertKind, AlertTracker, is_slow
from taskrun_gui.core.models import RunRecord, RunStatus, TaskSpec
from taskrun_gui.core.run_json import run_to_json
from taskrun_gui.core.timefmt import human_duration
from taskrun_gui.engine import delivery
from taskrun_gui.engine.alerts import statuses_with
from taskrun_gui.engine.notify_periodic import Periodic
from taskrun_gui.engine.outbox import Outbox
from taskrun_gui.storage import (
    channels_store,
    notify_queries,
    policy_file,
    runs_repo,
    tasks_repo,
)
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import log_failure

log = logging.getLogger(__name__)
GATHER_S = 0.02  # after a run is judged, the next ones of a burst are let in together
TICK_S = 30.0  # how often late tasks and the digest are looked at (and at start, at resume)


@dataclass(frozen=True)
class Chained:
    """A run a chain starts: handed to the home thread."""

    task: tasks_repo.TaskRow
    values: dict[str, str]  # TRIGGER_* for the run's environment (and declared parameters)
    triggered_by: int | None


def tick_s() -> float:
    try:
        return max(0.05, float(os.environ.get("TASKRUN_NOTIFY_TICK_S", TICK_S)))
    except ValueError:
        return TICK_S


class NotifyService:
    def __init__(
        self,
        store: Store,
        start_chained: Callable[[Chained], None],
        flush: Callable[[], object] = lambda: None,
    ) -> None:
        self.store = store
        self.flush = flush  # the writer's: a run's row committed, when its id is wanted
        self.start_chained = start_chained
        self.outbox = Outbox(store.data_dir)  # deliveries: on a thread of their own
        self._decided = threading.Event()  # the thread ended (not `join`: see Outbox.stop)
        self._items: queue.SimpleQueue[tuple[RunRecord, TaskSpec | None, bool, bool] | None] = (
            queue.SimpleQueue()
        )
        self._rates = AlertTracker()
        self._periodic = Periodic(self)
        self._thread = threading.Thread(target=self._loop, name="taskrun-notify", daemon=True)

    def start(self) -> None:
        self._thread.start()  # the outbox's lanes start with their channels' first messages

    def finished(
        self, rec: RunRecord, spec: TaskSpec | None, last: bool, chain: bool = True
    ) -> None:
        """A run ended on this host (`last`: its chain of attempts ends with it; `chain`: its
        `then` rules start what they name: not for a run told long after its end)."""
        if rec.status is not RunStatus.CANCELLED:
            self._items.put((rec, spec, last, chain))

    def stop(self, timeout: float | None = None) -> None:
        """Decide on what ended and start its chains, then deliver what is still to be told:
        for at most `timeout` in all (see Outbox.stop). A KeyboardInterrupt meanwhile cuts
        the deliveries short and goes on to the caller."""
        self._items.put(None)
        if self._thread.ident is None:  # never started (a read-only store, a host not serving)
            return
        limit = timeout if timeout is not None else delivery.timeout_s() * 2
        deadline = time.monotonic() + limit
        try:
            self._decided.wait(limit)  # no network here: the store's reads only
        except BaseException:
            self.outbox.cut()
            raise
        self.outbox.stop(max(0.0, deadline - time.monotonic()))

    def cut(self) -> None:
        """Stop now: nothing more is decided, the deliveries under way are cut short."""
        self._items.put(None)
        self.outbox.cut()

    # -- the thread -------------------------------------------------------------------------
    def _loop(self) -> None:
        try:
            self._periodic.check()  # start-up: late while the host was off
            while True:
                try:
                    item = self._items.get(timeout=tick_s())
                except queue.Empty:
                    self._periodic.check()
                    continue
                if item is None:
                    return
                try:
                    self._on_finished(*item)
                except Exception as exc:  # a busy store, a bad rule: the next run is judged again
                    log_failure(log, exc, "alerts for run %s", item[0].uid)
                if self._items.empty():  # a burst's ends gather meanwhile: one wake-up for
                    time.sleep(GATHER_S)  # them, not one per run (each a GIL hand-over)
        finally:
            self.store.db.close()  # this thread's connection
            self._decided.set()

    def _on_finished(
        self, rec: RunRecord, spec: TaskSpec | None, last: bool, chain: bool = True
    ) -> None:
        if spec is None:
            found = tasks_repo.find(rec.task_name)
            spec = found.spec if found is not None else TaskSpec(rec.task_name)
        chained = notify_rules.then_targets(spec.then, rec.status) if last and chain else []
        if not chained and not self._listened(spec):
            # nobody to tell and nothing to start: none of the per-run queries (a burst of a
            # thousand short runs would pay them, and a flush, for each), only the late
            # task's return, which a channel added later must not be told again
            if last and rec.status is RunStatus.SUCCESS:
                self._periodic.succeeded(rec, {})
            return
        if rec.id is None:  # queued by this host, its row may be in a batch not committed yet
            self.flush()  # this thread may wait; runs never wait for it
            rec.id = runs_repo.ids_by_uid([rec.uid]).get(rec.uid)
        events = self._events(rec, last)
        if chained:
            self._chain(rec, spec)
        if events:
            self.tell(rec.task_id, spec, events, rec)

    def _listened(self, spec: TaskSpec) -> bool:
        """Whether a channel of the data dir takes any event of this task (its rules or the
        channels' defaults); the desktop is the window's, not told from here."""
        channels = channels_store.load(self.store.data_dir)
        wanted = notify_rules.events_for(spec.notify, {c.name: c.events for c in channels.values()})
        return any(wanted.get(name) for name in channels)

    def _events(self, rec: RunRecord, last: bool) -> dict[str, tuple[str, str]]:
        """event -> (title, text) for the end of `rec`, as core.alerts words them."""
        policy = policy_file.load(self.store.data_dir)
        out: dict[str, tuple[str, str]] = {}
        if last:
            previous = None
            if rec.id is not None:
                chain = rec.first_uid or rec.uid
                previous = notify_queries.previous_chain_status(rec.task_id, rec.id, chain)
            for notice in alerts.decide(
                rec, previous, None, alerts.AlertSettings(True, True, True)
            ):
                event = "finish"
                if notice.level is alerts.Level.ERROR:
                    event = "failure"
                elif notice.title.endswith(" recovered"):
                    event = "recovery"
                out[event] = (notice.title, notice.text)
            out.setdefault("finish", (f"{rec.task_name}: {rec.status}", rec.error_message or ""))
            if rec.status is RunStatus.SUCCESS:
                self._periodic.succeeded(rec, out)
        if rec.status.is_judged_for_slowness and policy.alert_slow_run and rec.id is not None:
            recent = notify_queries.recent_success_durations(rec.task_id, rec.id, SLOW_WINDOW)
            if is_slow(rec.duration_ms or 0, recent):
                took = human_duration(rec.active_seconds)  # what the slow flag judged
                out["slow"] = (f"{rec.task_name}: slow run", f"It took {took}, much longer.")
        if last and policy.alert_success_rate > 0:
            window = policy.alert_window
            statuses = statuses_with(rec, runs_repo.latest_statuses(rec.task_id, window), window)
            alert = alerts.success_rate_alert(self._rates, rec.task_id, statuses, policy)
            if alert is not None:
                title, text = alerts.describe_rate(alert, rec.task_name, len(statuses))
                key = "rate" if alert.kind is AlertKind.LOW_SUCCESS_RATE else "recovery"
                out.setdefault(key, (title, text))
        return out

    def _chain(self, rec: RunRecord, spec: TaskSpec) -> None:
        """Start what the task's `then` rules name for how its chain of attempts ended."""
        for name in notify_rules.then_targets(spec.then, rec.status):
            row = tasks_repo.find(name)
            if row is None:
                log.warning("%s: then: no task named %r", rec.task_name, name)
                continue
            trigger = (str(rec.id or ""), str(rec.status), rec.task_name)
            values = dict(zip(notify_rules.TRIGGER_KEYS, trigger, strict=True))
            self.start_chained(Chained(row, values, rec.id))

    # -- telling ----------------------------------------------------------------------------
    def tell(
        self,
        task_id: int,
        spec: TaskSpec,
        events: dict[str, tuple[str, str]],
        rec: RunRecord | None = None,
    ) -> None:
        """Deliver each event to the channels the task's rules (or the defaults) name."""
        channels = channels_store.load(self.store.data_dir)
        defaults = {c.name: c.events for c in channels.values()}
        wanted = notify_rules.events_for(spec.notify, defaults)
        run = None if rec is None else run_to_json(rec)
        about = "" if rec is None else f"\n\nRun {rec.id} of {rec.task_name}: {rec.status}"
        if rec is not None and rec.duration_seconds is not None:
            about += f", took {human_duration(rec.duration_seconds)}"
        for name, channel in channels.items():
            for event in sorted(events.keys() & wanted.get(name, frozenset())):
                title, text = events[event]
                self.deliver(channel, delivery.Message(event, title, text + about, run))

    def deliver(self, channel: channels_store.Channel, message: delivery.Message) -> None:
        self.outbox.put(channel, message)
