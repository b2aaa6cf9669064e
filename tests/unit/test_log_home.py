"""Reading a row's log path in a data dir that moved: decided once per folder the rows name
(after review: two file looks a row made a million rows of another node's cost ~10 s)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskrun_gui.storage import log_home


def test_each_folder_is_looked_at_once_not_each_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "new" / "logs"
    (logs / "2026-11").mkdir(parents=True)
    for uid in ("a", "b"):
        (logs / "2026-11" / f"{uid}.log").write_bytes(b"x")
    log_home.bind(logs)
    looks: list[str] = []
    real = os.path.lexists
    monkeypatch.setattr(os.path, "lexists", lambda p: looks.append(str(p)) or real(p))
    old = "/home/alice/.local/share/taskrun/logs/2026-11"
    assert log_home.readable(f"{old}/a.log") == str(logs / "2026-11" / "a.log")
    assert log_home.readable(f"{old}/b.log") == str(logs / "2026-11" / "b.log")
    assert log_home.readable(f"{old}/gone.log") == str(logs / "2026-11" / "gone.log")
    assert len(looks) == 2  # the first row's: there, then here; the others none
    other = "/srv/beta/taskrun/logs/2026-11"  # another node's rows: never here
    for n in range(log_home.GIVE_UP + 5):
        assert log_home.readable(f"{other}/r{n}.log") == f"{other}/r{n}.log"
    assert len(looks) == 2 + 2 * log_home.GIVE_UP
    here = str(logs / "2026-11" / "a.log")
    assert log_home.readable(here) == here and len(looks) == 2 + 2 * log_home.GIVE_UP
