"""The thin client's own reading of argv and the data dir (it runs before the parser and
storage are imported): it must name the data dir the in-process command would open, and
take only the forms a host may serve."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs
import pytest

from taskrun_gui.cli import thin_client
from taskrun_gui.engine import command_socket
from taskrun_gui.storage.db import resolve_data_dir


def test_it_speaks_the_hosts_socket_name_and_protocol() -> None:
    assert thin_client.SOCKET_NAME == command_socket.SOCKET_NAME
    assert thin_client.PROTOCOL == command_socket.PROTOCOL


@pytest.mark.parametrize("xdg", [None, "", "  ", "/tmp/xdg-data"])
def test_the_default_data_dir_is_platformdirs_one(
    xdg: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TASKRUN_HOME", raising=False)
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    found = thin_client._data_dir(["runs"])
    assert found is not None
    assert found == (str(resolve_data_dir(None)), "runs")
    assert Path(found[0]) == Path(platformdirs.user_data_dir("taskrun")).resolve()


def test_an_explicit_or_environment_data_dir_is_resolved_as_the_store_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "real").mkdir()
    os.symlink(tmp_path / "real", tmp_path / "link")
    monkeypatch.chdir(tmp_path)
    for argv in (["--data-dir", "link", "run", "x"], ["--data-dir=link", "run", "x"]):
        assert thin_client._data_dir(argv) == (str(resolve_data_dir("link")), "run")
    monkeypatch.setenv("TASKRUN_HOME", "link")
    found = thin_client._data_dir(["--workers", "2", "runs", "--limit", "3"])
    assert found == (str(tmp_path / "real"), "runs")


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["--help"],
        ["task", "list"],
        ["--db", "postgresql://x/y", "runs"],
        ["--node", "n", "run", "x"],
        ["--data", "d", "runs"],  # an abbreviation: argparse's to read
        ["--data-dir"],
        ["log", "1"],
    ],
)
def test_other_forms_are_left_to_the_parser(argv: list[str]) -> None:
    assert thin_client._data_dir(argv) is None
