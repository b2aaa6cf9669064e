"""The history by node from the command line: `runs`, `stats` and `export-runs` keep one
node's runs with --node, refuse a node the history never had in one line (as --host), and
the `runs` table names each run's node once the history has more than one."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from tests.e2e.cli import taskrun


@pytest.fixture
def two_nodes(tmp_path: Path) -> Path:
    """One data dir whose runs executed on two nodes: alpha twice (one failure), beta once."""
    data = tmp_path / "data"
    assert taskrun(data, "task", "add", "ok", "--command", "echo fine").returncode == 0
    assert taskrun(data, "task", "add", "bad", "--command", "exit 3").returncode == 0
    for node, task in (("alpha", "ok"), ("alpha", "bad"), ("beta", "ok")):
        ran = taskrun(data, "--node", node, "run", task, "--wait")
        assert ran.returncode in (0, 1), ran.stderr
    return data


def test_runs_stats_and_export_keep_one_nodes_runs(two_nodes: Path, tmp_path: Path) -> None:
    runs = taskrun(two_nodes, "runs", "--node", "alpha", "--json")
    assert runs.returncode == 0, runs.stderr
    got = [(r["task"], r["status"], r["node"]) for r in json.loads(runs.stdout)]
    assert got == [("bad", "failed", "alpha"), ("ok", "success", "alpha")]

    stats = taskrun(two_nodes, "stats", "--node", "alpha", "--json")
    assert stats.returncode == 0, stats.stderr
    figures = json.loads(stats.stdout)
    assert (figures["node"], figures["total"], figures["success"], figures["failed"]) == (
        "alpha",
        2,
        1,
        1,
    )
    beta = json.loads(taskrun(two_nodes, "stats", "--node", "beta", "--json").stdout)
    assert (beta["total"], beta["success_rate"]) == (1, 1.0)

    out = tmp_path / "beta.csv"
    exported = taskrun(two_nodes, "export-runs", "--format", "csv", "--out", str(out))
    assert exported.returncode == 0
    exported = taskrun(
        two_nodes, "export-runs", "--format", "csv", "--out", str(out), "--node", "beta"
    )
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(out.open()))
    assert [(r["task"], r["node"]) for r in rows] == [("ok", "beta")]


def test_the_runs_table_names_the_node_once_there_are_two(two_nodes: Path, tmp_path: Path) -> None:
    table = taskrun(two_nodes, "runs")
    assert table.returncode == 0, table.stderr
    header, *lines = table.stdout.splitlines()
    assert header.split()[:4] == ["ID", "TASK", "STATUS", "NODE"]
    assert [line.split()[3] for line in lines] == ["beta", "alpha", "alpha"]
    # one node only: the table as it always was
    alone = tmp_path / "alone"
    assert taskrun(alone, "task", "add", "ok", "--command", "echo fine").returncode == 0
    assert taskrun(alone, "run", "ok", "--wait").returncode == 0
    header = taskrun(alone, "runs").stdout.splitlines()[0]
    assert "NODE" not in header.split()


@pytest.mark.parametrize("command", [["runs"], ["stats"], ["export-runs", "--format", "csv"]])
def test_a_node_the_history_never_had_is_refused(
    two_nodes: Path, tmp_path: Path, command: list[str]
) -> None:
    out = tmp_path / "nothing.csv"
    extra = ["--out", str(out)] if command[0] == "export-runs" else []
    res = taskrun(two_nodes, *command, *extra, "--node", "alpah")
    assert res.returncode != 0
    assert res.stderr.strip().splitlines() == [
        "taskrun: --node: no such node 'alpah' (see `taskrun nodes`)"
    ]
    assert not out.exists()
