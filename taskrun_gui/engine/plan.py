"""What a run executes: one program per step, with its argv, environment and timeout."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.interpreters import command_argv, interpreter_argv, script_suffix
from taskrun_gui.core.models import ErrorType, Step, TaskKind, TaskSpec
from taskrun_gui.monitor.proctree import RUN_MARKER_VAR


@dataclass
class PlannedStep:
    name: str
    argv: list[str] | None  # None: could not be built (see error)
    timeout: float | None
    continue_on_error: bool
    error_type: ErrorType | None = None
    error: str | None = None
    script_file: Path | None = None


def _steps_of(spec: TaskSpec) -> list[Step]:
    if spec.steps:
        return spec.steps
    return [
        Step(
            name=spec.name,
            kind=spec.kind,
            command=spec.command,
            shell=spec.shell,
            script=spec.script,
            interpreter=spec.interpreter,
            timeout=spec.timeout,
        )
    ]


def build_env(spec: TaskSpec, values: dict[str, str], run_uid: str) -> dict[bytes, bytes]:
    """The host's environment, then the task's, its parameters and the run marker. Built as
    bytes, which Popen takes as they are (it would otherwise encode every variable of every
    run again)."""
    # os.environ keeps its encoded items in _data: a C-level copy instead of ~100 lookups
    env = dict(getattr(os.environ, "_data", None) or os.environb)
    extra = dict(spec.env)
    for name, value in values.items():
        extra[params_mod.env_name(name)] = value
    extra[RUN_MARKER_VAR] = run_uid
    extra["TASKRUN_TASK"] = spec.name
    env.update((os.fsencode(k), os.fsencode(v)) for k, v in extra.items())
    return env


def plan_steps(
    spec: TaskSpec, values: dict[str, str], run_uid: str, tmp_dir: Path
) -> list[PlannedStep]:
    planned: list[PlannedStep] = []
    single = not spec.steps
    for i, step in enumerate(_steps_of(spec)):
        timeout = spec.timeout if single else step.timeout
        item = PlannedStep(step.name, None, timeout, step.continue_on_error)
        if step.kind is TaskKind.COMMAND:
            try:
                item.argv = command_argv(step.command, step.shell, values)
            except ValueError as exc:
                item.error_type, item.error = ErrorType.INTERNAL, f"bad command: {exc}"
            if item.argv == []:
                item.argv, item.error_type, item.error = None, ErrorType.NOT_FOUND, "empty command"
        else:
            prefix = interpreter_argv(step.interpreter)
            if prefix is None:
                item.error_type = ErrorType.NOT_FOUND
                item.error = f"interpreter {step.interpreter!r} was not found"
            else:
                path = tmp_dir / f"{run_uid}-{i}{script_suffix(step.interpreter)}"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o700)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(step.script)
                item.script_file = path
                item.argv = [*prefix, str(path)]
        planned.append(item)
    return planned
