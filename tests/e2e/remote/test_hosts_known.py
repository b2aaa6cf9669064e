"""`taskrun host add` and ~/.ssh/known_hosts' finer points (a revoked key, a plain `host`
line that is the server on port 22), and host input the inventory refuses."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import one_line_refusal, taskrun
from tests.e2e.remote.conftest import host_add
from tests.e2e.remote.sshd import Sshd
from tests.e2e.remote.test_hosts import _hosts


def _pub(key: Path) -> str:
    return key.with_suffix(".pub").read_text().strip()


def test_a_key_known_hosts_revokes_is_refused_even_when_accepting(tmp_path, ssh_server, ssh_home):
    data = tmp_path / "data"
    line = f"@revoked [127.0.0.1]:{ssh_server.port} {_pub(ssh_server.host_key)}\n"
    (ssh_home / ".ssh" / "known_hosts").write_text(line)
    res = host_add(data, ssh_home, ssh_server, "web1", "--accept-host-key")
    one_line_refusal(res, "is marked @revoked in ~/.ssh/known_hosts; refusing it")
    assert res.returncode == 1
    assert _hosts(data, ssh_home) == []


def test_a_plain_host_line_is_the_port_22_server_not_a_conflict(
    tmp_path, ssh_server: Sshd, ssh_home
):
    data = tmp_path / "data"
    (ssh_home / ".ssh" / "known_hosts").write_text(f"127.0.0.1 {_pub(ssh_server.other_host_key)}\n")
    res = host_add(data, ssh_home, ssh_server, "web1")
    one_line_refusal(res, "is not known")  # unknown, to be accepted: not "differs"
    res = host_add(data, ssh_home, ssh_server, "web1", "--accept-host-key")
    assert res.returncode == 0, res.stderr
    assert [h["name"] for h in _hosts(data, ssh_home)] == ["web1"]


def test_a_public_key_as_identity_and_stats_for_an_unknown_host_are_refused(
    tmp_path, ssh_server, ssh_home
):
    data = tmp_path / "data"
    pub = f"{ssh_server.client_key}.pub"
    res = taskrun(data, "host", "add", "web1", "--ssh", "127.0.0.1", "--identity", pub)
    one_line_refusal(res, f"--identity: {pub}: not a private key file (the key without .pub)")
    assert res.returncode == 2
    assert _hosts(data, ssh_home) == []
    out = str(tmp_path / "runs.csv")
    for command, *args in (  # every history filter by host
        ("stats",),
        ("runs",),
        ("export-runs", "--format", "csv", "--out", out),
        ("grep", "x"),
    ):
        res = taskrun(data, command, *args, "--host", "nosuch")
        one_line_refusal(res, "--host: no such host 'nosuch'")
        assert res.returncode == (2 if command == "grep" else 1), command  # grep: 1 is no match
