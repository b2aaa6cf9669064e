"""The body a JSON webhook gets at a run's end: the run JSON, plus the URL's own `:key=value`
entries (a receiver that needs a key in the body took the channel test, which kept them, and
refused every real alert, which lost them)."""

from __future__ import annotations

from taskrun_gui.engine import delivery
from tests.e2e.receivers import HttpReceiver


def test_a_runs_end_keeps_the_urls_payload_entries(http_receiver: HttpReceiver) -> None:
    url = http_receiver.url("/hook?:apikey=K-123&:source=taskrun")
    run = {"version": 1, "id": 7, "task": "nightly", "status": "failed", "exit_code": 3}
    message = delivery.Message("failure", "nightly: failed", "exited with code 3", run)
    assert delivery.send(url, message).ok
    [post] = http_receiver.at("/hook")
    body = post.json()
    assert body == {**run, "apikey": "K-123", "source": "taskrun"}
    assert post.headers.get("X-TaskRun-Event") == "failure"
