"""Taking a dead node over (engine/node_watch.py) on both backends: once, whoever looks
and however often; a node that beats again is left alone; runs queued for it by name stay
its own; and a host judges others only once its own heartbeats have gone through for a
whole lease (after the database was down, every node looks silent)."""

from __future__ import annotations

import os
import threading

from taskrun_gui.core.models import RunRecord, RunStatus, Trigger
from taskrun_gui.core.run_events import RunQueued, RunStarted
from taskrun_gui.engine import records
from taskrun_gui.engine.node_watch import LeaseWatch, take_over
from taskrun_gui.storage import backend, node_leases, nodes_repo, recorder, run_claims, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.tasks_repo import TaskRow
from tests.helpers import add_task, shell_task


def _queued(store: Store, task: TaskRow, node: str, started: bool) -> RunRecord:
    """A run of `task` queued for `node` (started: running there, pid 4242)."""
    rec = records.new_run(task.id, task.version, task.spec, {}, Trigger.CLI, store.logs_dir)
    rec.node = node
    with store.write_transaction():
        rec.id = recorder.apply(RunQueued(rec))
        if started:
            recorder.apply(RunStarted(rec.uid, rec.queued_at, 4242, 4242, 1.0))
    return rec


def _silent(store: Store, name: str, seconds: int) -> None:
    """Node `name` last beat `seconds` ago, by the database's clock."""
    with store.write_transaction():
        nodes_repo.beat(name, 1)
        backend.query(
            f"UPDATE node SET heartbeat_at = heartbeat_at - {seconds * 1000} WHERE name = ?",
            [name],
        )


def test_a_dead_node_is_taken_over_once(store: Store) -> None:
    task = add_task(store, shell_task("work", "sleep 100"))

    def new(node: str, started: bool) -> RunRecord:
        return _queued(store, task, node, started)

    live = [new("beta", True), new("beta", True)]
    named = new("beta", False)  # queued for beta by name
    anyone = new("any", False)
    with store.write_transaction():
        assert run_claims.claim([anyone.uid], 77, "beta") == {anyone.uid}
    mine = new("alpha", True)
    _silent(store, "beta", 10)
    _silent(store, "alpha", 0)
    assert [d.name for d in node_leases.dead_nodes("alpha", 5)] == ["beta"]
    assert node_leases.dead_nodes("alpha", 30) == []  # within a longer lease: not dead

    def look() -> None:  # two live nodes looking at once, and again
        for _ in range(2):
            with store.write_transaction():
                take_over("beta", 5)

    lookers = [threading.Thread(target=look) for _ in range(2)]
    for t in lookers:
        t.start()
    for t in lookers:
        t.join()
    for rec in live:
        row = runs_repo.get(rec.id or 0)
        assert row.status is RunStatus.INTERRUPTED
        assert (row.error_message or "").startswith("node beta stopped answering: no heartbeat for")
    assert runs_repo.get(mine.id or 0).status is RunStatus.RUNNING
    assert (runs_repo.get(named.id or 0).node, runs_repo.get(named.id or 0).status) == (
        "beta",
        RunStatus.QUEUED,
    )
    freed = runs_repo.get(anyone.id or 0)
    assert (freed.node, freed.status) == ("any", RunStatus.QUEUED)
    counted = backend.query("SELECT sum(interrupted) FROM task_day").fetchone()[0]
    assert counted == 2  # each end counted once
    assert node_leases.dead_nodes("alpha", 5) == []  # nothing left to take


def test_a_node_that_beats_again_is_not_taken_over(store: Store) -> None:
    task = add_task(store, shell_task("work", "sleep 100"))
    rec = _queued(store, task, "beta", True)
    _silent(store, "beta", 10)
    _silent(store, "beta", 0)  # it beat meanwhile
    with store.write_transaction():
        assert take_over("beta", 5) is None
    assert runs_repo.get(rec.id or 0).status is RunStatus.RUNNING


def test_a_host_judges_others_only_after_a_whole_lease_of_its_own_beats() -> None:
    now = [0.0]
    watch = LeaseWatch(10, clock=lambda: now[0])
    for t in range(0, 10, 2):
        now[0] = t
        assert not watch.may_judge()
        watch.beat_done(True)
    now[0] = 10
    assert watch.may_judge()
    now[0] = 16
    assert not watch.may_judge()  # no beat has gone through for a while (still waiting)
    watch.beat_done(True)
    assert not watch.may_judge()  # a gap: the count starts again
    watch.beat_done(False)  # the database went away
    assert not watch.may_judge()
    now[0] = 40
    watch.beat_done(True)  # back: a whole lease of beats again before judging
    now[0] = 46
    watch.beat_done(True)
    assert not watch.may_judge()
    now[0] = 60
    watch.beat_done(True)  # a gap longer than half the lease: the count starts again
    assert not watch.may_judge()


def test_a_lease_is_fresh_only_while_beats_go_through() -> None:
    now = [0.0]
    watch = LeaseWatch(10, clock=lambda: now[0])
    assert not watch.fresh()  # no beat yet
    watch.beat_done(True)
    now[0] = 5
    assert watch.fresh()
    now[0] = 5.1
    assert not watch.fresh()  # more than half a lease without a beat: maybe judged dead
    watch.beat_done(True)
    assert watch.fresh()
    watch.beat_done(False)
    assert not watch.fresh()


def test_this_processs_own_claim_is_read_again_as_unclaimed(store: Store) -> None:
    """A claim committed whose answer was lost: the next pass takes it up again; another
    process's claim stays its own."""
    task = add_task(store, shell_task("t", "true"))
    mine, theirs = (_queued(store, task, "alpha", started=False) for _ in range(2))
    with store.write_transaction():
        assert run_claims.claim([mine.uid], os.getpid(), "alpha") == {mine.uid}
        assert run_claims.claim([theirs.uid], os.getpid() + 1, "alpha") == {theirs.uid}
    found = run_claims.queued_after(0, unclaimed_only=True, node="alpha")
    assert [r.uid for r in found] == [mine.uid]
