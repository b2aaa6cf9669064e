"""The alerts kept for a later try: back-off doubling from the first wait up to an hour,
given up a day after the first try, at most MAX_KEPT per channel (the newest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.storage import undelivered
from taskrun_gui.storage.undelivered import Kept

HOUR_MS = 3600 * 1000


def _kept(channel: str, title: str, first_at: int, tries: int = 0) -> Kept:
    return Kept(channel, "failure", title, "body", {"id": 1}, first_at, tries, 0)


def test_tries_wait_longer_each_time_and_stop_after_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKRUN_RESEND_S", "60")
    now = 10 * 24 * HOUR_MS
    undelivered.keep(tmp_path, _kept("a", "first", now), now)
    undelivered.keep(tmp_path, _kept("a", "third", now - HOUR_MS, tries=2), now)
    undelivered.keep(tmp_path, _kept("a", "late", now, tries=30), now)
    undelivered.keep(tmp_path, _kept("a", "stale", now - 25 * HOUR_MS, tries=9), now)  # gone
    assert undelivered.take_due(tmp_path, now + 59_000) == []
    assert [k.title for k in undelivered.take_due(tmp_path, now + 60_000)] == ["first"]
    assert [k.title for k in undelivered.take_due(tmp_path, now + 240_000)] == ["third"]
    assert [k.title for k in undelivered.take_due(tmp_path, now + HOUR_MS)] == ["late"]
    assert undelivered.count(tmp_path) == {}


def test_a_channel_keeps_its_newest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(undelivered, "MAX_KEPT", 2)
    for n in range(4):
        undelivered.keep(tmp_path, _kept("a", f"a{n}", 0), 0)
    undelivered.keep(tmp_path, _kept("b", "b0", 0), 0)
    assert undelivered.count(tmp_path) == {"a": 2, "b": 1}
    due = undelivered.take_due(tmp_path, 10 * HOUR_MS)
    assert [k.title for k in due] == ["a2", "a3", "b0"]
