"""A real OpenSSH server on 127.0.0.1 for the remote-run tests: its own config, host keys and
client key in a temporary folder, started and stopped by the test session."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = "/usr/sbin/sshd"

CONFIG = """\
Port {port}
ListenAddress 127.0.0.1
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
MaxSessions {max_sessions}
MaxStartups 100:30:200
LogLevel VERBOSE
"""


@dataclass
class Sshd:
    port: int
    dir: Path
    client_key: Path
    host_key: Path  # the server's (private; .pub beside it)
    other_host_key: Path  # a key it does not have: a "changed" key
    log: Path
    proc: subprocess.Popen[bytes]

    def accepted_logins(self) -> int:
        """Connections authenticated so far (sshd's log says so once per connection)."""
        return self.log.read_text(errors="replace").count("Accepted publickey")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )


def available() -> str | None:
    """None when an sshd can be started here, else why not."""
    if not os.path.exists(SSHD):
        return f"{SSHD} is not installed (Debian: openssh-server)"
    if shutil.which("ssh-keygen") is None:
        return "ssh-keygen is not installed"
    return None


def start(folder: Path, max_sessions: int = 20) -> Sshd:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    for name in ("host_key", "other_host_key", "client_key"):
        _keygen(folder / name)
    (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
    port = _free_port()
    cfg = folder / "sshd_config"
    cfg.write_text(CONFIG.format(port=port, dir=folder, max_sessions=max_sessions))
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation
    log = folder / "sshd.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(cfg)], stdout=out, stderr=out, stdin=subprocess.DEVNULL
        )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"sshd did not start: {log.read_text()}") from None
            time.sleep(0.05)
    return Sshd(
        port,
        folder,
        folder / "client_key",
        folder / "host_key",
        folder / "other_host_key",
        log,
        proc,
    )


def stop(server: Sshd) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(5)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
