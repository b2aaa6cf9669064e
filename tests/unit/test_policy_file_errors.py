"""A data dir's settings.toml that cannot be used: the defaults apply, and the log line names
the file (a daemon's log said "Invalid value (at end of document)" and nothing of where)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from taskrun_gui.storage import policy_file


@pytest.mark.parametrize("text", ["log_cap = [\n", "x = 1\n", b"\xff\xfe = 1\n"])
def test_a_broken_settings_file_is_named_and_the_defaults_apply(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, text: str | bytes
) -> None:
    path = policy_file.policy_path(tmp_path)
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with caplog.at_level(logging.WARNING, logger=policy_file.__name__):
        assert policy_file.load(tmp_path) == policy_file.Policy()
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and str(path) in said[0], said
