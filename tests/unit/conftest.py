"""The storage tests run against both backends: `store` here is an SQLite file in tmp_path
or an empty PostgreSQL database on the session's server (a test that is about SQLite
itself, its locks or its planner, is marked `sqlite_only`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskrun_gui.storage.db import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_name(request: pytest.FixtureRequest) -> str:
    name = str(request.param)
    if name != "sqlite" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("about SQLite itself")
    return name


@pytest.fixture
def store(tmp_path: Path, backend_name: str, request: pytest.FixtureRequest) -> Iterator[Store]:
    """A real store on the backend of this run of the test: SQLite in tmp_path, or the
    session's PostgreSQL server (logs, locks and spool stay in tmp_path)."""
    url = request.getfixturevalue("pg_url") if backend_name == "postgresql" else None
    s = Store(tmp_path / "data", url).open()
    yield s
    s.close()
