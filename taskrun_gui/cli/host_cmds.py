"""`taskrun host add|list|show|rm|test`: the machines runs can go to over SSH.

A host's server key is pinned when it is added: one ~/.ssh/known_hosts already trusts is
taken; an unknown one is shown by fingerprint and taken only with --accept-host-key; one that
differs from known_hosts is refused. No password or passphrase is asked for or kept."""

from __future__ import annotations

import argparse
import os
from typing import Any

from taskrun_gui.cli.common import fail, print_json, print_table, tasks_named, warn
from taskrun_gui.core import hosts as hosts_mod
from taskrun_gui.core.hosts import HostDef, HostError
from taskrun_gui.core.timefmt import ms_to_iso
from taskrun_gui.storage import hosts_repo
from taskrun_gui.storage.db import Store


def _host_or_fail(name: str) -> HostDef:
    host = hosts_repo.get(name)
    if host is None:
        fail(f"host {name!r} not found (see `taskrun host list`)")
    return host


def _is_private_key(path: str) -> bool:
    """OpenSSH, PEM or PuTTY private key text (a .pub line is the usual mistake)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return b"PRIVATE KEY-----" in head or head.startswith(b"PuTTY-User-Key-File")


def _definition(a: argparse.Namespace) -> HostDef:
    try:
        hosts_mod.check_name(a.name)
        tags = [hosts_mod.check_name(t, "--tag") for t in a.tag]
        user, address, port = hosts_mod.parse_ssh(a.ssh)
    except HostError as exc:
        fail(str(exc), code=2)
    identity = None
    if a.identity:
        identity = os.path.abspath(os.path.expanduser(a.identity))
        if os.path.isdir(identity):
            fail(f"--identity: {a.identity}: a folder, not a private key file", code=2)
        if not os.path.isfile(identity):
            fail(f"--identity: {a.identity}: no such file", code=2)
        if not _is_private_key(identity):
            fail(f"--identity: {a.identity}: not a private key file (the key without .pub)", code=2)
    return HostDef(a.name, address, user, port, identity, list(dict.fromkeys(tags)))


def cmd_add(store: Store, a: argparse.Namespace) -> int:
    from taskrun_gui.engine.remote.connections import RemoteError
    from taskrun_gui.engine.remote.probe import check_key

    host = _definition(a)
    if hosts_repo.get(host.name) is not None:
        fail(f"host {host.name!r} exists (`taskrun host rm {host.name}` first)")
    try:
        seen = check_key(host)
    except RemoteError as exc:
        fail(str(exc))
    if seen.conflicting:
        fail(
            f"host {host.name}: {host.target} presents {seen.fingerprint}, which differs from "
            "~/.ssh/known_hosts: refusing (the host key changed, or someone is in between)"
        )
    if not seen.known and not a.accept_host_key:
        fail(
            f"host {host.name}: the host key of {host.target} is not known: {seen.fingerprint}; "
            "if that is the server's key, add it again with --accept-host-key"
        )
    host.host_key = seen.key_line
    hosts_repo.add(host)
    how = "known to ~/.ssh/known_hosts" if seen.known else "accepted"
    print(f"host {host.name} added ({host.target}); host key {seen.fingerprint} pinned ({how})")
    return 0


def _to_json(h: HostDef) -> dict[str, Any]:
    from taskrun_gui.engine.remote.connections import fingerprint

    return {
        "name": h.name,
        "address": h.address,
        "user": h.user,
        "port": h.port,
        "identity": h.identity,
        "tags": h.tags,
        "host_key": fingerprint(h.host_key),
        "tested_at": ms_to_iso(h.tested_at),
        "latency_ms": h.latency_ms,
        "remote_os": h.remote_os,
        "reachable": None if h.tested_at is None else h.test_error is None,
        "test_error": h.test_error,
    }


def _reach(h: HostDef) -> str:
    if h.tested_at is None:
        return "untested"
    if h.test_error is not None:
        return "unreachable"
    return f"ok {h.latency_ms:.1f} ms" if h.latency_ms is not None else "ok"


def cmd_list(store: Store, a: argparse.Namespace) -> int:
    hosts = hosts_repo.all_hosts()
    if a.json:
        print_json([_to_json(h) for h in hosts])
        return 0
    rows = [[h.name, h.target, ",".join(h.tags), _reach(h)] for h in hosts]
    print_table(["NAME", "SSH", "TAGS", "LAST TEST"], rows)
    return 0


def cmd_show(store: Store, a: argparse.Namespace) -> int:
    data = _to_json(_host_or_fail(a.name))
    if a.json:
        print_json(data)
        return 0
    for key, value in data.items():
        shown = ",".join(value) if isinstance(value, list) else value
        print(f"{key}: {'' if shown is None else shown}")
    return 0


def cmd_rm(store: Store, a: argparse.Namespace) -> int:
    """Removed as asked; what named it is said, since it now fails: the tasks whose --on
    names it, and the runs queued for it."""
    from taskrun_gui.core.models import RunStatus
    from taskrun_gui.storage import runs_repo, tasks_repo

    users = sorted(t.name for t in tasks_repo.list_all() if a.name in t.spec.targets)
    queued = runs_repo.count(runs_repo.RunFilter(statuses=[RunStatus.QUEUED], host=a.name))
    if not hosts_repo.remove(a.name):
        fail(f"host {a.name!r} not found (see `taskrun host list`)")
    print(f"host {a.name} removed")
    if users:
        one = len(users) == 1
        warn(
            f"{tasks_named(users)} still name{'s' * one} it in --on: "
            f"{'its' if one else 'their'} runs fail until edited (task edit NAME --on …)"
        )
    if queued:
        warn(f"{queued} run{'s' * (queued != 1)} queued for it will end in error (no such host)")
    return 0


def cmd_test(store: Store, a: argparse.Namespace) -> int:
    from taskrun_gui.engine.remote.connections import RemoteError
    from taskrun_gui.engine.remote.probe import test_login

    host = _host_or_fail(a.name)
    try:
        res = test_login(host)
    except RemoteError as exc:
        hosts_repo.record_test(host.name, None, None, str(exc))
        fail(str(exc))
    hosts_repo.record_test(host.name, res.latency_ms, res.remote_os, None)
    print(f"host {host.name}: reachable, latency {res.latency_ms:.1f} ms, {res.remote_os}")
    return 0


COMMANDS = {"add": cmd_add, "list": cmd_list, "show": cmd_show, "rm": cmd_rm, "test": cmd_test}
