"""The poller asks for the runs with a control request at every pass: it gets those its node
may act on, and the question reads the few rows that have one, not a whole old history."""

from __future__ import annotations

import pytest

from taskrun_gui.core.models import Control, RunRecord, Trigger
from taskrun_gui.core.nodes import ANY_NODE
from taskrun_gui.core.run_events import RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage import recorder, run_claims
from taskrun_gui.storage.db import Store
from tests.helpers import add_task, shell_task


def _queued(store: Store, node: str | None) -> RunRecord:
    task = add_task(store, shell_task(f"t-{node}", "true"))
    rec = records.new_run(task.id, task.version, task.spec, {}, Trigger.CLI, store.logs_dir)
    rec.node = node
    with store.write_transaction():
        rec.id = recorder.apply(RunQueued(rec))
    return rec


def test_a_node_gets_its_own_requests_old_ones_and_any_nodes(store: Store) -> None:
    runs = {node: _queued(store, node) for node in ("here", "there", None, ANY_NODE)}
    _queued(store, "here-too")  # no request on it
    for rec in runs.values():
        run_claims.request_control(rec.uid, Control.CANCEL)
    got = {rec.uid: rec.control for rec in run_claims.with_control("here")}
    want = {runs[n].uid: Control.CANCEL for n in ("here", None, ANY_NODE)}
    assert got == want


def test_the_question_reads_only_the_runs_with_a_request(store: Store) -> None:
    if store.url is not None:
        pytest.skip("the plan asked is SQLite's")
    sql, params = run_claims.controlled_runs().sql()
    plan = " ".join(str(row) for row in store.db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING INDEX run_control" in plan, plan
