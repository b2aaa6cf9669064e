"""The outbox (engine/outbox.py) against a real HTTP receiver on 127.0.0.1: messages go in
order to each channel as it stands when they are sent; a stop waits a bounded time for a
channel that hangs, then says how many were not delivered and tries nothing more."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import delivery, outbox
from taskrun_gui.engine.outbox import Outbox
from taskrun_gui.storage import channels_store, notify_state, undelivered
from tests.e2e.receivers import HttpReceiver
from tests.helpers import wait_for


def _message(title: str) -> delivery.Message:
    return delivery.Message("failure", title, "body")


def _held(
    tmp_path: Path, receiver: HttpReceiver, name: str
) -> tuple[channels_store.Channel, threading.Event, Outbox]:
    """A channel whose posts the receiver holds until the event is set, and a started outbox."""
    path = f"/ob-{name}"
    release = receiver.hold.setdefault(path, threading.Event())
    channel = channels_store.Channel(name, receiver.url(path))
    channels_store.save(tmp_path, channel)
    box = Outbox(tmp_path)
    return channel, release, box


def test_a_message_goes_to_its_channel_as_it_stands_when_sent(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    release = http_receiver.hold.setdefault("/ob-old", threading.Event())
    gone_release = http_receiver.hold.setdefault("/ob-gone", threading.Event())
    moved = channels_store.Channel("moved", http_receiver.url("/ob-old"))
    gone = channels_store.Channel("gone", http_receiver.url("/ob-gone"))
    for channel in (moved, gone):
        channels_store.save(tmp_path, channel)
    box = Outbox(tmp_path)
    box.put(moved, _message("one"))  # held by the receiver: "two" waits behind it
    box.put(moved, _message("two"))
    box.put(gone, _message("three"))  # held too: "four" waits behind it
    box.put(gone, _message("four"))
    wait_for(
        lambda: http_receiver.held.get("/ob-old", 0) + http_receiver.held.get("/ob-gone", 0) == 2
    )
    channels_store.save(tmp_path, channels_store.Channel("moved", http_receiver.url("/ob-new")))
    channels_store.remove(tmp_path, "gone")
    release.set()
    gone_release.set()
    box.stop(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-old")] == ["one"]
    assert [p.json()["title"] for p in http_receiver.at("/ob-new")] == ["two"]
    assert [p.json()["title"] for p in http_receiver.at("/ob-gone")] == ["three"]
    state = notify_state.load(tmp_path)
    assert set(state.deliveries) == {"moved", "gone"}


def test_a_channel_that_hangs_holds_up_only_its_own_messages(
    tmp_path: Path, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKRUN_NOTIFY_TIMEOUT_S", "120")
    release = http_receiver.hold.setdefault("/ob-stuck", threading.Event())
    stuck = channels_store.Channel("stuck", http_receiver.url("/ob-stuck"))
    mail = channels_store.Channel("mail", http_receiver.url("/ob-mail"))
    for channel in (stuck, mail):
        channels_store.save(tmp_path, channel)
    box = Outbox(tmp_path)
    try:
        box.put(stuck, _message("one"))
        wait_for(lambda: http_receiver.held.get("/ob-stuck", 0) == 1)
        box.put(mail, _message("two"))
        wait_for(lambda: len(http_receiver.at("/ob-mail")) == 1, timeout=30)  # not behind it
        assert "stuck" not in notify_state.load(tmp_path).deliveries  # still held
    finally:
        release.set()
    box.stop(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-stuck")] == ["one"]


def test_a_channel_that_never_answers_puts_its_oldest_messages_aside(
    tmp_path: Path,
    http_receiver: HttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TASKRUN_NOTIFY_TIMEOUT_S", "120")
    monkeypatch.setattr(outbox, "MAX_BACKLOG", 3)
    monkeypatch.setattr(outbox, "hang_after_s", lambda: 0.0)  # under way: hanging at once
    full, release, box = _held(tmp_path, http_receiver, "full")
    try:
        box.put(full, _message("m0"))
        wait_for(lambda: http_receiver.held.get("/ob-full", 0) == 1)
        with caplog.at_level(logging.WARNING, logger="taskrun_gui.engine.outbox"):
            for n in range(1, 6):
                box.put(full, _message(f"m{n}"))
        said = [r.getMessage() for r in caplog.records]
        assert any(
            "full is not answering: its oldest alerts wait in the data dir" in m for m in said
        )
    finally:
        release.set()
    with caplog.at_level(logging.WARNING, logger="taskrun_gui.engine.outbox"):
        box.stop(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-full")] == ["m0", "m3", "m4", "m5"]
    said = [r.getMessage() for r in caplog.records]
    assert "channel full: 2 alerts put aside while it hung, to be sent again" in said, said
    kept = undelivered.take_due(tmp_path, now_ms() + 3600_000)  # the oldest two, for later
    assert [(k.channel, k.title, k.tries) for k in kept] == [("full", "m1", 0), ("full", "m2", 0)]


def test_a_slow_channel_keeps_every_message_of_a_burst(
    tmp_path: Path, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox, "MAX_BACKLOG", 3)
    slow, release, box = _held(tmp_path, http_receiver, "slow")
    try:
        box.put(slow, _message("m0"))
        wait_for(lambda: http_receiver.held.get("/ob-slow", 0) == 1)
        for n in range(1, 6):  # a burst while the first is under way, well within its timeout
            box.put(slow, _message(f"m{n}"))
    finally:
        release.set()
    box.stop(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-slow")] == [f"m{n}" for n in range(6)]


def test_a_stop_gives_up_on_a_hanging_channel_and_says_what_was_not_sent(
    tmp_path: Path,
    http_receiver: HttpReceiver,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("TASKRUN_NOTIFY_TIMEOUT_S", "120")
    release = http_receiver.hold.setdefault("/ob-hang", threading.Event())
    hang = channels_store.Channel("hang", http_receiver.url("/ob-hang"))
    channels_store.save(tmp_path, hang)
    box = Outbox(tmp_path)
    for title in ("one", "two", "three"):
        box.put(hang, _message(title))
    try:
        with caplog.at_level(logging.WARNING, logger="taskrun_gui.engine.outbox"):
            box.stop(0.5)  # shorter than the first message's wait
        said = [r.getMessage() for r in caplog.records]
        assert any("3 alerts to channels not delivered" in m for m in said), said  # 1 going
    finally:
        release.set()  # the held POST ends; nothing after it is tried
    assert box.ended(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-hang")] == ["one"]


def test_a_channel_that_is_down_keeps_at_most_max_queued(
    tmp_path: Path, http_receiver: HttpReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not hanging (each try would fail fast), yet a backlog without end is not kept."""
    monkeypatch.setattr(outbox, "MAX_QUEUED", 4)
    slow, release, box = _held(tmp_path, http_receiver, "down")
    try:
        box.put(slow, _message("m0"))
        wait_for(lambda: http_receiver.held.get("/ob-down", 0) == 1)
        for n in range(1, 8):
            box.put(slow, _message(f"m{n}"))
    finally:
        release.set()
    box.stop(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-down")] == [
        "m0",
        "m4",
        "m5",
        "m6",
        "m7",
    ]
