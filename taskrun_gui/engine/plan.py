"""What a run executes: one program per step, with its argv, environment and timeout.

Nothing here raises for a bad definition: a step that cannot be built carries its error, and
the run ends as `error` with that message (validation refuses such definitions, but a stored
one may predate a check, or have been written by hand)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.interpreters import command_argv, interpreter_argv, script_suffix
from taskrun_gui.core.models import ErrorType, Step, TaskKind, TaskSpec
from taskrun_gui.core.text import shorten
from taskrun_gui.monitor.proctree import RUN_MARKER_VAR
from taskrun_gui.storage import db_url, fallback_dirs

DB_VAR = os.fsencode(db_url.ENV)


@dataclass
class PlannedStep:
    name: str
    argv: list[str] | None  # None: could not be built (see error)
    timeout: float | None
    continue_on_error: bool
    error_type: ErrorType | None = None
    error: str | None = None
    script_file: Path | None = None
    remote_script: tuple[str, str] | None = None  # on another machine: (suffix, body)


def steps_of(spec: TaskSpec) -> list[Step]:
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
    if (url := env.get(DB_VAR)) is not None:  # the history's password is not the task's
        public = db_url.without_password(os.fsdecode(url))
        if public is None:
            del env[DB_VAR]
        else:
            env[DB_VAR] = os.fsencode(public)
    return env


NUL = "contains a NUL byte"


def unusable(spec: TaskSpec, values: dict[str, str]) -> str | None:
    """What of the whole task the OS cannot take: a NUL byte (argv, paths and the
    environment are C strings), an environment name that is empty or holds '='."""
    for key, value in spec.env.items():
        if not key or "=" in key or "\0" in key:
            return f"env: {shorten(key)!r} is not a valid environment variable name"
        if "\0" in value:
            return f"env.{key}: {NUL}"
    for name, value in values.items():
        if "\0" in name or "\0" in value:
            return f"parameter {shorten(name)!r}: {NUL}"
    for field, value in (("name", spec.name), ("cwd", spec.cwd)):
        if "\0" in value:
            return f"{field}: {NUL}"
    return None


def step_unusable(step: Step, prefix: str) -> str | None:
    for field in ("command", "script", "interpreter"):
        if "\0" in getattr(step, field):
            return f"{prefix}{field}: {NUL}"
    return None


def _plan_command(item: PlannedStep, step: Step, values: dict[str, str]) -> None:
    try:
        item.argv = command_argv(step.command, step.shell, values, step.interpreter)
    except ValueError as exc:
        item.error_type, item.error = ErrorType.INTERNAL, f"bad command: {exc}"
        return
    if item.argv is None:
        item.error_type = ErrorType.NOT_FOUND
        item.error = f"interpreter {shorten(step.interpreter)!r} was not found"
    elif item.argv == []:
        item.argv, item.error_type, item.error = None, ErrorType.NOT_FOUND, "empty command"


def _plan_script(item: PlannedStep, step: Step, path: Path) -> None:
    prefix = interpreter_argv(step.interpreter)
    if prefix is None:
        item.error_type = ErrorType.NOT_FOUND
        item.error = f"interpreter {shorten(step.interpreter)!r} was not found"
        return
    try:
        text = step.script.encode()
    except ValueError as exc:  # a lone surrogate
        item.error_type, item.error = ErrorType.INTERNAL, f"cannot write the script file: {exc}"
        return
    fallback = fallback_dirs.fallback_dir(path.parent.parent, "tmp")
    for where in (path, fallback / path.name):  # the data dir's disk may be full
        if where.parent == fallback and not fallback_dirs.private_dir(fallback):
            break
        try:
            _write_private(where, text)
        except OSError as exc:
            item.error_type, item.error = ErrorType.INTERNAL, f"cannot write the script file: {exc}"
            continue
        item.error_type = item.error = None
        item.script_file = where
        item.argv = [*prefix, str(where)]
        return


def _write_private(path: Path, data: bytes) -> None:
    """A script for its interpreter to read: 0600, nobody else's to read or run."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    os.close(fd)


StepPlanner = Callable[[PlannedStep, Step, int], None]  # fills in one step's argv


def plan_each(
    spec: TaskSpec, values: dict[str, str], plan_one: StepPlanner, whole: str | None = None
) -> list[PlannedStep]:
    """Every step of `spec`, planned by `plan_one` unless the definition cannot run (`whole`:
    a reason of the caller's that applies to the whole task)."""
    planned: list[PlannedStep] = []
    single = not spec.steps
    whole = unusable(spec, values) or whole
    for i, step in enumerate(steps_of(spec)):
        timeout = spec.timeout if single else step.timeout
        item = PlannedStep(step.name, None, timeout, step.continue_on_error)
        bad = whole or step_unusable(step, "" if single else f"steps[{i + 1}].")
        if bad is not None:
            item.error_type = ErrorType.INTERNAL
            item.error = f"the task definition cannot run: {bad}"
        else:
            plan_one(item, step, i)
        planned.append(item)
    return planned


def plan_steps(
    spec: TaskSpec, values: dict[str, str], run_uid: str, tmp_dir: Path
) -> list[PlannedStep]:
    def plan_one(item: PlannedStep, step: Step, i: int) -> None:
        if step.kind is TaskKind.COMMAND:
            _plan_command(item, step, values)
        else:
            _plan_script(item, step, tmp_dir / f"{run_uid}-{i}{script_suffix(step.interpreter)}")

    return plan_each(spec, values, plan_one)
