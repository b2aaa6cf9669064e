"""Looking at a host before and between runs: the key it presents (to pin at `host add`,
checked against ~/.ssh/known_hosts) and a test login (latency, remote OS)."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass

import asyncssh

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.engine.remote.connections import RemoteError, connect_options, explain

KNOWN_HOSTS = "~/.ssh/known_hosts"


@dataclass
class KeyCheck:
    key_line: str  # the server's public key, OpenSSH format
    fingerprint: str
    known: bool  # ~/.ssh/known_hosts trusts it
    conflicting: bool  # ~/.ssh/known_hosts has other keys for this host: it changed


def _known_keys(host: HostDef) -> tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], bool]:
    """~/.ssh/known_hosts on `host`: the keys it trusts, those it marks @revoked, and whether
    it has keys for exactly this host (for a port other than 22 only `[host]:port` lines
    count: a plain `host` line is another server, the one on port 22)."""
    path = os.path.expanduser(KNOWN_HOSTS)
    if not os.path.isfile(path):
        return [], [], False
    try:
        known = asyncssh.read_known_hosts(path)
    except (OSError, ValueError):
        return [], [], False
    port = host.port if host.port and host.port != 22 else None
    trusted, _, revoked, *_ = known.match(host.address, "", port)
    if port is None:
        return list(trusted), list(revoked), bool(trusted)
    # match() falls back to the plain host when no [host]:port line trusts a key, and so
    # loses a revocation on [host]:port: its own lines, asked for directly
    own, _, own_revoked, *_ = known._match(host.address, "", port)
    return list(trusted), [*own_revoked, *revoked], bool(own)


def check_key(host: HostDef) -> KeyCheck:
    """The key `host` presents now; raises RemoteError when it cannot be had."""

    async def fetch() -> asyncssh.SSHKey | None:
        return await asyncssh.get_server_host_key(host.address, host.port or ())

    try:
        key = asyncio.run(asyncio.wait_for(fetch(), 20))
    except (OSError, asyncssh.Error, TimeoutError) as exc:
        raise RemoteError(explain(host, exc)) from exc
    if key is None:
        raise RemoteError(f"host {host.name}: the server presented no host key")
    line = key.export_public_key("openssh").decode().strip()
    known, revoked, own = _known_keys(host)
    data = key.public_data
    fp = f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"
    if any(k.public_data == data for k in revoked):
        raise RemoteError(
            f"host {host.name}: its key {fp} is marked @revoked in {KNOWN_HOSTS}; refusing it"
        )
    trusted = any(k.public_data == data for k in known)
    return KeyCheck(line, fp, trusted, own and not trusted)


@dataclass
class TestResult:
    latency_ms: float  # one trivial command's round trip on the open connection
    remote_os: str


def test_login(host: HostDef) -> TestResult:
    """Log in with the pinned key, run `true` (timed) and `uname`; raises RemoteError."""

    async def run() -> TestResult:
        async with asyncssh.connect(host.address, **connect_options(host)) as conn:
            t0 = time.perf_counter()
            await conn.run("true", check=False)
            latency = (time.perf_counter() - t0) * 1000
            probe = (
                '. /etc/os-release 2>/dev/null; echo "$(uname -srm) ${PRETTY_NAME:+($PRETTY_NAME)}"'
            )
            res = await conn.run(probe, check=False)
            text = res.stdout if isinstance(res.stdout, str) else ""
            return TestResult(latency, text.strip() or "unknown")

    try:
        return asyncio.run(asyncio.wait_for(run(), 30))
    except (OSError, asyncssh.Error, asyncssh.KeyImportError, TimeoutError, ValueError) as exc:
        raise RemoteError(explain(host, exc)) from exc
