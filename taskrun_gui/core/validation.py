"""Checks a task definition before it is saved or imported; every problem names its field."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from taskrun_gui.core.interpreters import interpreter_argv
from taskrun_gui.core.models import TaskKind, TaskSpec

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def validate_name(name: str) -> str | None:
    if not NAME_RE.match(name):
        return (
            f"{name!r} is not a valid name: use 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    return None


def _check_program(
    prefix: str,
    kind: TaskKind,
    command: str,
    shell: bool,
    script: str,
    interpreter: str,
    check_environment: bool,
) -> list[FieldError]:
    errors: list[FieldError] = []
    if kind is TaskKind.COMMAND:
        if not command.strip():
            errors.append(FieldError(f"{prefix}command", "the command is empty"))
        elif not shell:
            try:
                shlex.split(command)
            except ValueError as exc:
                errors.append(FieldError(f"{prefix}command", f"cannot split into argv: {exc}"))
    else:
        if not script.strip():
            errors.append(FieldError(f"{prefix}script", "the script is empty"))
        if not interpreter.strip():
            errors.append(FieldError(f"{prefix}interpreter", "no interpreter given"))
        elif check_environment and interpreter_argv(interpreter) is None:
            errors.append(
                FieldError(f"{prefix}interpreter", f"interpreter {interpreter!r} was not found")
            )
    return errors


def _check_timeout(field: str, value: float | None) -> list[FieldError]:
    if value is None:
        return []
    if not isinstance(value, int | float) or value <= 0:
        return [FieldError(field, f"must be a positive number of seconds, not {value!r}")]
    return []


def validate_task(spec: TaskSpec, check_environment: bool = True) -> list[FieldError]:
    """Every problem with `spec`; empty when it can be saved. `check_environment` also checks
    that interpreters exist on this machine."""
    errors: list[FieldError] = []
    if (msg := validate_name(spec.name)) is not None:
        errors.append(FieldError("name", msg))
    if not spec.steps:
        errors += _check_program(
            "",
            spec.kind,
            spec.command,
            spec.shell,
            spec.script,
            spec.interpreter,
            check_environment,
        )
    for i, step in enumerate(spec.steps, start=1):
        prefix = f"steps[{i}]."
        if not step.name.strip():
            errors.append(FieldError(f"{prefix}name", "a step needs a name"))
        errors += _check_program(
            prefix,
            step.kind,
            step.command,
            step.shell,
            step.script,
            step.interpreter,
            check_environment,
        )
        errors += _check_timeout(f"{prefix}timeout", step.timeout)
    errors += _check_timeout("timeout", spec.timeout)
    if not isinstance(spec.retries, int) or not 0 <= spec.retries <= 100:
        errors.append(FieldError("retries", f"must be a whole number 0-100, not {spec.retries!r}"))
    if not isinstance(spec.retry_backoff, int | float) or spec.retry_backoff < 0:
        errors.append(FieldError("retry_backoff", "must be zero or more seconds"))
    if not isinstance(spec.max_concurrent, int) or not 1 <= spec.max_concurrent <= 1000:
        errors.append(FieldError("max_concurrent", "must be a whole number 1-1000"))
    if not isinstance(spec.priority, int):
        errors.append(FieldError("priority", "must be a whole number"))
    for key in spec.env:
        if not ENV_RE.match(key):
            errors.append(FieldError("env", f"{key!r} is not a valid environment variable name"))
    seen: set[str] = set()
    for p in spec.params:
        if not PARAM_RE.match(p.name):
            errors.append(FieldError("params", f"{p.name!r} is not a valid parameter name"))
        elif p.name in seen:
            errors.append(FieldError("params", f"parameter {p.name!r} is declared twice"))
        seen.add(p.name)
        if p.choices and p.default is not None and p.default not in p.choices:
            errors.append(FieldError("params", f"default of {p.name!r} is not one of its choices"))
    for tag in spec.tags:
        if not tag.strip() or "," in tag:
            errors.append(FieldError("tags", f"{tag!r} is not a valid tag"))
    errors += _schedule_errors(spec)
    return errors


def _schedule_errors(spec: TaskSpec) -> list[FieldError]:
    from taskrun_gui.core import schedule

    return [FieldError("schedule", m) for m in schedule.validate_schedule(spec.schedule)]
