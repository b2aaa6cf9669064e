"""The `taskrun host` words for the parser, apart from the commands: `taskrun --help`
builds every parser and must not import the store (cli/host_cmds.py does)."""

from __future__ import annotations

from typing import Any

# host actions that change the history: on a store opened read-only they stop before starting
WRITING = {"add", "rm", "test"}


def add_parsers(sub: Any) -> None:
    """The `host` words (called from cli/parser.py)."""
    host = sub.add_parser("host", help="machines to run tasks on over SSH")
    hsub = host.add_subparsers(dest="host_command", required=True, metavar="ACTION")
    add = hsub.add_parser("add", help="add a host (pins its SSH host key)")
    add.add_argument("name")
    add.add_argument("--ssh", required=True, metavar="[USER@]ADDRESS[:PORT]")
    add.add_argument("--identity", metavar="KEYFILE", help="private key (default: agent, config)")
    add.add_argument("--tag", action="append", default=[])
    add.add_argument("--accept-host-key", action="store_true", help="trust an unknown host key")
    lst = hsub.add_parser("list", help="all hosts")
    lst.add_argument("--json", action="store_true")
    show = hsub.add_parser("show", help="one host")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    rm = hsub.add_parser("rm", help="remove a host (its runs' history stays)")
    rm.add_argument("name")
    test = hsub.add_parser("test", help="log in: latency and remote OS")
    test.add_argument("name")
