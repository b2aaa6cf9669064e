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


def _known_keys(host: HostDef) -> list[asyncssh.SSHKey]:
    path = os.path.expanduser(KNOWN_HOSTS)
    if not os.path.isfile(path):
        return []
    try:
        known = asyncssh.read_known_hosts(path)
    except (OSError, ValueError):
        return []
    port = host.port if host.port and host.port != 22 else None
    return list(known.match(host.address, "", port)[0])


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
    known = _known_keys(host)
    data = key.public_data
    trusted = any(k.public_data == data for k in known)
    fp = f"{key.get_algorithm()} {key.get_fingerprint('sha256')}"
    return KeyCheck(line, fp, trusted, bool(known) and not trusted)


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
