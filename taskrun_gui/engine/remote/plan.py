"""What a run executes on another machine: each step's argv as the target runs it (its own
interpreters, found there, not here) and the environment the job exports.

The local planner (engine/plan.py) looks interpreters up on this machine and writes scripts
to this machine's disk; here nothing is looked up or written: the wrapper does that remotely
(engine/remote/wrapper.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.interpreters import (
    COMMAND_INTERPRETER,
    LINE_OPTIONS,
    command_argv,
    line_family,
    script_suffix,
)
from taskrun_gui.core.models import ErrorType, Step, TaskKind, TaskSpec
from taskrun_gui.engine.plan import PlannedStep, plan_each
from taskrun_gui.monitor.proctree import RUN_MARKER_VAR


@dataclass
class RemoteStep:
    """One step as the wrapper gets it (see engine/remote/wrapper.py)."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    script: tuple[str, str] | None  # (file suffix, body) of a script step
    timeout: float | None


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SCRIPT_ARG = "$TASKRUN_SCRIPT"  # the argv item the wrapper replaces by the script's path


def remote_env(spec: TaskSpec, values: dict[str, str], run_uid: str, host: str) -> dict[str, str]:
    """The task's variables, its parameters, the run marker and TASKRUN_HOST (the target's
    name in the inventory): the target's own environment comes from its login, none of this
    machine's goes there."""
    env = dict(spec.env)
    env["TASKRUN_HOST"] = host
    for name, value in values.items():
        env[params_mod.env_name(name)] = value
    env[RUN_MARKER_VAR] = run_uid
    env["TASKRUN_TASK"] = spec.name
    return env


def _interpreter(name: str) -> list[str]:
    name = name.strip()
    if name == "python":
        return ["python3"]
    if name == "pwsh":
        return ["pwsh", "-NoProfile", "-NonInteractive", "-File"]
    return [name]


def _line_argv(interpreter: str, line: str) -> list[str] | None:
    name = interpreter.strip()
    if name == COMMAND_INTERPRETER:
        return ["/bin/sh", "-c", line]
    family = line_family(name)
    if family is None:
        return None
    exe = "python3" if name == "python" else name
    return [exe, *LINE_OPTIONS[family], line]


def _plan(item: PlannedStep, step: Step, values: dict[str, str]) -> None:
    if step.kind is TaskKind.SCRIPT:
        item.argv = [*_interpreter(step.interpreter), SCRIPT_ARG]
        item.remote_script = (script_suffix(step.interpreter), step.script)
        return
    if step.shell:
        item.argv = _line_argv(step.interpreter, step.command)
        if item.argv is None:
            item.error_type = ErrorType.INTERNAL
            item.error = f"bad command: interpreter {step.interpreter!r} cannot run a line"
        return
    try:
        item.argv = command_argv(step.command, False, values)
    except ValueError as exc:
        item.error_type, item.error = ErrorType.INTERNAL, f"bad command: {exc}"
        return
    if not item.argv:
        item.argv, item.error_type, item.error = None, ErrorType.NOT_FOUND, "empty command"


def plan_remote_steps(spec: TaskSpec, values: dict[str, str]) -> list[PlannedStep]:
    bad_env = next((k for k in spec.env if not _ENV_NAME.match(k)), None)
    whole = None
    if bad_env is not None:
        whole = f"env: {bad_env!r} cannot be passed to another machine (not a shell name)"
    return plan_each(spec, values, lambda item, step, _i: _plan(item, step, values), whole)
