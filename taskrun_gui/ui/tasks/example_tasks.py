"""Four example tasks for an empty store: one that works, one in Python, one that fails and
one that takes a while, so a new user sees every status and the queue on the first clicks."""

from __future__ import annotations

from taskrun_gui.core.interpreters import COMMAND_INTERPRETER
from taskrun_gui.core.models import Param, TaskKind, TaskSpec
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.tasks_repo import TaskRow

_PYTHON_REPORT = """\
import os
import platform

name = os.environ.get("TASKRUN_PARAM_WHO", "world")
print(f"Hello, {name}!")
print("Python", platform.python_version(), "on", platform.system())
"""

_SLOW = """\
for i in 1 2 3 4 5; do
  echo "step $i/5"
  sleep 1
done
echo "done"
"""


def example_specs() -> list[TaskSpec]:
    return [
        TaskSpec(
            name="hello-shell",
            command='echo "Hello from TaskRun"; date',
            interpreter=COMMAND_INTERPRETER,  # a shell line runs under the task's interpreter
            description="A shell line: the simplest kind of task.",
            tags=["example"],
        ),
        TaskSpec(
            name="python-hello",
            kind=TaskKind.SCRIPT,
            interpreter="python",
            script=_PYTHON_REPORT,
            params=[Param(name="who", default="world", description="Who to greet")],
            description="A Python script with a parameter (read from TASKRUN_PARAM_WHO).",
            tags=["example", "python"],
        ),
        TaskSpec(
            name="always-fails",
            command='echo "about to fail" >&2; exit 1',
            interpreter=COMMAND_INTERPRETER,
            description="Exits with status 1, to show what a failure looks like.",
            tags=["example"],
        ),
        TaskSpec(
            name="slow-progress",
            kind=TaskKind.SCRIPT,
            interpreter="sh",
            script=_SLOW,
            description="Takes five seconds and prints its progress: try Stop and Pause.",
            tags=["example"],
        ),
    ]


def create_examples() -> list[TaskRow]:
    """Create the examples not already present (by name). Runs on the writer."""
    made = []
    for spec in example_specs():
        if tasks_repo.find(spec.name) is None:
            made.append(tasks_repo.create(spec))
    return made
