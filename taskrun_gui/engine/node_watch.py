"""Live nodes take over dead ones on a shared history. Each host's poller, on its heartbeat
cadence, looks for nodes silent for longer than the lease (core.nodes.lease_s, judged by the
database's clock) that still hold runs, and takes each over in one write transaction (every
TaskRun write transaction holds the database's write lock): it judges the node dead again,
records its running and paused runs `interrupted` through the recovery path (the same finish,
daily aggregate and histogram as a local recovery), and gives its claims on runs queued for
any node back to the others. Runs queued for it by name stay queued for it.

Exactly once: two live nodes looking at the same moment take the write lock in turn, and the
second finds nothing left to take (a finish of a final run is never applied twice). The dead
node's processes are not touched from here: they are on its machine, where its watchdog
(engine/run_watchdog.py) stopped them, or its host stops them when it comes back."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from taskrun_gui.core.run_events import RunFinished
from taskrun_gui.engine.recovery import interrupted
from taskrun_gui.storage import node_leases, recorder
from taskrun_gui.storage.node_leases import DeadNode


@dataclass(frozen=True)
class TakenOver:
    node: str
    interrupted: list[str]  # uids of the runs recorded interrupted
    released: int  # claims on runs queued for any node given back

    def __str__(self) -> str:
        """What the log says: "2 runs interrupted, 1 queued run given back"."""
        n, m = len(self.interrupted), self.released
        return (
            f"{n} run{'s' * (n != 1)} interrupted, "
            f"{m} queued run{'s' * (m != 1)} given back to the other nodes"
        )


def why(dead: DeadNode) -> str:
    """The error message of a run a takeover interrupted."""
    return (
        f"node {dead.name} stopped answering: no heartbeat for {round(dead.silent_ms / 1000)} s;"
        " another node marked this run interrupted"
    )


def take_over(name: str, lease_s: float) -> TakenOver | None:
    """Take node `name` over if it is still dead; call in a write transaction. None: it
    beat meanwhile."""
    dead = node_leases.still_dead(name, lease_s)
    if dead is None:
        return None
    done = []
    for rec in node_leases.live_runs(name):
        final = interrupted(rec, why(dead), dead.now_ms)
        if recorder.apply(RunFinished.of(final)) is not None:
            done.append(rec.uid)
    return TakenOver(name, done, node_leases.release_any_claims(name))


class LeaseWatch:
    """When this host may judge others: only once its own heartbeats have gone through,
    without a gap, for a whole lease. After the database was down (or this host stalled),
    every node's heartbeat looks old; a node that is there beats again within the lease,
    and only then is a silent one dead."""

    def __init__(self, lease_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.lease_s = lease_s
        self._clock = clock
        self._since: float | None = None  # the first beat of the current unbroken run
        self._last: float | None = None
        self.rejoined = False  # a beat went through after none did for a while

    def beat_done(self, ok: bool) -> None:
        """A heartbeat committed (ok) or refused. On any thread (the writer's)."""
        now = self._clock()
        if not ok:
            self._since = self._last = None
            return
        if self._since is None or self._last is None or now - self._last > self.lease_s / 2:
            self._since = now
            self.rejoined = True
        self._last = now

    def fresh(self) -> bool:
        """This host's last heartbeat went through within half a lease: no other node can
        have judged it dead (and given its claims on runs for any node to others)."""
        last = self._last
        return last is not None and self._clock() - last <= self.lease_s / 2

    def may_judge(self) -> bool:
        """A whole lease of beats, the last one recent (a beat still waiting in the writer,
        the database unreachable, does not count as one going through)."""
        since, last, now = self._since, self._last, self._clock()
        if since is None or last is None:
            return False
        return now - since >= self.lease_s and now - last <= self.lease_s / 2
