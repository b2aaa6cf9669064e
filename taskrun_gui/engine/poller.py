"""The host's eye on the database: runs queued by other processes (the CLI) and control
requests (cancel, pause, resume) recorded by any process. A plain thread, so the UI thread
never queries."""

from __future__ import annotations

import functools
import logging
import os
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from taskrun_gui.core.models import RunRecord, TaskSpec
from taskrun_gui.core.nodes import ANY_NODE, boot_id, heartbeat_s, lease_s, node_name
from taskrun_gui.engine.logsink import log_path_for
from taskrun_gui.engine.node_watch import LeaseWatch, take_over
from taskrun_gui.engine.records import values_for
from taskrun_gui.engine.scheduler import Fire, FireTimes, Scheduler
from taskrun_gui.engine.ticker import StoreTicker
from taskrun_gui.engine.wakeup import WakeListener
from taskrun_gui.storage import (
    node_leases,
    nodes_repo,
    pg_listen,
    run_claims,
    tasks_repo,
    unreplayed,
)
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.writer import replay_spool

log = logging.getLogger(__name__)
REPLAY_EVERY_S = 2.0  # how often a pass retries replaying what a dead writer left


@dataclass
class ForeignRun:
    record: RunRecord
    spec: TaskSpec
    values: dict[str, str]


