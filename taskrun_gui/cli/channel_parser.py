"""The `taskrun channel` words and the task options for alerts and chains, for the parser
apart from the commands: `taskrun --help` builds every parser and must not import the store
or the engine (cli/channel_cmds.py does)."""

from __future__ import annotations

import argparse

from taskrun_gui.core import notify_rules


def add_task_options(p: argparse.ArgumentParser) -> None:
    """--notify, --then and its --after-EVENT forms (repeatable lists), --grace."""
    events = ",".join(notify_rules.EVENTS)
    lists = [
        ("--notify", "CHANNEL:EVENTS", f"events ({events}) to a channel; none: clear"),
        ("--then", "EVENT:TASK", "run TASK after this one's success, failure or finish"),
    ]
    for event in notify_rules.THEN_EVENTS:
        lists.append((f"--after-{event}", "TASK", f"the same as --then {event}:TASK"))
    for flag, metavar, text in lists:
        p.add_argument(flag, action="append", default=[], metavar=metavar, help=text)
    p.add_argument(
        "--grace",
        metavar="DURATION",
        help="late after the schedule's period plus this (e.g. 10m; default)",
    )


def add_channel_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ch = sub.add_parser("channel", help="where alerts go: webhooks, email, chat, push")
    csub = ch.add_subparsers(dest="channel_command", required=True, metavar="ACTION")
    add = csub.add_parser("add", help="a channel from an Apprise URL")
    add.add_argument("name")
    add.add_argument("url", help="json://host:port/path, mailto://user:pass@host, ntfy://…")
    add.add_argument(
        "--events",
        default="",
        metavar="EVENTS",
        help="what every task without its own rule sends here, e.g. failure,late",
    )
    lst = csub.add_parser("list", help="the channels (secrets masked) and their last delivery")
    lst.add_argument("--json", action="store_true")
    rm = csub.add_parser("rm", help="remove a channel")
    rm.add_argument("name")
    test = csub.add_parser("test", help="send a test message")
    test.add_argument("name")
    dig = csub.add_parser("digest", help="a daily or weekly summary to a channel")
    dig.add_argument("period", choices=["daily", "weekly", "off"])
    dig.add_argument("name", nargs="?", help="the channel (not for off)")
