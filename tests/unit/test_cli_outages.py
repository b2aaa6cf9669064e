"""What a waiting command (`run --wait`, `log --follow`) waits through on a shared history:
the server away or restarting, not a server that refuses it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from peewee import OperationalError

from taskrun_gui.cli import common
from taskrun_gui.cli.common import through_outages


class _DriverError(Exception):
    def __init__(self, text: str, pgcode: str | None) -> None:
        super().__init__(text)
        self.pgcode = pgcode


def _fails(times: int, error: OperationalError) -> Any:
    left = [times]

    def read() -> str:
        if left[0]:
            left[0] -= 1
            raise error
        return "read"

    return read


PG = SimpleNamespace(url="postgresql://h/db")


@pytest.mark.parametrize(
    ("text", "pgcode"),
    [
        ('connection to server at "h" failed: Connection refused\nIs the server running?', None),
        ("the database system is starting up", "57P03"),
        ("terminating connection due to administrator command", "57P01"),
        ("server closed the connection unexpectedly", "08006"),
    ],
)
def test_a_server_away_is_waited_for(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], text: str, pgcode: str
) -> None:
    monkeypatch.setattr(common, "OUTAGE_RETRY_S", 0.0)
    read = _fails(3, OperationalError(_DriverError(text, pgcode)))
    assert through_outages(PG, read) == "read"  # type: ignore[arg-type]
    said = capsys.readouterr().err.splitlines()
    assert len(said) == 1 and said[0].startswith("taskrun: warning: the history store is out")
    assert text.splitlines()[0] in said[0]  # the driver's words, on the one line


@pytest.mark.parametrize(
    ("text", "pgcode"),
    [
        ('FATAL:  password authentication failed for user "tr"', None),
        ('FATAL:  database "gone" does not exist', None),
        ('FATAL:  pg_hba.conf rejects connection for host "10.0.0.5", user "tr"', None),
        ('FATAL:  role "tr" is not permitted to log in', None),
        ("server does not support SSL, but SSL was required", None),
        ('could not translate host name "dbhots" to address: Name or service not known', None),
    ],
)
def test_a_server_that_refuses_ends_the_wait(text: str, pgcode: str) -> None:
    error = OperationalError(_DriverError(text, pgcode))
    with pytest.raises(OperationalError):
        through_outages(PG, _fails(1, error))  # type: ignore[arg-type]


def test_a_local_history_is_never_waited_for() -> None:
    with pytest.raises(OperationalError):
        through_outages(SimpleNamespace(url=None), _fails(1, OperationalError("locked")))  # type: ignore[arg-type]
