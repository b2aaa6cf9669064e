"""A run its host died under (`kill -9`, the OOM killer) ends `interrupted` when the next
command recovers it; its alerts died with that host, so the next host that serves tells its
end (it was never told), once, and starts none of its chains (it may have ended days ago)."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.e2e.cli import popen_taskrun, start_daemon, taskrun, taskrun_json
from tests.e2e.receivers import HttpReceiver
from tests.helpers import wait_for

FAST = {"TASKRUN_NOTIFY_TICK_S": "0.2"}


def test_the_next_host_tells_the_end_of_a_run_its_dead_host_left(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    data, started = tmp_path / "data", tmp_path / "started"
    add = taskrun(data, "channel", "add", "hook", http_receiver.url("/crash"))
    assert add.returncode == 0, add.stderr
    line = f"touch {started}; sleep 60"
    assert taskrun(data, "task", "add", "cleanup", "--command", "true").returncode == 0
    add = ["task", "add", "victim", "--command", line, "--notify", "hook:failure"]
    add = taskrun(data, *add, "--then", "failure:cleanup")
    assert add.returncode == 0, add.stderr
    host = popen_taskrun(data, "run", "victim", "--wait")  # it hosts its own run
    wait_for(lambda: started.exists() or host.poll() is not None, timeout=30)

    def running() -> bool:  # its `running` row committed (lazily, beside the journal)
        return [r["status"] for r in taskrun_json(data, "runs", "--json")] == ["running"]

    wait_for(lambda: running() or host.poll() is not None, timeout=30)
    host.send_signal(signal.SIGKILL)
    host.communicate(timeout=30)
    [run] = taskrun_json(data, "runs", "--task", "victim", "--json")  # recovered: no host
    assert run["status"] == "interrupted" and http_receiver.at("/crash") == []
    daemon = start_daemon(data, **FAST)
    try:
        wait_for(lambda: http_receiver.at("/crash"), timeout=30)
    finally:
        daemon.terminate()
        daemon.communicate(timeout=30)
    [post] = http_receiver.at("/crash")
    assert (post.json()["id"], post.json()["status"]) == (run["id"], "interrupted")
    state = json.loads((data / "notify-state.json").read_text())
    assert state["untold"] == []  # told: the next host does not tell it again
    assert taskrun_json(data, "runs", "--task", "cleanup", "--json") == []  # (after review)
