"""An alert its channel did not take (the receiver down: connection refused) is kept in the
data dir and sent again once the receiver is back (it was lost after three tries)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli import start_daemon, taskrun, taskrun_json
from tests.e2e.receivers import free_port, start_http
from tests.helpers import wait_for

FAST = {"TASKRUN_NOTIFY_TICK_S": "0.2", "TASKRUN_RESEND_S": "0.2"}


def test_an_alert_the_receiver_missed_is_sent_again_when_it_is_back(tmp_path: Path) -> None:
    data, port = tmp_path / "data", free_port()
    url = f"json://127.0.0.1:{port}/later"
    assert taskrun(data, "channel", "add", "later", url, "--events", "failure").returncode == 0
    assert taskrun(data, "task", "add", "f", "--command", "exit 4").returncode == 0
    daemon = start_daemon(data, **FAST)
    server = None
    try:
        assert taskrun(data, "run", "f", "--wait", **FAST).returncode == 1
        kept = data / "undelivered.json"
        wait_for(lambda: kept.exists() and json.loads(kept.read_text()), timeout=30)
        [shown] = [c for c in taskrun_json(data, "channel", "list", "--json") if c["waiting"]]
        assert (shown["name"], shown["waiting"]) == ("later", 1)  # said where it waits
        receiver, server = start_http(port)  # the receiver is back
        wait_for(lambda: receiver.at("/later"), timeout=30)
    finally:
        daemon.terminate()
        daemon.communicate(timeout=30)
        if server is not None:
            server.shutdown()
            server.server_close()
    [run] = taskrun_json(data, "runs", "--json")
    [post] = receiver.at("/later")
    assert (post.json()["id"], post.json()["status"]) == (run["id"], "failed")
    assert json.loads(kept.read_text()) == []  # sent: not kept any more
