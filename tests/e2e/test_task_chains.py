"""Chains and rules from the command line: three tasks chained on the daemon with the trigger
passed on and `triggered_by` recorded, a cycle refused at save, and bad rules told in one line
with nothing written."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.cli import start_daemon, taskrun, taskrun_json
from tests.helpers import wait_for


def ok(data: Path, *args: str) -> str:
    res = taskrun(data, *args)
    assert res.returncode == 0, res.stderr
    return res.stdout


def test_a_chain_of_three_tasks_on_the_daemon(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(data, "task", "add", "report", "--command", 'echo "after $TRIGGER_TASK $TRIGGER_STATUS"')
    ok(data, "task", "add", "load", "--command", "exit 4", "--after-failure", "report")
    ok(data, "task", "add", "fetch", "--command", "echo fetched", "--then", "success:load")
    daemon = start_daemon(data)  # serving before `run`, which would start one of its own
    try:
        ok(data, "run", "fetch")

        def runs() -> dict[str, dict[str, object]]:
            return {r["task"]: r for r in taskrun_json(data, "runs", "--json")}

        wait_for(lambda: runs().get("report", {}).get("status") == "success", timeout=60)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    by_task = runs()
    assert by_task["fetch"]["triggered_by"] is None
    assert by_task["load"]["triggered_by"] == by_task["fetch"]["id"]
    assert by_task["load"]["trigger"] == "chain" and by_task["load"]["status"] == "failed"
    assert by_task["report"]["triggered_by"] == by_task["load"]["id"]
    log = ok(data, "log", str(by_task["report"]["id"]))
    assert log.strip() == "after load failed"


def test_only_the_last_attempt_of_a_retried_run_triggers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(data, "task", "add", "after", "--command", "echo $TRIGGER_RUN_ID")
    ok(
        data,
        "task",
        "add",
        "flaky",
        "--command",
        "exit 1",
        "--retries",
        "1",
        "--retry-backoff",
        "0",
        "--after-finish",
        "after",
    )
    daemon = start_daemon(data)  # serving before `run`, which would start one of its own
    try:
        ok(data, "run", "flaky")
        wait_for(
            lambda: any(
                r["task"] == "after" and r["status"] == "success"
                for r in taskrun_json(data, "runs", "--json")
            ),
            timeout=60,
        )
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    runs = taskrun_json(data, "runs", "--json")
    attempts = [r for r in runs if r["task"] == "flaky"]
    chained = [r for r in runs if r["task"] == "after"]
    assert sorted(r["attempt"] for r in attempts) == [1, 2]
    last = next(r for r in attempts if r["attempt"] == 2)
    assert [r["triggered_by"] for r in chained] == [last["id"]]


def test_a_cycle_is_refused_when_saved(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(data, "task", "add", "a", "--command", "true")
    ok(data, "task", "add", "b", "--command", "true", "--then", "finish:a")
    ok(data, "task", "add", "c", "--command", "true", "--then", "success:b")
    res = taskrun(data, "task", "edit", "a", "--then", "failure:c")
    assert res.returncode == 1
    assert res.stderr == "taskrun: then: the chain a -> c -> b -> a is a cycle\n"
    assert len(taskrun_json(data, "task", "versions", "a", "--json")) == 1  # nothing written
    res = taskrun(data, "task", "edit", "a", "--then", "success:a")
    assert res.stderr == "taskrun: then: the chain a -> a is a cycle\n"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["task", "edit", "t", "--notify", "hook:explode"],
            2,
            "taskrun: --notify: unknown event 'explode' in 'hook:explode'; events: failure, "
            "recovery, finish, slow, rate, late\n",
        ),
        (
            ["task", "edit", "t", "--notify", "hook"],
            2,
            "taskrun: --notify: 'hook' must be CHANNEL:EVENT[,EVENT...]\n",
        ),
        (
            ["task", "edit", "t", "--notify", "nowhere:failure"],
            1,
            "taskrun: notify: no channel named 'nowhere' (see taskrun channel list)\n",
        ),
        (
            ["task", "edit", "t", "--then", "later:t2"],
            2,
            "taskrun: --then: unknown event 'later' in 'later:t2'; events: success, failure, "
            "finish\n",
        ),
        (
            ["task", "edit", "t", "--after-success", "ghost"],
            1,
            "taskrun: then: no task named 'ghost'\n",
        ),
        (
            ["task", "edit", "t", "--grace", "soon"],
            2,
            "taskrun: --grace: must be a duration from 1 s to 3650 d, written as a number with "
            "s, m, h or d (e.g. 30s, 5m, 2h), not 'soon'\n",
        ),
        (
            ["channel", "add", "bad name", "json://127.0.0.1/x"],
            2,
            "taskrun: channel name 'bad name': must be 1-40 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit\n",
        ),
        (
            ["channel", "add", "x", "gopher://nowhere"],
            2,
            "taskrun: URL: 'gopher': not a URL Apprise can send to: Unparseable URL "
            "(see the Apprise URL list)\n",
        ),
        (
            ["channel", "add", "hook", "json://127.0.0.1/y"],
            1,
            "taskrun: channel 'hook' exists (channel rm it first)\n",
        ),
        (
            ["channel", "add", "y", "json://127.0.0.1/y", "--events", "boom"],
            2,
            "taskrun: --events: unknown event 'boom'; events: failure, recovery, finish, slow, "
            "rate, late\n",
        ),
        (
            ["channel", "rm", "nope"],
            1,
            "taskrun: no channel named 'nope' (see taskrun channel list)\n",
        ),
        (
            ["channel", "digest", "daily"],
            2,
            "taskrun: channel digest: name the channel the digest goes to\n",
        ),
    ],
)
def test_bad_rules_and_channels_are_one_line(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    data = tmp_path / "data"
    ok(data, "channel", "add", "hook", "json://127.0.0.1:9/x")
    ok(data, "task", "add", "t", "--command", "true")
    before = (data / "secrets" / "channels.json").read_bytes()
    res = taskrun(data, *args)
    assert (res.returncode, res.stderr) == (code, message)
    assert len(taskrun_json(data, "task", "versions", "t", "--json")) == 1
    assert (data / "secrets" / "channels.json").read_bytes() == before


def test_rules_are_kept_in_the_definition_and_cleared(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(data, "channel", "add", "hook", "json://127.0.0.1:9/x")
    ok(
        data,
        "task",
        "add",
        "t",
        "--command",
        "true",
        "--every",
        "1h",
        "--notify",
        "hook:failure,recovery,late",
        "--notify",
        "desktop:finish",
        "--grace",
        "10m",
    )
    shown = ok(data, "task", "show", "t")
    assert 'notify = [\n    "hook:failure,recovery,late",\n    "desktop:finish",\n]' in shown
    assert "grace_seconds = 600" in shown
    ok(data, "task", "edit", "t", "--notify", "none", "--grace", "default")
    definition = taskrun_json(data, "task", "show", "t", "--json")["definition"]
    assert definition["notify"] == [] and definition["grace_seconds"] is None


def test_run_wait_never_loses_the_chained_run(tmp_path: Path) -> None:
    """`run --wait` serves until its own runs end: the chained run is queued (its row written
    before that host stops), and run there or by the next host."""
    data = tmp_path / "data"
    ok(data, "task", "add", "b", "--command", "echo $TRIGGER_RUN_ID")
    ok(data, "task", "add", "a", "--command", "true", "--after-success", "b")
    (a_run,) = taskrun_json(data, "run", "a", "--wait", "--json")
    queued = {r["task"]: r for r in taskrun_json(data, "runs", "--json")}["b"]
    assert queued["status"] in ("queued", "running", "success")
    assert queued["triggered_by"] == a_run["id"]
    ok(data, "daemon", "--exit-when-idle")
    done = {r["task"]: r for r in taskrun_json(data, "runs", "--json")}["b"]
    assert (done["id"], done["status"]) == (queued["id"], "success")


def test_a_rename_carries_the_links_and_a_removal_says_what_it_broke(tmp_path: Path) -> None:
    """The chains that start a renamed task follow its new name; removing a task or channel
    that others name says which, and their later edits of anything else still save."""
    data = tmp_path / "data"
    ok(data, "task", "add", "load", "--command", "true")
    ok(data, "task", "add", "fetch", "--command", "true", "--then", "success:load")
    ok(data, "channel", "add", "ops", "json://127.0.0.1:9/hook")
    ok(data, "task", "edit", "fetch", "--notify", "ops:failure")
    ok(data, "task", "edit", "load", "--rename", "load2")
    assert 'then = [\n    "success:load2",\n]' in ok(data, "task", "show", "fetch")
    res = taskrun(data, "task", "rm", "load2")
    assert res.returncode == 0
    assert res.stderr == (
        "taskrun: warning: task 'fetch' chained to it (--then): that link now starts nothing\n"
    )
    res = taskrun(data, "channel", "rm", "ops")
    assert res.returncode == 0
    assert (
        res.stderr
        == "taskrun: warning: task 'fetch' sent alerts to it (--notify): they now go nowhere\n"
    )
    assert "saved as version" in ok(data, "task", "edit", "fetch", "--title", "Fetch it")
    res = taskrun(data, "task", "edit", "fetch", "--then", "success:nosuch")
    assert res.returncode == 1 and res.stderr == "taskrun: then: no task named 'nosuch'\n"


def test_removing_a_task_cancels_its_queued_runs(tmp_path: Path) -> None:
    """They would still run, under a name no list shows any more."""
    data = tmp_path / "data"
    gate = tmp_path / "gate"
    line = f"while [ ! -e {gate} ]; do sleep 0.05; done"
    ok(data, "task", "add", "q", "--command", line, "--max-concurrent", "1")
    daemon = start_daemon(data)
    try:
        ok(data, "run", "q", "--repeat", "3")
        wait_for(lambda: taskrun_json(data, "runs", "--json")[-1]["status"] == "running")
        res = taskrun(data, "task", "rm", "q")
        assert res.returncode == 0 and "cancel requested for its 2 queued run(s)" in res.stdout, res
        gate.touch()
        wait_for(
            lambda: all(r["status"] != "queued" for r in taskrun_json(data, "runs", "--json")),
            timeout=60,
        )
    finally:
        gate.touch()
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    runs = {
        r["id"]: (r["status"], r["error_message"]) for r in taskrun_json(data, "runs", "--json")
    }
    assert runs == {
        1: ("success", None),
        2: ("cancelled", "cancelled while queued"),
        3: ("cancelled", "cancelled while queued"),
    }


def test_a_deleted_tasks_history_is_found_by_its_name(tmp_path: Path) -> None:
    """Its history is kept, so `--task NAME` still finds it (it said "no task named")."""
    data = tmp_path / "data"
    ok(data, "task", "add", "gone", "--command", "echo kept")
    ok(data, "run", "gone", "--wait")
    ok(data, "task", "rm", "gone")
    runs = taskrun_json(data, "runs", "--task", "gone", "--json")
    assert [(r["task"], r["status"]) for r in runs] == [("gone", "success")]
    assert "runs: 1" in ok(data, "stats", "--task", "gone")
    assert "\tgone\tsuccess\tkept" in ok(data, "grep", "kept", "--task", "gone")
    ok(data, "task", "add", "gone", "--command", "true")  # a new task of that name: its own
    assert taskrun_json(data, "runs", "--task", "gone", "--json") == []
