"""Alert channels end to end: `taskrun daemon` alone (no window) delivering a failure and a
late alert to a real HTTP receiver on 127.0.0.1, the run JSON as the POST body, a retry seen
after a 500, a failed delivery recorded, a hanging receiver not delaying the next run, mail
through a real SMTP server, the digest; secrets in neither payloads nor plain files."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.cli import cli_env, popen_taskrun, start_daemon, taskrun, taskrun_json
from tests.e2e.receivers import HttpReceiver, MailHandler, free_port
from tests.helpers import wait_for

PASSWORD = "hunter2-secret-pw"
TOKEN = "tok-3f9a8c7e5d"
FAST = {"TASKRUN_NOTIFY_TICK_S": "0.2"}


def ok(data: Path, *args: str) -> str:
    res = taskrun(data, *args, **FAST)
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """`taskrun daemon` serving the test's data dir before the test's first command."""
    proc = start_daemon(tmp_path / "data", **FAST)
    yield proc
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=60)


def _files_text(data: Path) -> str:
    """Every plain file of the data dir but the secret store, as text."""
    parts = []
    for path in data.rglob("*"):
        if path.is_file() and "secrets" not in path.parts and path.suffix != ".db":
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def test_daemon_alone_delivers_failure_and_late(
    tmp_path: Path, http_receiver: HttpReceiver, daemon: subprocess.Popen[str]
) -> None:
    data = tmp_path / "data"
    url = http_receiver.url(f"/daemon?+X-Token={TOKEN}", auth=f"bot:{PASSWORD}@")
    ok(data, "channel", "add", "hook", url)
    ok(
        data,
        "task",
        "add",
        "nightly",
        "--command",
        "exit 3",
        "--secret-param",
        "key=abc123",
        "--notify",
        "hook:failure",
    )
    ok(
        data,
        "task",
        "add",
        "beat",
        "--command",
        "exit 1",
        "--every",
        "1s",
        "--grace",
        "1s",
        "--notify",
        "hook:late",
    )
    ok(data, "run", "nightly", "--param", "key=s3cr3t-value")

    def events() -> dict[str, list[dict[str, object]]]:
        out: dict[str, list[dict[str, object]]] = {}
        for p in http_receiver.at("/daemon"):
            out.setdefault(p.headers["X-TaskRun-Event"], []).append(p.json())
        return out

    wait_for(lambda: "failure" in events() and "late" in events(), timeout=60)
    failure = events()["failure"][0]
    run = taskrun_json(data, "runs", "--task", "nightly", "--json")[0]
    assert failure == run  # the POST is the stable run JSON itself
    assert failure["status"] == "failed" and failure["params"] == {"key": "***"}
    assert events()["late"][0]["title"] == "beat is late"
    posts = http_receiver.at("/daemon")
    assert posts[0].headers["X-Token"] == TOKEN  # the header reached the receiver
    assert all(b"s3cr3t-value" not in p.body and TOKEN.encode() not in p.body for p in posts)
    assert all(PASSWORD.encode() not in p.body for p in posts)
    # the daemon's data dir: no secret in settings.toml or any other plain file
    text = _files_text(data)
    assert PASSWORD not in text and TOKEN not in text
    store = data / "secrets" / "channels.json"
    assert store.stat().st_mode & 0o777 == 0o600
    listed = ok(data, "channel", "list")
    assert PASSWORD not in listed and TOKEN not in listed and "bot:****@" in listed


def test_retry_after_a_500_is_seen_by_the_receiver(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    data = tmp_path / "data"
    http_receiver.fail_first.add("/flaky")
    ok(data, "channel", "add", "flaky", http_receiver.url("/flaky"))
    out = ok(data, "channel", "test", "flaky")
    assert "delivered" in out
    assert [p.json()["title"] for p in http_receiver.at("/flaky")] == ["TaskRun test"] * 2


def test_a_failed_delivery_is_recorded_and_listed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    ok(data, "channel", "add", "down", f"json://127.0.0.1:{free_port()}/x")
    res = taskrun(data, "channel", "test", "down")
    assert res.returncode == 1
    assert res.stderr.count("\n") == 1 and "channel 'down': not delivered" in res.stderr
    (row,) = [r for r in taskrun_json(data, "channel", "list", "--json") if r["name"] == "down"]
    assert (
        row["failures"] == 1 and row["last_failed_at"] and "after 3 attempts" in row["last_error"]
    )
    assert "FAILED" in ok(data, "channel", "list")


def test_a_hanging_receiver_does_not_delay_the_next_run(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    """The receiver holds the alert's POST (and the sender waits up to two minutes for it):
    the next run still runs at once, while the first delivery attempt is still held."""
    data = tmp_path / "data"
    release = http_receiver.hold.setdefault("/hang", threading.Event())
    ok(data, "channel", "add", "hang", http_receiver.url("/hang"))
    ok(data, "task", "add", "breaks", "--command", "exit 1", "--notify", "hang:failure")
    ok(data, "task", "add", "next", "--command", "echo next")
    # serving before `run --wait`: else that command may host its run itself, and wait
    # out its delivery (held) before it leaves
    proc = start_daemon(data, TASKRUN_NOTIFY_TIMEOUT_S="120", **FAST)
    try:
        res = taskrun(data, "run", "breaks", "--wait")
        assert res.returncode == 1
        wait_for(lambda: http_receiver.held.get("/hang", 0) >= 1, timeout=30)
        res = taskrun(data, "run", "next", "--wait", "--json", timeout=60)
        assert res.returncode == 0, res.stderr
        assert json.loads(res.stdout)[0]["status"] == "success"
        assert http_receiver.held["/hang"] == 1  # the first attempt, still held meanwhile
    finally:
        release.set()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)


def test_a_run_hosting_itself_reports_before_a_hanging_alert_and_ctrl_c_ends_the_wait(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    """`run --wait` with no daemon hosts its runs: how they ended is printed at once, not
    after the channel's timeout; the chains they start do not wait behind the held alert;
    the wait for it is said, and Ctrl+C ends it with the runs' own exit code."""
    data = tmp_path / "data"
    release = http_receiver.hold.setdefault("/hold-cli", threading.Event())
    ok(data, "channel", "add", "slow", http_receiver.url("/hold-cli"))
    ok(data, "task", "add", "after", "--command", "true")
    ok(data, "task", "add", "breaks", "--command", "exit 3", "--notify", "slow:failure")
    ok(data, "task", "edit", "breaks", "--then", "failure:after")
    proc = subprocess.Popen(
        [sys.executable, "-m", "taskrun_gui.cli", "run", "breaks", "--repeat", "3", "--wait"],
        env=cli_env(data, TASKRUN_NOTIFY_TIMEOUT_S="120", **FAST),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as at a terminal
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        lines = [proc.stdout.readline() for _ in range(3)]  # while the first alert is held
        assert all("of 'breaks': failed" in ln and "code 3" in ln for ln in lines), lines
        wait_for(lambda: http_receiver.held.get("/hold-cli", 0) >= 1, timeout=30)
        assert proc.poll() is None
        said = proc.stderr.readline()
        assert "still delivering alerts" in said and "Ctrl+C" in said, said
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err  # the runs failed: not 130, not a traceback
    assert out == "" and "stopped waiting" in err and "Traceback" not in err
    runs = taskrun_json(data, "runs", "--json")
    assert sorted(r["exit_code"] for r in runs if r["task"] == "breaks") == [3, 3, 3]
    assert len([r for r in runs if r["task"] == "after"]) == 3  # a chain each: none lost


def test_mail_through_smtp_with_login(
    tmp_path: Path, smtp_receiver: tuple[MailHandler, int]
) -> None:
    handler, port = smtp_receiver
    data = tmp_path / "data"
    url = (
        f"mailto://alice:{PASSWORD}@127.0.0.1:{port}"
        "?from=taskrun@example.org&to=ops@example.org&mode=insecure"
    )
    ok(data, "channel", "add", "mail", url)
    assert "delivered" in ok(data, "channel", "test", "mail")
    (mail,) = [m for m in handler.mails if "TaskRun test" in m.data]
    assert mail.rcpts == ["ops@example.org"] and "Subject: TaskRun test" in mail.data
    assert PASSWORD not in mail.data
    assert PASSWORD not in _files_text(data) and PASSWORD not in ok(data, "channel", "list")


def test_digest_once_per_period(tmp_path: Path, http_receiver: HttpReceiver) -> None:
    data = tmp_path / "data"
    ok(data, "channel", "add", "digest", http_receiver.url("/digest"))
    ok(data, "task", "add", "t", "--command", "exit 1")
    taskrun(data, "run", "t", "--wait")
    ok(data, "channel", "digest", "daily", "digest")
    proc = popen_taskrun(data, "daemon", **FAST)
    try:
        wait_for(lambda: len(http_receiver.at("/digest")) >= 1, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    body = http_receiver.at("/digest")[0].json()
    assert body["title"] == "TaskRun daily digest: 1 run(s), 1 failure(s)"
    assert "Failing: t (1)" in body["message"]
    state = json.loads((data / "notify-state.json").read_text())
    assert state["digest_sent_at"] is not None


def test_late_found_when_the_host_comes_back_and_its_recovery(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    """A task that should have succeeded while no host was up: the daemon finds it late as it
    starts (its clock ticks only every ten minutes here), once; a success then recovers it."""
    data = tmp_path / "data"
    ok(data, "channel", "add", "back", http_receiver.url("/back"), "--events", "late,recovery")
    ok(data, "task", "add", "nightly", "--command", "true", "--every", "1h", "--grace", "1m")
    hours_ago = int(time.time() * 1000) - 3 * 3_600_000  # as if the machine had been off
    with sqlite3.connect(data / "taskrun.db") as db:
        db.execute("UPDATE task SET created_at = ?", (hours_ago,))
    proc = popen_taskrun(data, "daemon", TASKRUN_NOTIFY_TICK_S="600")
    try:
        wait_for(lambda: len(http_receiver.at("/back")) == 1, timeout=30)
        ok(data, "run", "nightly", "--wait")
        wait_for(lambda: len(http_receiver.at("/back")) == 2, timeout=30)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=60)
    late, recovery = (p.headers["X-TaskRun-Event"] for p in http_receiver.at("/back"))
    assert (late, recovery) == ("late", "recovery")
    assert http_receiver.at("/back")[1].json()["task"] == "nightly"
    assert json.loads((data / "notify-state.json").read_text())["late"] == {}
