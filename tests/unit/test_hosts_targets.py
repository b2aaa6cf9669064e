"""Naming hosts: `--ssh [USER@]ADDRESS[:PORT]` and `--on NAME|tag:T`."""

from __future__ import annotations

import pytest

from taskrun_gui.core.hosts import HostDef, HostError, parse_ssh, select


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("web1", (None, "web1", None)),
        ("deploy@10.0.0.5", ("deploy", "10.0.0.5", None)),
        ("root@127.0.0.1:2222", ("root", "127.0.0.1", 2222)),
        ("[::1]:22", (None, "::1", 22)),
        ("me@[fe80::1]", ("me", "fe80::1", None)),
    ],
)
def test_ssh_targets_parse(text, parsed):
    assert parse_ssh(text) == parsed


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("h:0", "port '0'"),
        ("h:65536", "port '65536'"),
        ("h:x", "port 'x'"),
        ("127.0.0.1:", "port ''"),
        ("[::1]:", "port ''"),
        ("h:\u0663", "port '\u0663'"),
        ("a b", "is not [USER@]ADDRESS[:PORT]"),
        ("@h", "is not a user name"),
        ("[::1", "in brackets"),
        ("fe80::1", "in brackets"),
        ("", "is not [USER@]ADDRESS[:PORT]"),
    ],
)
def test_bad_ssh_targets_say_why(text, message):
    with pytest.raises(HostError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_ssh(text)


def test_targets_select_hosts_once_in_the_order_named():
    hosts = [
        HostDef("a", "a", tags=["web"]),
        HostDef("b", "b", tags=["web", "db"]),
        HostDef("c", "c"),
    ]
    assert [h.name for h in select(hosts, ["c", "tag:web", "b"])] == ["c", "a", "b"]
    with pytest.raises(HostError, match="no such host"):
        select(hosts, ["zz"])
    with pytest.raises(HostError, match="no host has the tag 'x'"):
        select(hosts, ["tag:x"])
