"""`taskrun task secret TASK PARAM [--clear]`: this node's own value of a task's secret
parameter. A secret never goes into the database, so on a shared history a run queued for
another node takes that node's value, kept in its data dir (0600, storage/task_secrets.py).
The value is read from the terminal without echo, or from stdin: never from the command
line, which other users of the machine can read."""

from __future__ import annotations

import argparse
import getpass
import sys

from taskrun_gui.cli.common import fail
from taskrun_gui.core.nodes import node_name
from taskrun_gui.storage import task_secrets, tasks_repo
from taskrun_gui.storage.db import Store


def _read_value(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def cmd_secret(store: Store, a: argparse.Namespace) -> int:
    task = tasks_repo.get(a.name)
    secret = sorted(task.spec.secret_names())
    if a.param not in secret:
        allowed = ", ".join(secret) if secret else "none"
        fail(f"{a.param!r} is not a secret parameter of {task.name} (its secret ones: {allowed})")
    path = task_secrets.node_file(store.secrets_dir, task.id)
    kept = task_secrets.read_file(path)
    node = node_name()
    if a.clear:
        kept.pop(a.param, None)
        task_secrets.write_file(path, kept)
        print(f"secret {a.param} of {task.name} cleared on node {node}")
        return 0
    value = _read_value(f"{a.param} for {task.name} on node {node}: ")
    if not value:
        fail(f"{a.param}: an empty value; --clear removes one")
    task_secrets.write_file(path, {**kept, a.param: value})
    print(f"secret {a.param} of {task.name} set on node {node} (kept in {store.secrets_dir})")
    return 0
