"""Two hosts under one node name on a shared history would take each other's runs for their
own (recovered as dead, stopped, claimed). The second is refused with one line and touches
nothing; a restart of the same node, or a node whose host went quiet, is not refused."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import one_line_refusal, popen_taskrun, taskrun
from tests.e2e.node_machines import beating_elsewhere
from tests.helpers import wait_for

FAST = {"TASKRUN_NODE_LEASE_S": "2"}  # a beat every 0.4 s


def _runs(data: Path, url: str) -> list[dict[str, object]]:
    res = taskrun(data, "--db", url, "runs", "--json")
    assert res.returncode == 0, res.stderr
    listed: list[dict[str, object]] = json.loads(res.stdout)
    return listed


@pytest.fixture
def shared(tmp_path: Path, pg_url: str) -> Iterator[tuple[Path, str]]:
    """A shared history with task t, whose runs last until the test's gate file is there
    (not a fixed time: the checks done while it runs take what they take under load)."""
    data = tmp_path / "a"
    wait_gate = f"while [ ! -e {tmp_path / 'go'} ]; do sleep 0.05; done"
    added = taskrun(data, "--db", pg_url, "task", "add", "t", "--command", wait_gate)
    assert added.returncode == 0, added.stderr
    yield data, pg_url


def test_a_second_host_under_a_name_in_use_is_refused(
    shared: tuple[Path, str], tmp_path: Path
) -> None:
    data, url = shared
    first = popen_taskrun(data, "--db", url, "--node", "alpha", "daemon", **FAST)
    try:
        wait_for(
            lambda: any(
                n["name"] == "alpha" and n["state"] == "online"
                for n in json.loads(taskrun(data, "--db", url, "nodes", "--json").stdout)
            ),
            timeout=30,
        )
        queued = taskrun(data, "--db", url, "--node", "alpha", "run", "t", **FAST)
        assert queued.returncode == 0, queued.stderr
        wait_for(lambda: [r["status"] for r in _runs(data, url)] == ["running"], timeout=30)
        other = tmp_path / "b"  # another data dir, the same name
        second = taskrun(other, "--db", url, "--node", "alpha", "daemon", **FAST)
        one_line_refusal(
            second,
            f"taskrun: node alpha is already served by process {first.pid} of this machine; "
            "give this host a name of its own: --node NAME or $TASKRUN_NODE",
        )
        assert second.returncode == 2
        # a command on that other data dir, where no host runs, recovers nothing of alpha's
        looked = taskrun(other, "--db", url, "--node", "alpha", "runs", "--json", **FAST)
        assert looked.returncode == 0, looked.stderr
        assert [r["status"] for r in json.loads(looked.stdout)] == ["running"]
        (tmp_path / "go").touch()
        # the first host's run was not recovered as dead by the second: it ends well
        try:
            wait_for(lambda: [r["status"] for r in _runs(data, url)] == ["success"], timeout=30)
        except AssertionError:
            print("RUNS", _runs(data, url))
            raise
    finally:
        (tmp_path / "go").touch()  # (a failed test lets its run end too)
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=30)
    # a restart of the node right after: the same machine, its process gone: served at once
    again = taskrun(data, "--db", url, "--node", "alpha", "run", "t", "--wait", **FAST)
    assert again.returncode == 0, again.stderr


def test_a_name_beating_on_another_machine_is_refused_a_quiet_one_is_not(
    shared: tuple[Path, str], tmp_path: Path
) -> None:
    data, url = shared
    (tmp_path / "go").touch()  # its runs end at once
    with beating_elsewhere(data, url, "beta"):
        refused = taskrun(data, "--db", url, "--node", "beta", "run", "t", "--wait", **FAST)
        one_line_refusal(
            refused,
            "taskrun: node beta is already served by process 4242 on another machine; "
            "give this host a name of its own",
        )
        assert _runs(data, url) == []  # nothing queued by the refused command
    # its host stopped beating (that machine went down, or this one rebooted): not refused
    served = taskrun(data, "--db", url, "--node", "beta", "run", "t", "--wait", **FAST)
    assert served.returncode == 0, served.stderr
    assert "success" in [r["status"] for r in _runs(data, url)]
