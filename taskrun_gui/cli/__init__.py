"""The `taskrun` command: the same engine as the window, no widgets. Errors are one line on
stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

from taskrun_gui.cli.streams import protect_stderr

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from taskrun_gui.storage.db import Store

# Commands that change the history: on a store opened read-only they stop before starting.
WRITING_TASK_ACTIONS = {"add", "edit", "rm", "rollback", "import"}
WRITING_VERBS = {"run", "daemon", "cancel", "pause", "resume", "cleanup"}


# Each command's module and function, imported when that command runs: `taskrun --help`
# imports none of them, `taskrun runs` not what `taskrun run` needs (issue 13).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run_cmds", "cmd_run"),
    "daemon": ("run_cmds", "cmd_daemon"),
    "runs": ("history_cmds", "cmd_runs"),
    "log": ("history_cmds", "cmd_log"),
    "cancel": ("history_cmds", "cmd_control"),
    "pause": ("history_cmds", "cmd_control"),
    "resume": ("history_cmds", "cmd_control"),
    "stats": ("history_cmds", "cmd_stats"),
    "export-runs": ("history_cmds", "cmd_export_runs"),
    "cleanup": ("history_cmds", "cmd_cleanup"),
    "storage": ("history_cmds", "cmd_storage"),
    "nodes": ("node_cmds", "cmd_nodes"),
    "grep": ("grep_cmd", "cmd_grep"),
}


def _command(args: argparse.Namespace) -> Callable[..., int]:
    if args.verb == "task":
        from taskrun_gui.cli import task_cmds

        return task_cmds.COMMANDS[args.task_command]
    if args.verb == "host":
        from taskrun_gui.cli import host_cmds

        return host_cmds.COMMANDS[args.host_command]
    if args.verb == "channel":
        from taskrun_gui.cli import channel_cmds

        return channel_cmds.COMMANDS[args.channel_command]
    module, name = COMMANDS[args.verb]
    fn: Callable[..., int] = getattr(importlib.import_module(f"taskrun_gui.cli.{module}"), name)
    return fn


def _writes(args: argparse.Namespace) -> bool:
    from taskrun_gui.cli import host_parser

    if args.verb == "task":
        return bool(args.task_command in WRITING_TASK_ACTIONS)
    if args.verb == "host":
        return args.host_command in host_parser.WRITING
    if args.verb == "nodes":
        return args.max_running is not None
    return bool(args.verb in WRITING_VERBS)


def _database_error(store: Store | None, exc: Exception) -> str:
    """A database error as one line: a damaged file says what to do about it."""
    from taskrun_gui.storage.db import corrupt_message, is_corrupt

    if store is not None and is_corrupt(exc):
        return corrupt_message(store.db_path, exc)
    from taskrun_gui.cli.common import one_line

    return f"history store error: {one_line(exc)}"


def _os_error(exc: OSError) -> str:
    """'/x/y: Permission denied' rather than "[Errno 13] Permission denied: '/x/y'"."""
    if exc.strerror and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror}"
    return exc.strerror or str(exc)


def main(argv: list[str] | None = None) -> int:
    protect_stderr()
    argv = sys.argv[1:] if argv is None else argv
    from taskrun_gui.cli.thin_client import try_host

    served = try_host(argv)  # `run T`, `runs`: done by the host serving the data dir
    if served is not None:
        return served
    from taskrun_gui.cli.parser import build_parser
    from taskrun_gui.core import nodes
    from taskrun_gui.storage import db_url

    args = build_parser(argv).parse_args(argv)  # --help and a bad option end here, cheaply
    from taskrun_gui.storage import db_setting
    from taskrun_gui.storage.db import resolve_data_dir

    db_url.use(db_setting.at_start(resolve_data_dir(args.data_dir), args.db))  # as the window
    if args.node:  # for this command and what it starts (a daemon)
        os.environ[nodes.ENV] = args.node
    if (lease := nodes.lease_problem()) is not None:
        print(f"taskrun: {lease}", file=sys.stderr)
        return 2
    return execute(args)


def execute(args: argparse.Namespace, hosted: Store | None = None) -> int:
    """The command, with every error it can meet told in one line. `hosted`: the store of
    the host doing it for a thin client (cli/thin_host.py), open already and left open."""
    import sqlite3

    from peewee import DatabaseError, OperationalError

    from taskrun_gui.cli.common import CliError
    from taskrun_gui.core.params import ParamError
    from taskrun_gui.engine.node_names import NodeNameInUse
    from taskrun_gui.storage.db import StoreBusyError, StoreOpenError
    from taskrun_gui.storage.migrations import SchemaTooNewError
    from taskrun_gui.storage.tasks_repo import TaskExistsError, TaskNotFoundError

    store = hosted
    try:
        if store is None:
            store = _open_for(args)
        code = _command(args)(store, args)
        sys.stdout.flush()  # here, where a refused write is reported, not at exit
        return code
    except CliError as exc:
        print(f"taskrun: {exc}", file=sys.stderr)
        return exc.code
    except (TaskNotFoundError, TaskExistsError, ParamError, SchemaTooNewError) as exc:
        print(f"taskrun: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    except (StoreOpenError, StoreBusyError) as exc:
        print(f"taskrun: {exc}", file=sys.stderr)
        return 1
    except NodeNameInUse as exc:
        print(f"taskrun: {exc}", file=sys.stderr)
        return 2
    except OperationalError as exc:
        print(f"taskrun: {_database_error(None, exc)}", file=sys.stderr)
        return 1
    except (DatabaseError, sqlite3.DatabaseError) as exc:
        print(f"taskrun: {_database_error(store, exc)}", file=sys.stderr)
        return 1
    except OverflowError as exc:  # a number no option let through, e.g. from a TOML file
        print(f"taskrun: a number is too large to store: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("taskrun: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"taskrun: {_os_error(exc)}", file=sys.stderr)
        return 1
    finally:
        if store is not None and hosted is None:
            store.close()


def _open_for(args: argparse.Namespace) -> Store:
    from taskrun_gui.cli.common import store_for_command, warn

    store = store_for_command(args.data_dir, writing=_writes(args))
    if args.verb == "daemon":  # it serves for hours: no 30 s waits on its event loop
        store.db.wait_for_lock(None)
    elif args.verb != "run" and _ensure_served(store, args.workers):
        warn("runs were waiting with nobody to serve them (their host stopped): started one")
    return store


def _ensure_served(store: Store, workers: int | None) -> bool:
    from taskrun_gui.cli.daemon_spawn import ensure_served

    return ensure_served(store, workers, stranded_only=True)