class HostPoller(StoreTicker):
    def __init__(
        self,
        store: Store,
        on_queued: Callable[[list[ForeignRun]], None],
        on_controls: Callable[[list[RunRecord]], None],
        is_known: Callable[[str], bool],
        interval: float = 0.5,
        on_fires: Callable[[list[Fire]], None] | None = None,
        write: Callable[[Callable[[], object]], Future[Any]] | None = None,
        scheduler: Scheduler | None = None,
        free_slots: Callable[[], int] | None = None,
        held: Callable[[], set[str]] | None = None,
        on_lost: Callable[[list[str]], None] | None = None,
        on_tasks: Callable[[list[tasks_repo.TaskRow]], object] | None = None,
    ) -> None:
        """With `on_fires`, schedules are checked every tick (only the host that serves the
        data dir for good does that; one started for CLI work does not). `free_slots`: how
        many more runs this host could start now (workers minus its running and queued
        runs): it claims runs queued for any node up to that many, so a burst spreads over
        the nodes (None: no limit). `held`: the runs this host has queued or going;
        `on_lost`: told those the history gave to other nodes while this host was cut off
        for longer than its lease. `on_tasks`: the tasks read for the schedules."""
        interval = pg_listen.poll_interval(store.url, interval)
        # on a shared server the heartbeat keeps its pace whatever the poll's ($TASKRUN_POLL_S)
        beat = heartbeat_s() / 2 if store.url is not None else interval
        super().__init__(store, "taskrun-poller", min(interval, beat))
        self._look_every = interval  # a look at the queue and the requests, unless woken
        self._looked_at = -interval
        self.on_fires = on_fires
        self.write = write
        self.scheduler = scheduler or Scheduler()
        self.on_queued = on_queued
        self.on_controls = on_controls
        self.is_known = is_known
        self._last_id = 0
        self._top: tuple[int, str] | None = None  # the newest row at the last look (SQLite)
        self.passes = 0  # complete looks at the queue so far
        self.found_at_pass = 0  # the last pass that found runs queued by others
        self.deferred = 0  # queued runs the last pass could not claim (the store refused)
        self._claims_cleared = False  # the claims a dead host left on queued runs
        self._replayed_at = 0.0
        self._beat_at = 0.0  # monotonic time of the last heartbeat sent
        self.node = node_name()
        self.free_slots = free_slots
        self.held = held
        self.on_lost = on_lost
        self.on_tasks = on_tasks
        self._handed: set[str] = set()  # handed over, not yet on the host's board
        self._left = False  # the last pass left runs queued for any node for want of room
        self.lease = LeaseWatch(lease_s())
        # a command that queued runs or asked for a cancel nudges this poller to look now
        self._wakeup = WakeListener(store.locks_dir, self.wake)
        self._notices: pg_listen.Subscription | None = None  # a shared server's run changes

    def start(self) -> None:
        self._wakeup.start()  # before the first look: a nudge meanwhile makes a second one
        super().start()
        self._notices = pg_listen.subscribe(self.store.url, self._on_run_notices)

    def stop(self) -> None:
        if self._notices is not None:
            self._notices.close()
        self._wakeup.stop()
        super().stop()

    def _on_run_notices(self, notices: list[pg_listen.RunNotice], look_again: bool) -> None:
        """On the listener's thread: a run queued for this node, or a cancel, pause or
        resume of one of its runs, recorded by any node, is looked at now, not at the next
        poll (which stays the fallback)."""
        if look_again or any(n.for_node(self.node) for n in notices):
            self.wake()

    def may_have_lost(self, rec: RunRecord) -> bool:
        """A run this node claimed for any node, while its heartbeats do not go through: once
        its lease is past, another node gives the claim to others; started here it would run
        twice. It waits (the run board asks again) until a beat goes through and the claims
        lost meanwhile are dropped."""
        return self.store.url is not None and rec.node == ANY_NODE and not self.lease.fresh()

    def room_made(self) -> None:
        """A run ended here: look again now if runs for any node were left for want of a
        free slot (not at the next tick: a burst goes at the pace of its runs)."""
        if self._left:
            self.wake()

    def quiet_since(self, passes: int) -> bool:
        """Two whole passes after `passes` were completed and found nothing new: whatever
        was queued before that moment has been handed over."""
        return self.passes >= passes + 2 and self.found_at_pass <= passes

    def poll_once(self) -> None:
        if self._beat():
            self._check_lost()
            self._take_over_dead()
            # and the whole queue looked at again: claims a dead node held (whoever took it
            # over) are free now, on runs older than the last this poller saw
            self._last_id = 0
        if self.woken or time.monotonic() - self._looked_at >= self._look_every:
            self._looked_at = time.monotonic()
            self._take_queued()
            controls = run_claims.with_control(self.node)
            if controls:
                self.on_controls(controls)
            self.passes += 1
        if self.on_fires is not None:  # at the heartbeat's pace at least, whatever the poll's
            self._check_schedules()

    def _take_queued(self) -> None:
        """Hand over the runs others queued, each once it is claimed for this host in the
        store (one transaction a pass, whatever the burst): a run whose claim the store
        refuses is not started, and is tried again next pass."""
        # before the claims are cleared, dead hosts' claims count as none
        if self._ids_reused():
            self._last_id = 0
        look = (self._last_id, self._claims_cleared, self.node)
        ids = run_claims.queued_ids_after(*look)
        unknown = [i for i, uid in ids if not self.is_known(uid)]
        rows = run_claims.queued_after(unknown[0] - 1, *look[1:]) if unknown else []
        rows = [row for row in rows if not self.is_known(row.uid)]
        if not rows:  # none queued: no dead host's claim to clear either
            # (the host's own queued runs are looked at by id only, a few ms for a burst of
            # a thousand; _last_id stays: SQLite gives a deleted newest row's id again)
            self._claims_cleared = True
            self._left = False
            self.deferred = 0
            return
        waiting = unreplayed.waiting_uids(self.store.spool_dir)
        held = [row for row in rows if row.uid in waiting]  # a dead host started them
        free, left = self._fair_share([row for row in rows if row.uid not in waiting])
        self._left = bool(left)
        moved = self._relocated(free)
        claimed = self._claim([row.uid for row in free], moved) if free else set()
        if claimed is None:
            later = {r.uid for r in left}
            held = [row for row in rows if row.uid not in later]
            claimed = set()
        if held:
            self._replay_soon()
        again = [r.id or 0 for r in (*held[:1], *left[:1])]  # looked at again next pass
        self._last_id = min(again) - 1 if again else max(self._last_id, rows[-1].id or 0)
        self._defer(len(held))
        found = self._foreign(
            [replace(r, log_path=moved.get(r.uid, r.log_path)) for r in free if r.uid in claimed]
        )
        if found:
            self.found_at_pass = self.passes + 1
            self._handed.update(fr.record.uid for fr in found)
            self.on_queued(found)

    def _ids_reused(self) -> bool:
        """Whether the newest row this poller saw is gone: SQLite gives a deleted newest row's
        id again (no AUTOINCREMENT), so a run queued after retention emptied the top of the
        history may have an id _last_id is past (PostgreSQL never reuses one)."""
        if self.store.url is not None:
            return False
        top = self._top
        self._top = run_claims.newest_row()
        return top is not None and run_claims.uid_at(top[0]) != top[1]

    def _fair_share(self, rows: list[RunRecord]) -> tuple[list[RunRecord], list[RunRecord]]:
        """(to claim, left to others): every run queued for this node by name, and runs
        queued for any node up to the free slots the named ones leave; the rest stay
        unclaimed for a node with room (and for this one, next pass). On a data dir's own
        SQLite file there is no other node: everything is claimed at once, as before."""
        if self.free_slots is None or self.store.url is None:
            return rows, []
        self._handed = {uid for uid in self._handed if not self.is_known(uid)}
        room = self.free_slots() - len(self._handed)
        named = [r for r in rows if r.node != ANY_NODE]
        room -= len(named)
        anyone = [r for r in rows if r.node == ANY_NODE]
        take = anyone[: max(0, room)]
        chosen = {r.uid for r in take} | {r.uid for r in named}
        return [r for r in rows if r.uid in chosen], anyone[len(take) :]

    def _relocated(self, records: list[RunRecord]) -> dict[str, str]:
        """New log paths, in this data dir, for runs queued elsewhere (another node's data
        dir): a run logs where it executes."""
        logs = self.store.logs_dir
        return {
            r.uid: str(log_path_for(logs, r.uid, r.queued_at))
            for r in records
            if not Path(r.log_path).is_relative_to(logs)
        }

    def _beat(self) -> bool:
        """The node's heartbeat, every heartbeat_s(), through the writer when there is one
        (not waited for: a refused beat is simply sent again next time); True when one was
        sent. Only on a shared server: on the data dir's own SQLite file the host lock says
        whether the node's host is there, and an idle host commits nothing (a commit would
        race any read-then-write transaction of another process for nothing)."""
        if self.store.url is None or time.monotonic() - self._beat_at < heartbeat_s():
            return False
        self._beat_at = time.monotonic()
        node, pid = self.node, os.getpid()
        try:
            if self.write is not None:
                fut = self.write(lambda: nodes_repo.beat(node, pid, boot_id()))
                fut.add_done_callback(self._beat_done)
            else:
                with self.store.write_transaction():
                    nodes_repo.beat(node, pid, boot_id())
                self.lease.beat_done(True)
        except Exception as exc:  # read-only, locked, full: the next beat tries again
            log.debug("heartbeat: %s", exc)
            self.lease.beat_done(False)
        return True

    def _beat_done(self, fut: Future[Any]) -> None:
        self.lease.beat_done(not fut.cancelled() and fut.exception() is None)

    def _check_lost(self) -> None:
        """After a time without heartbeats (the database unreachable, this host stalled),
        whether others took this node over meanwhile: what they took is not run here."""
        if not self.lease.rejoined or self.held is None or self.on_lost is None:
            return
        self.lease.rejoined = False
        try:
            lost = run_claims.lost(self.held(), os.getpid(), self.node)
        except Exception as exc:  # looked at again after the next gap
            log.debug("looking for runs taken over: %s", exc)
            return
        if lost:
            self.on_lost(lost)

    def _take_over_dead(self) -> None:
        """Nodes silent for longer than the lease: their runs interrupted, their claims on
        runs queued for any node given back (engine/node_watch.py), each node in its own
        transaction; judged only while this host's own heartbeats go through."""
        if not self.lease.may_judge():
            return
        try:
            dead = node_leases.dead_nodes(self.node, self.lease.lease_s)
        except Exception as exc:  # the next beat looks again
            log.debug("looking for dead nodes: %s", exc)
            return
        for found in dead:
            done, result = self._call(functools.partial(take_over, found.name, self.lease.lease_s))
            if done and result is not None:
                log.warning("took over node %s: %s", found.name, result)

    def _defer(self, count: int) -> None:
        """Runs still waiting to be claimed keep the host from looking idle."""
        self.deferred = count
        if count:
            self.found_at_pass = self.passes + 1

    def _foreign(self, records: list[RunRecord]) -> list[ForeignRun]:
        found: list[ForeignRun] = []
        specs: dict[tuple[int, int], TaskSpec | None] = {}  # a burst is many runs of one task
        for rec in records:
            key = (rec.task_id, rec.version)
            if key not in specs:
                try:
                    specs[key] = tasks_repo.version_spec(*key)
                except LookupError:
                    specs[key] = None
            spec = specs[key]
            if spec is not None:
                found.append(ForeignRun(rec, spec, values_for(rec, self.store.secrets_dir)))
        return found

    def _claim(self, uids: list[str], log_paths: dict[str, str]) -> set[str] | None:
        """Compare-and-set: the uids now claimed by this process (None: the store refused)."""
        pid, node = os.getpid(), self.node
        clear = not self._claims_cleared

        def claim() -> set[str]:
            if clear:
                run_claims.clear_claims(node)
            return run_claims.claim(uids, pid, node, log_paths)

        done, result = self._call(claim)
        if not done or not isinstance(result, set):
            return None
        self._claims_cleared = True
        return result

    def _call(self, fn: Callable[[], object]) -> tuple[bool, object]:
        """`fn` in a write transaction through the writer, waited for (as long as this
        poller runs): (False, None) when the store refused it or the poller stopped first."""
        try:
            if self.write is None:
                with self.store.write_transaction():
                    return True, fn()
            fut = self.write(fn)
            while not fut.done():
                if self._stop.is_set():  # what it claims stays claimed: the next host clears it
                    return False, None
                self._stop.wait(0.05)
            return True, fut.result()
        except Exception as exc:  # locked, read-only, full: not claimed, tried again
            log.debug("claiming queued runs: %s", exc)
            return False, None

    def _replay_soon(self) -> None:
        """Runs a dead writer started are held back until its records are written: try to
        write them (now and then, not every pass)."""
        if time.monotonic() - self._replayed_at < REPLAY_EVERY_S:
            return
        self._replayed_at = time.monotonic()
        try:
            replay_spool(self.store)
        except Exception as exc:
            log.debug("replaying the spool: %s", exc)

    def _check_schedules(self) -> None:
        tasks = tasks_repo.list_all()
        if self.on_tasks is not None:
            self.on_tasks(tasks)
        fires, changes = self.scheduler.due(tasks)
        if fires and self.store.url is not None:
            fires = self._claim_fires(fires, changes, {t.id: t.last_fire_at for t in tasks})
            return
        if changes and self.write is not None:

            def store_times() -> None:
                for c in changes:
                    tasks_repo.set_fire_times(c.task_id, c.next_fire_at, c.last_fire_at)

            self.write(store_times)
        if fires:
            assert self.on_fires is not None
            self.on_fires(fires)

    def _claim_fires(
        self, fires: list[Fire], changes: list[FireTimes], seen: dict[int, int | None]
    ) -> list[Fire]:
        """On a shared history every node's scheduler sees the same fire: the fire times are
        stored and each fire taken in one write transaction, a compare-and-set on the last
        fire this host read, and only the fires this host took start here (none while the
        history is out of reach: another node may be firing them)."""
        firing = {f.task.id for f in fires}

        def claim() -> set[int]:
            won: set[int] = set()
            for c in changes:
                if c.task_id not in firing:
                    tasks_repo.set_fire_times(c.task_id, c.next_fire_at, c.last_fire_at)
                elif c.last_fire_at is not None and tasks_repo.claim_fire(
                    c.task_id, seen.get(c.task_id), c.next_fire_at, c.last_fire_at
                ):
                    won.add(c.task_id)
            return won

        done, won = self._call(claim)
        if not done:  # planned again from the stored last fire once the history answers
            for task_id in firing:
                self.scheduler.forget(task_id)
        taken = [f for f in fires if done and isinstance(won, set) and f.task.id in won]
        if taken:
            assert self.on_fires is not None
            self.on_fires(taken)
        return taken
