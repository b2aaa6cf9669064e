"""A task's own node (`task add/edit --node`): `taskrun run` sends its runs there unless
`run --node` says otherwise; shown by `task show` and its JSON and TOML; a node the history
never had is refused when the task is saved. Two machines on the session's PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.machines import machines_on
from tests.e2e.test_shared_nodes import Machines


@pytest.fixture
def machines(tmp_path: Path, pg_url: str) -> Iterator[Machines]:
    with machines_on(pg_url, tmp_path, serving=("beta",)) as m:
        yield m


def _run(m: Machines, *extra: str) -> dict[str, object]:
    ran = m.cli("alpha", "run", "t", "--wait", "--json", *extra)
    assert ran.returncode == 0, ran.stderr
    [rec] = json.loads(ran.stdout)
    return dict(rec)


def test_runs_go_to_the_tasks_node_unless_run_node_says(machines: Machines) -> None:
    added = machines.cli("alpha", "task", "add", "t", "--command", "echo hi", "--node", "beta")
    assert added.returncode == 0, added.stderr
    shown = json.loads(machines.cli("alpha", "task", "show", "t", "--json").stdout)
    assert (shown["node"], shown["definition"]["node"]) == ("beta", "beta")
    text = machines.cli("alpha", "task", "show", "t").stdout
    assert "# node: beta" in text.splitlines()
    assert 'node = "beta"' in text.splitlines()

    rec = _run(machines)  # alpha queues it; beta executes it and logs it there
    assert (rec["status"], rec["node"]) == ("success", "beta")
    assert Path(str(rec["log_path"])).is_relative_to(machines.dirs["beta"])
    rec = _run(machines, "--node", "alpha")  # run --node wins: alpha serves it itself
    assert (rec["status"], rec["node"]) == ("success", "alpha")
    assert Path(str(rec["log_path"])).is_relative_to(machines.dirs["alpha"])

    cleared = machines.cli("alpha", "task", "edit", "t", "--node", "")
    assert cleared.returncode == 0, cleared.stderr
    shown = json.loads(machines.cli("alpha", "task", "show", "t", "--json").stdout)
    assert shown["node"] is None
    assert "node" not in machines.cli("alpha", "task", "show", "t").stdout


def test_a_node_the_history_never_had_is_refused_at_save(machines: Machines) -> None:
    bad = machines.cli("alpha", "task", "add", "t", "--command", "echo hi", "--node", "betta")
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "taskrun: --node: no such node 'betta' on this history (see `taskrun nodes`)"
    ]
    assert json.loads(machines.cli("alpha", "task", "list", "--json").stdout) == []
    anyone = machines.cli("alpha", "task", "add", "t", "--command", "echo hi", "--node", "any")
    assert anyone.returncode == 0, anyone.stderr
    rec = _run(machines)
    assert rec["status"] == "success" and rec["node"] in ("alpha", "beta")
