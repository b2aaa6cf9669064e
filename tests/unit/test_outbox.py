"""The outbox (engine/outbox.py) against a real HTTP receiver on 127.0.0.1: messages go in
order to each channel as it stands when they are sent; a stop waits a bounded time for a
channel that hangs, then says how many were not delivered and tries nothing more."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from taskrun_gui.engine import delivery
from taskrun_gui.engine.outbox import Outbox
from taskrun_gui.storage import channels_store, notify_state
from tests.e2e.receivers import HttpReceiver


def _message(title: str) -> delivery.Message:
    return delivery.Message("failure", title, "body")


def test_a_message_goes_to_its_channel_as_it_stands_when_sent(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    release = http_receiver.hold.setdefault("/ob-first", threading.Event())
    first = channels_store.Channel("first", http_receiver.url("/ob-first"))
    moved = channels_store.Channel("moved", http_receiver.url("/ob-old"))
    gone = channels_store.Channel("gone", http_receiver.url("/ob-gone"))
    for channel in (first, moved, gone):
        channels_store.save(tmp_path, channel)
    box = Outbox(tmp_path)
    box.start()
    box.put(first, _message("one"))  # held by the receiver while the others wait behind it
    box.put(moved, _message("two"))
    box.put(gone, _message("three"))
    channels_store.save(tmp_path, channels_store.Channel("moved", http_receiver.url("/ob-new")))
    channels_store.remove(tmp_path, "gone")
    release.set()
    box.stop(30)
    assert [p.json()["title"] for p in http_receiver.at("/ob-first")] == ["one"]
    assert [p.json()["title"] for p in http_receiver.at("/ob-new")] == ["two"]
    assert not http_receiver.at("/ob-old") and not http_receiver.at("/ob-gone")
    state = notify_state.load(tmp_path)
    assert set(state.deliveries) == {"first", "moved"}


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
    box.start()
    for title in ("one", "two", "three"):
        box.put(hang, _message(title))
    try:
        with caplog.at_level(logging.WARNING, logger="taskrun_gui.engine.outbox"):
            box.stop(0.5)  # shorter than the first message's wait
        said = [r.getMessage() for r in caplog.records]
        assert any("3 alerts to channels not delivered" in m for m in said), said  # 1 going
    finally:
        release.set()  # the held POST ends; nothing after it is tried
    box._thread.join(30)
    assert not box._thread.is_alive()
    assert [p.json()["title"] for p in http_receiver.at("/ob-hang")] == ["one"]
