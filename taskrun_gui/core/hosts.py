"""Machines runs go to over SSH: a host's definition and the words that name one.

Pure values and parsing: the inventory is storage/hosts_repo.py, the connection is
engine/remote/. No password or passphrase field exists: keys (a file or the agent) only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
TAG_PREFIX = "tag:"
# `--on local` (and the run dialog's "This machine"): run here. Reserved, so no host has it.
LOCAL = "local"
NONE = "none"  # `task add/edit --on none`: no default targets. Reserved too.
_USER_RE = re.compile(r"^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$")
_ADDRESS_RE = re.compile(r"^[A-Za-z0-9._-]{1,253}$")


class HostError(ValueError):
    """A host definition or target that cannot be used; its text is the one-line message."""


@dataclass
class HostDef:
    name: str
    address: str  # a host name, an IP address or an alias of ~/.ssh/config
    user: str | None = None
    port: int | None = None
    identity: str | None = None  # a private key file
    tags: list[str] = field(default_factory=list)
    host_key: str = ""  # the server's OpenSSH public key line, pinned at `host add`
    tested_at: int | None = None
    latency_ms: float | None = None
    remote_os: str | None = None
    test_error: str | None = None

    @property
    def target(self) -> str:
        """USER@ADDRESS:PORT as given (the parts that were)."""
        user = f"{self.user}@" if self.user else ""
        port = f":{self.port}" if self.port else ""
        address = f"[{self.address}]" if ":" in self.address else self.address
        return f"{user}{address}{port}"


def check_name(name: str, what: str = "host name") -> str:
    if what == "host name" and name in (LOCAL, NONE):
        raise HostError(f"host name {name!r} is reserved: `--on {name}` means no host")
    if not NAME_RE.match(name):
        raise HostError(
            f"{what} {name!r}: use 1-63 letters, digits, '.', '_' or '-', starting with a "
            "letter or digit"
        )
    return name


def parse_ssh(text: str) -> tuple[str | None, str, int | None]:
    """`[USER@]ADDRESS[:PORT]` (an IPv6 address in brackets) as (user, address, port)."""
    user: str | None = None
    rest = text.strip()
    if "@" in rest:
        user, rest = rest.rsplit("@", 1)
        if not _USER_RE.match(user):
            raise HostError(f"--ssh: {user!r} is not a user name")
    port: int | None = None
    if rest.startswith("["):
        address, sep, tail = rest[1:].partition("]")
        if not sep or (tail and not tail.startswith(":")):
            raise HostError("--ssh: an IPv6 address goes in brackets: [ADDRESS]:PORT")
        port_text = tail[1:] if tail else None
    else:
        if rest.count(":") > 1:  # "fe80::1" read as host "fe80", port ":1"
            raise HostError("--ssh: an IPv6 address goes in brackets: [ADDRESS]:PORT")
        address, sep, port_text = rest.partition(":")
        port_text = port_text if sep else None  # "host:" names no port: not port 22
    if port_text is not None:
        # ASCII digits only: str.isdigit takes "٣" (and int() reads it as 3)
        if not (port_text.isascii() and port_text.isdigit()) or not 1 <= int(port_text) <= 65535:
            raise HostError(f"--ssh: port {port_text!r} is not a number from 1 to 65535")
        port = int(port_text)
    if not address or not (_ADDRESS_RE.match(address) or ":" in address):
        raise HostError(f"--ssh: {text!r} is not [USER@]ADDRESS[:PORT]")
    return user, address, port


def is_tag_target(target: str) -> bool:
    return target.startswith(TAG_PREFIX)


def select(hosts: list[HostDef], targets: list[str]) -> list[HostDef]:
    """The hosts `targets` name (NAME or tag:T), each once, in the order first named; raises
    HostError naming the first target that matches nothing."""
    by_name = {h.name: h for h in hosts}
    chosen: dict[str, HostDef] = {}
    for target in targets:
        if is_tag_target(target):
            tag = target[len(TAG_PREFIX) :]
            found = [h for h in hosts if tag in h.tags]
            if not found:
                raise HostError(f"--on {target}: no host has the tag {tag!r}")
            for h in found:
                chosen.setdefault(h.name, h)
        elif target in by_name:
            chosen.setdefault(target, by_name[target])
        else:
            raise HostError(f"--on {target}: no such host (see `taskrun host list`)")
    return list(chosen.values())


def target_syntax_error(target: str) -> str | None:
    """Why `target` cannot name a host or a tag (None: it can); the inventory is not asked."""
    name = target[len(TAG_PREFIX) :] if is_tag_target(target) else target
    try:
        check_name(name, "tag" if is_tag_target(target) else "target")
    except HostError as exc:
        return str(exc)
    return None


def check_targets(hosts: list[HostDef], targets: list[str], what: str = "targets") -> None:
    """Raise HostError (one line, naming `what`) unless every target names a host of the
    inventory: a task saved with a target that runs nowhere would fail at its next run."""
    try:
        select(hosts, targets)
    except HostError as exc:
        raise HostError(f"{what}: {str(exc).removeprefix('--on ')}") from None
