"""The `taskrun` command: the same engine as the window, no widgets. Errors are one line on
stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from peewee import OperationalError

from taskrun_gui.cli import history_cmds, run_cmds, task_cmds
from taskrun_gui.cli.common import CliError, open_store
from taskrun_gui.cli.parser import build_parser
from taskrun_gui.core.params import ParamError
from taskrun_gui.storage.migrations import SchemaTooNewError
from taskrun_gui.storage.tasks_repo import TaskExistsError, TaskNotFoundError


def _command(args: argparse.Namespace) -> Callable[..., int]:
    name = args.verb
    if name == "task":
        return task_cmds.COMMANDS[args.task_command]
    return {
        "run": run_cmds.cmd_run,
        "daemon": run_cmds.cmd_daemon,
        "runs": history_cmds.cmd_runs,
        "log": history_cmds.cmd_log,
        "cancel": history_cmds.cmd_control,
        "pause": history_cmds.cmd_control,
        "resume": history_cmds.cmd_control,
        "stats": history_cmds.cmd_stats,
        "export-runs": history_cmds.cmd_export_runs,
        "cleanup": history_cmds.cmd_cleanup,
        "storage": history_cmds.cmd_storage,
    }[name]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    store = None
    try:
        store = open_store(args.data_dir)
        return _command(args)(store, args)
    except CliError as exc:
        print(f"taskrun: {exc}", file=sys.stderr)
        return exc.code
    except (TaskNotFoundError, TaskExistsError, ParamError, SchemaTooNewError) as exc:
        print(f"taskrun: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 1
    except OperationalError as exc:
        print(f"taskrun: history store error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("taskrun: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"taskrun: {exc}", file=sys.stderr)
        return 1
    finally:
        if store is not None:
            store.close()
