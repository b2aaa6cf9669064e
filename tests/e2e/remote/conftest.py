from __future__ import annotations

import ctypes
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taskrun_gui.engine import lineage
from taskrun_gui.monitor import proctree
from tests.e2e.cli import taskrun
from tests.e2e.remote import sshd


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sshd.Sshd]:
    why = sshd.available()
    if why is not None:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs an OpenSSH server for the remote-run tests: {why}")
        pytest.skip(why)
    server = sshd.start(tmp_path_factory.mktemp("sshd"))
    yield server
    sshd.stop(server)


@pytest.fixture
def ssh_home(tmp_path: Path) -> Path:
    """A HOME of the test's own: its ~/.ssh (config, known_hosts) is what the CLI reads."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    return home


def ssh_target(server: sshd.Sshd) -> str:
    user = "root@" if os.geteuid() == 0 else ""
    return f"{user}127.0.0.1:{server.port}"


def host_add(data_dir: Path, home: Path, server: sshd.Sshd, name: str, *extra: str) -> Any:
    """`taskrun host add NAME --ssh (the server) --identity (its client key) EXTRA…`."""
    return taskrun(
        data_dir,
        "host",
        "add",
        name,
        "--ssh",
        ssh_target(server),
        "--identity",
        str(server.client_key),
        *extra,
        HOME=str(home),
    )


def add_host(data_dir: Path, home: Path, server: sshd.Sshd, name: str, *extra: str) -> None:
    res = host_add(data_dir, home, server, name, "--accept-host-key", *extra)
    assert res.returncode == 0, res.stderr


@pytest.fixture
def hosts(tmp_path: Path, ssh_server: sshd.Sshd, ssh_home: Path) -> Path:
    """A data dir with three hosts, web1 web2 (tag web) and db1: aliases of the one server."""
    data = tmp_path / "data"
    add_host(data, ssh_home, ssh_server, "web1", "--tag", "web")
    add_host(data, ssh_home, ssh_server, "web2", "--tag", "web")
    add_host(data, ssh_home, ssh_server, "db1", "--tag", "db")
    return data


@pytest.fixture
def window_ctx(
    tmp_path: Path, hosts: Path, ssh_home: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """What the window gets (tests.helpers.app_context) on the data dir with the three hosts,
    HOME the test's own so that the window's SSH reads its ~/.ssh.

    A run in this process makes it a child subreaper (engine/lineage.py); that is undone
    afterwards, or the remote processes a later test orphans on purpose (killing the sshd
    serving them) would become children of the test session while they clean up."""
    from tests.helpers import app_context

    monkeypatch.setenv("HOME", str(ssh_home))
    monkeypatch.setenv("TASKRUN_SSH_KEEPALIVE", "1")
    assert hosts == tmp_path / "data"
    was_reaper = lineage._subreaper
    try:
        with app_context(tmp_path, workers=4, schedules=False) as context:
            yield context
    finally:
        if was_reaper is None and lineage._subreaper:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(proctree._PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
            lineage._subreaper = None
