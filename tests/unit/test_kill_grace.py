"""TASKRUN_KILL_GRACE: a number of seconds from 0 to an hour; anything else (a typo, NaN,
a negative, one that would never kill) keeps the default and is said once."""

from __future__ import annotations

import logging

import pytest

from taskrun_gui.engine import kill_grace as kg


@pytest.mark.parametrize(("text", "seconds"), [("0", 0.0), ("0.2", 0.2), ("3600", 3600.0)])
def test_a_grace_in_range_is_taken(monkeypatch: pytest.MonkeyPatch, text: str, seconds: float):
    monkeypatch.setenv("TASKRUN_KILL_GRACE", text)
    assert kg.kill_grace() == seconds


@pytest.mark.parametrize("text", ["abc", "nan", "-1", "1e9", "inf", ""])
def test_a_grace_out_of_range_keeps_the_default_and_is_said_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    monkeypatch.setenv("TASKRUN_KILL_GRACE", text)
    monkeypatch.setattr(kg, "_SAID_GRACE", set())
    with caplog.at_level(logging.WARNING, logger=kg.__name__):
        assert kg.kill_grace() == kg.KILL_GRACE_S
        assert kg.kill_grace() == kg.KILL_GRACE_S
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and f"TASKRUN_KILL_GRACE={text!r}" in said[0], said
