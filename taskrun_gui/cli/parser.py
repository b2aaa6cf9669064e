"""The `taskrun` command line: its words and flags (a contract other tools rely on).

Every number is range-checked as it is read (the types in cli/common.py), so a bad value is one
line naming the option and what it accepts, exit code 2, before anything is opened or written.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn, TypeAlias

from taskrun_gui.cli import channel_parser, grep_parser, host_parser
from taskrun_gui.cli.options import (
    MAX_ID,
    amount,
    every,
    folder_text,
    future_time,
    iso_time_ms,
    log_cap,
    schedule_text,
    whole_number,
)
from taskrun_gui.core import nodes
from taskrun_gui.core.limits import (
    MAX_RUNNING_CAP,
    MAX_TIMEOUT,
    MIN_TIMEOUT,
    RETENTION_MAX_DAYS,
    RETENTION_MAX_KEEP,
)
from taskrun_gui.storage import db_url

# The ranges, one place: the same as the task editor's where it has the field.
TIMEOUT = amount("seconds", high=MAX_TIMEOUT, low=MIN_TIMEOUT, zero_ok=True)
RETRIES = whole_number(0, 100)
RETRY_BACKOFF = amount("seconds", high=86_400, zero_ok=True)
MAX_CONCURRENT = whole_number(1, 1000)
PRIORITY = whole_number(-1000, 1000)
WORKERS = whole_number(1, 256)
MAX_RUNNING = whole_number(0, MAX_RUNNING_CAP)
REPEAT = whole_number(1, 100_000)
LIMIT = whole_number(1, 1_000_000)
LINES = whole_number(1, 10_000_000)
DAYS = whole_number(1, 36_500)
# Cleanup's limits are retention's own: more than zero, as "older than now" and "keep none"
# would each delete every finished run (refused, not guessed).
AGE_DAYS = amount("days", high=RETENTION_MAX_DAYS)
KEEP = whole_number(1, RETENTION_MAX_KEEP)
EXIT_CODE = whole_number(-255, 4_294_967_295)  # negative: killed by a signal (POSIX)
ID = whole_number(1, MAX_ID)


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr (`taskrun: error: --timeout: ...`), not
    the usage text and then the error; subparsers are made of this class too."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split()).removeprefix("argument ")
        self.exit(2, f"taskrun: error: {text}\n")


def _task_fields(p: argparse.ArgumentParser, adding: bool) -> None:
    what = p.add_mutually_exclusive_group(required=adding)
    what.add_argument("--command", help="a shell line (or argv with --argv)")
    what.add_argument("--script", metavar="FILE", help="a script file to store in the task")
    what.add_argument(
        "--from-toml", metavar="FILE", help="the definition from TOML (other flags apply over it)"
    )
    p.add_argument(
        "--argv",
        action="store_true",
        help="split --command into argv items instead of running it in a shell",
    )
    p.add_argument("--interpreter", help="bash, sh, python, node, pwsh or a path")
    p.add_argument("--cwd")
    p.add_argument("--env", action="append", default=[], metavar="K=V")
    p.add_argument("--param", action="append", default=[], metavar="NAME[=DEFAULT]")
    p.add_argument("--secret-param", action="append", default=[], metavar="NAME[=DEFAULT]")
    p.add_argument("--timeout", type=TIMEOUT, metavar="SECONDS")
    p.add_argument("--retries", type=RETRIES)
    p.add_argument("--retry-backoff", type=RETRY_BACKOFF, metavar="SECONDS")
    p.add_argument("--max-concurrent", type=MAX_CONCURRENT)
    p.add_argument(
        "--log-cap",
        type=log_cap,
        metavar="SIZE",
        help="most output kept per run (100M, 2G; none; default: the data dir's)",
    )
    p.add_argument("--priority", type=PRIORITY)
    p.add_argument("--tag", action="append", default=[])
    p.add_argument(
        "--on",
        action="append",
        default=[],
        metavar="HOST|tag:T|none",
        help="where `taskrun run` sends it by default (repeatable); none: here",
    )
    p.add_argument("--description")
    p.add_argument("--title", help="a free display title (spaces allowed); '' removes it")
    p.add_argument(
        "--node",
        dest="task_node",
        type=nodes.default_argument,
        metavar="NAME|any",
        help=f"the node `taskrun run` sends it to when not told; {nodes.ANY_NODE}: the first "
        "with a free slot; '': the node that queues it",
    )
    on_off = p.add_mutually_exclusive_group()
    on_off.add_argument("--disabled", action="store_true", help="create or set the task disabled")
    on_off.add_argument("--enabled", action="store_true")
    sched = p.add_mutually_exclusive_group()
    sched.add_argument("--cron", type=schedule_text, metavar="EXPR")
    sched.add_argument("--every", type=every, metavar="DURATION", help="e.g. 30s, 5m, 2h")
    sched.add_argument("--at", type=future_time, metavar="ISO")
    sched.add_argument("--no-schedule", action="store_true")
    p.add_argument("--overlap", choices=["skip", "queue", "allow"])
    p.add_argument("--missed", choices=["skip", "once"])
    channel_parser.add_task_options(p)


class _Once(argparse.Action):
    """A filter given twice is refused: the second silently won over the first."""

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[no-untyped-def]
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string}: give it once (one value filters the runs)")
        setattr(namespace, self.dest, values)


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--task", action=_Once)
    p.add_argument("--status", action="append", default=[])
    p.add_argument("--since", type=iso_time_ms, metavar="ISO", action=_Once)
    p.add_argument("--until", type=iso_time_ms, metavar="ISO", action=_Once)
    p.add_argument("--exit-code", type=EXIT_CODE, action=_Once)
    p.add_argument("--text", default="", help="text in the error message")
    p.add_argument("--host", metavar="NAME", help="runs on that host", action=_Once)
    _node_filter(p)


def _node_filter(p: argparse.ArgumentParser) -> None:
    """--node of the history commands: its own dest (the root's --node names this host)."""
    p.add_argument(
        "--node", dest="node_filter", metavar="NAME", help="runs of that node", action=_Once
    )


def _node_commands(sub: Subparsers) -> None:
    n = sub.add_parser("nodes", help="the hosts on this history: state, heartbeat, runs")
    n.add_argument("--json", action="store_true")
    n.add_argument(
        "--max-running",
        type=MAX_RUNNING,
        metavar="N",
        help="at most N runs at once over every node of a shared history (0: no such limit)",
    )


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; given the argv it will parse, only the group of commands its
    command word belongs to (argparse builds ~30 parsers for all: a third of a `taskrun run`
    call's own time). A command word it cannot tell for sure builds them all."""
    root = OneLineParser(prog="taskrun", description="Run tasks and keep their history.")
    root.add_argument(
        "--data-dir",
        type=folder_text,
        help="data directory (default: $TASKRUN_HOME or the user data dir)",
    )
    root.add_argument("--workers", type=WORKERS, help="global worker limit of a host started here")
    root.add_argument(
        "--db",
        type=db_url.argument,
        metavar="URL",
        help=f"keep the history in PostgreSQL: {db_url.FORM} (default: $TASKRUN_DB, else "
        "the data dir's SQLite file); put the password in ~/.pgpass",
    )
    root.add_argument(
        "--node",
        type=nodes.argument,
        metavar="NAME",
        help="this host's node name on a shared history (default: $TASKRUN_NODE, else the "
        "machine's host name)",
    )
    sub = root.add_subparsers(dest="verb", required=True, metavar="COMMAND")
    verb = None if argv is None else command_word(argv)
    for words, add in _GROUPS:
        if verb is None or verb in words:
            add(sub)
    return root


_ROOT_VALUED = ("--data-dir", "--workers", "--db", "--node")  # the root options that take a value


def command_word(argv: list[str]) -> str | None:
    """The command argv names (`run`, `task`, ...) when it is certain, else None: an option
    before it that is not one of the root's (or --help) leaves it to the full parser."""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if not arg.startswith("-"):
            return arg if any(arg in words for words, _ in _GROUPS) else None
        name = arg.split("=", 1)[0]
        # argparse takes unambiguous prefixes (--data for --data-dir) too
        if len(name) < 3 or sum(o.startswith(name) for o in _ROOT_VALUED) != 1:
            return None
        i += 1 if "=" in arg else 2
    return None


# argparse's own name for what add_subparsers gives
Subparsers: TypeAlias = "argparse._SubParsersAction[OneLineParser]"


def _task_commands(sub: Subparsers) -> None:
    task = sub.add_parser("task", help="create, change and inspect tasks")
    tsub = task.add_subparsers(dest="task_command", required=True, metavar="ACTION")
    add = tsub.add_parser("add", help="create a task")
    add.add_argument("name")
    _task_fields(add, adding=True)
    edit = tsub.add_parser("edit", help="change a task (a new version)")
    edit.add_argument("name")
    edit.add_argument("--rename", metavar="NEW_NAME")
    _task_fields(edit, adding=False)
    lst = tsub.add_parser("list", help="all tasks")
    lst.add_argument("--json", action="store_true")
    show = tsub.add_parser("show", help="one task's definition")
    show.add_argument("name")
    show.add_argument("--json", action="store_true")
    rm = tsub.add_parser("rm", help="delete a task (its history stays)")
    rm.add_argument("name")
    ver = tsub.add_parser("versions", help="versions of a task")
    ver.add_argument("name")
    ver.add_argument("--json", action="store_true")
    diff = tsub.add_parser("diff", help="unified diff of two versions")
    diff.add_argument("name")
    diff.add_argument("v1", type=ID)
    diff.add_argument("v2", type=ID)
    rb = tsub.add_parser("rollback", help="a new version with the content of version V")
    rb.add_argument("name")
    rb.add_argument("version", type=ID)
    exp = tsub.add_parser("export", help="tasks as TOML (a file for one task, else a folder)")
    exp.add_argument("names", nargs="*")
    exp.add_argument("--out", required=True)
    _import_command(tsub)
    _secret_command(tsub)


def _secret_command(tsub: Subparsers) -> None:
    """`task secret` (cli/secret_cmds.py): the value comes from stdin or a prompt."""
    sec = tsub.add_parser(
        "secret", help="this node's value of a secret parameter (read from stdin or a prompt)"
    )
    sec.add_argument("name")
    sec.add_argument("param")
    sec.add_argument("--clear", action="store_true", help="remove this node's value")


def _import_command(tsub: Subparsers) -> None:
    imp = tsub.add_parser("import", help="tasks from a TOML file or a folder of them")
    imp.add_argument("path")
    taken = imp.add_mutually_exclusive_group()
    taken.add_argument(
        "--replace",
        dest="on_existing",
        action="store_const",
        const="replace",
        help="update tasks that exist (a new version)",
    )
    taken.add_argument(
        "--rename",
        dest="on_existing",
        action="store_const",
        const="rename",
        help="import tasks whose name is taken as NAME-2 (or -3…)",
    )
    taken.add_argument(
        "--skip-existing",
        dest="on_existing",
        action="store_const",
        const="skip",
        help="leave tasks that exist as they are",
    )
    imp.set_defaults(on_existing="fail")


def _run_commands(sub: Subparsers) -> None:
    run = sub.add_parser("run", help="queue a run of a task")
    run.add_argument("name")
    run.add_argument("--param", action="append", default=[], metavar="K=V")
    run.add_argument("--repeat", type=REPEAT, default=1)
    run.add_argument("--wait", action="store_true", help="wait for the run(s) to finish")
    run.add_argument(
        "--follow", action="store_true", help="print the output while it runs (implies --wait)"
    )
    run.add_argument("--json", action="store_true")
    run.add_argument(
        "--on",
        action="append",
        default=[],
        metavar="HOST|tag:T|local",
        help="run on these hosts (default: the task's targets); local: on this machine",
    )
    run.add_argument("--parallel", type=WORKERS, metavar="N", help="at most N targets at once")
    run.add_argument(
        "--node",
        dest="for_node",
        type=nodes.target_argument,
        metavar="NAME",
        help=f"queue for another node, or {nodes.ANY_NODE} for the first with a free slot",
    )

    runs = sub.add_parser("runs", help="run history, newest first")
    _filters(runs)
    runs.add_argument("--limit", type=LIMIT, default=50)
    runs.add_argument("--before", type=ID, metavar="RUN_ID", help="keyset paging")
    runs.add_argument("--json", action="store_true")

    log = sub.add_parser("log", help="a run's output")
    log.add_argument("run_id", type=ID, metavar="RUN_ID")
    log.add_argument("--follow", action="store_true")
    log.add_argument("--tail", type=LINES, metavar="N", help="only the last N lines")

    for verb in ("cancel", "pause", "resume"):
        c = sub.add_parser(verb, help=f"{verb} a run")
        c.add_argument("run_id", type=ID, metavar="RUN_ID")


def _history_commands(sub: Subparsers) -> None:
    stats = sub.add_parser("stats", help="statistics of a task or of all")
    stats.add_argument("--task")
    stats.add_argument("--days", type=DAYS)
    stats.add_argument("--host", metavar="NAME", help="runs on that host")
    _node_filter(stats)
    stats.add_argument("--json", action="store_true")

    ex = sub.add_parser("export-runs", help="runs to CSV or JSON")
    ex.add_argument("--format", choices=["csv", "json"], required=True)
    ex.add_argument("--out", required=True, metavar="FILE", help="the file to write; - for stdout")
    _filters(ex)

    clean = sub.add_parser("cleanup", help="delete old finished runs and their logs")
    clean.add_argument("--older-than", type=AGE_DAYS, metavar="DAYS")
    clean.add_argument("--keep-per-task", type=KEEP, metavar="N")
    clean.add_argument("--json", action="store_true")

    grep = sub.add_parser("grep", help="runs whose output contains a text (or --regex)")
    _filters(grep)
    grep_parser.add_arguments(grep)

    st = sub.add_parser("storage", help="database and log sizes")
    st.add_argument("--json", action="store_true")

    d = sub.add_parser("daemon", help="serve the data dir: run queued and scheduled tasks")
    d.add_argument("--exit-when-idle", action="store_true")
    d.add_argument(
        "--on-stop",
        choices=["finish", "cancel"],
        default="finish",
        help="on SIGTERM/SIGINT let running runs finish, or cancel them",
    )


# Each group of commands, by the words it adds (command_word picks the one to build).
_GROUPS: tuple[tuple[frozenset[str], Callable[[Subparsers], None]], ...] = (
    (frozenset({"task"}), _task_commands),
    (frozenset({"run", "runs", "log", "cancel", "pause", "resume"}), _run_commands),
    (
        frozenset({"stats", "export-runs", "cleanup", "grep", "storage", "daemon"}),
        _history_commands,
    ),
    (frozenset({"host"}), host_parser.add_parsers),
    (frozenset({"channel"}), channel_parser.add_channel_commands),
    (frozenset({"nodes"}), _node_commands),
)
