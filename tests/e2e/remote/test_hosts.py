"""`taskrun host …` against a real OpenSSH server: pinned keys (unknown, known, changed),
the inventory's listing and a test login."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from tests.e2e.cli import taskrun
from tests.e2e.remote.conftest import add_host, host_add
from tests.e2e.remote.sshd import Sshd

_add = host_add


def _hosts(data: Path, home: Path) -> list[dict]:
    res = taskrun(data, "host", "list", "--json", HOME=str(home))
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


def _fingerprint(server: Sshd, key: Path) -> str:
    import subprocess

    out = subprocess.run(
        ["ssh-keygen", "-l", "-E", "sha256", "-f", f"{key}.pub"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()[1]  # SHA256:...


def test_unknown_key_needs_accepting_and_shows_its_fingerprint(tmp_path, ssh_server, ssh_home):
    data = tmp_path / "data"
    res = _add(data, ssh_home, ssh_server, "web1")
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "is not known" in lines[0] and "--accept-host-key" in lines[0]
    assert _fingerprint(ssh_server, ssh_server.host_key) in lines[0]
    assert _hosts(data, ssh_home) == []  # nothing written

    res = _add(data, ssh_home, ssh_server, "web1", "--accept-host-key", "--tag", "web")
    assert res.returncode == 0, res.stderr
    [host] = _hosts(data, ssh_home)
    assert host["name"] == "web1" and host["tags"] == ["web"]
    assert host["port"] == ssh_server.port
    assert host["host_key"].endswith(_fingerprint(ssh_server, ssh_server.host_key))
    assert host["reachable"] is None  # not tested yet


def _known_hosts(home: Path, server: Sshd, key: Path) -> None:
    line = f"[127.0.0.1]:{server.port} {key.with_suffix('.pub').read_text().strip()}\n"
    (home / ".ssh" / "known_hosts").write_text(line)


def test_a_key_known_hosts_trusts_is_taken_without_asking(tmp_path, ssh_server, ssh_home):
    data = tmp_path / "data"
    _known_hosts(ssh_home, ssh_server, ssh_server.host_key)
    res = _add(data, ssh_home, ssh_server, "web1")
    assert res.returncode == 0, res.stderr
    assert "known to ~/.ssh/known_hosts" in res.stdout


def test_a_key_that_differs_from_known_hosts_is_refused(tmp_path, ssh_server, ssh_home):
    data = tmp_path / "data"
    _known_hosts(ssh_home, ssh_server, ssh_server.other_host_key)
    res = _add(data, ssh_home, ssh_server, "web1", "--accept-host-key")
    assert res.returncode == 1
    assert len(res.stderr.strip().splitlines()) == 1
    assert "differs from ~/.ssh/known_hosts: refusing" in res.stderr
    assert _hosts(data, ssh_home) == []


def test_host_test_reports_latency_and_os_and_refuses_a_changed_key(tmp_path, ssh_server, ssh_home):
    data = tmp_path / "data"
    add_host(data, ssh_home, ssh_server, "web1")
    res = taskrun(data, "host", "test", "web1", HOME=str(ssh_home))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("host web1: reachable, latency ")
    assert "Linux" in res.stdout
    [host] = _hosts(data, ssh_home)
    assert host["reachable"] is True and host["latency_ms"] > 0

    # the server now presents another key than the one pinned
    other = ssh_server.other_host_key.with_suffix(".pub").read_text().strip()
    with sqlite3.connect(data / "taskrun.db") as db:
        db.execute("UPDATE host SET host_key = ? WHERE name = 'web1'", (other,))
    res = taskrun(data, "host", "test", "web1", HOME=str(ssh_home))
    assert res.returncode == 1
    [line] = res.stderr.strip().splitlines()
    assert "its host key changed since it was added" in line and "refusing" in line
    [host] = _hosts(data, ssh_home)
    assert host["reachable"] is False


def test_bad_host_input_is_one_line_and_writes_nothing(tmp_path, ssh_home):
    data = tmp_path / "data"
    cases = [
        (["host", "add", "web1", "--ssh", "root@127.0.0.1:99999"], "port '99999'"),
        (["host", "add", "web1", "--ssh", "127.0.0.1", "--tag", "a b"], "--tag 'a b'"),
        (["host", "add", "a/b", "--ssh", "127.0.0.1"], "host name 'a/b'"),
        (["host", "add", "web1", "--ssh", "x y"], "is not [USER@]ADDRESS[:PORT]"),
        (["host", "add", "web1", "--ssh", "h", "--identity", "/nope"], "--identity: /nope"),
        (["host", "add", "web1", "--ssh", "h", "--identity", "/tmp"], "/tmp: a folder, not a"),
        (["host", "show", "nope"], "host 'nope' not found"),
        (["host", "rm", "nope"], "host 'nope' not found"),
    ]
    for args, message in cases:
        res = taskrun(data, *args, HOME=str(ssh_home))
        assert res.returncode != 0, args
        assert len(res.stderr.strip().splitlines()) == 1, res.stderr
        assert message in res.stderr, (args, res.stderr)
        assert "Traceback" not in res.stderr
    assert _hosts(data, ssh_home) == []


def test_a_host_named_by_an_ssh_config_alias(tmp_path, ssh_server, ssh_home):
    data = tmp_path / "data"
    user = "  User root\n" if os.geteuid() == 0 else ""
    (ssh_home / ".ssh" / "config").write_text(
        f"Host box\n  HostName 127.0.0.1\n  Port {ssh_server.port}\n{user}"
        f"  IdentityFile {ssh_server.client_key}\n"
    )
    res = taskrun(
        data, "host", "add", "box", "--ssh", "box", "--accept-host-key", HOME=str(ssh_home)
    )
    assert res.returncode == 0, res.stderr
    res = taskrun(data, "host", "test", "box", HOME=str(ssh_home))
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("host box: reachable")
    res = taskrun(data, "host", "rm", "box", HOME=str(ssh_home))
    assert (res.returncode, res.stdout) == (0, "host box removed\n")
    assert _hosts(data, ssh_home) == []
