"""Checks a task definition before it is saved or imported; every problem names its field.

Every text field is refused when it holds a NUL byte (the OS takes argv, environment and
paths as C strings, so a run could never start) or when it is larger than its limit below."""

from __future__ import annotations

import math
import os
import re
import shlex
from dataclasses import dataclass

from taskrun_gui.core import nodes, notify_rules
from taskrun_gui.core.interpreters import interpreter_argv, line_argv, runs_command_lines
from taskrun_gui.core.limits import MAX_TIMEOUT, MIN_TIMEOUT
from taskrun_gui.core.models import Param, Step, TaskKind, TaskSpec
from taskrun_gui.core.params import MASK, env_name
from taskrun_gui.core.policy import log_cap_error
from taskrun_gui.core.text import not_text, shorten

MAX_NAME = 64  # characters of a task name
NAME_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9_.\-]{{0,{MAX_NAME - 1}}}$")
PARAM_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,255}$")

KIB = 1024
# sizes in UTF-8 bytes; a command stays below Linux's 128 KiB limit for one argument
MAX_COMMAND = 100 * KIB
MAX_SCRIPT = 1024 * KIB
MAX_ENV_VALUE = 32 * KIB  # an env value, and a parameter default (it becomes one)
MAX_ENV_TOTAL = 1024 * KIB  # every env name and value together
MAX_PATH = 4 * KIB  # cwd, interpreter
MAX_PROGRAMS = 4 * 1024 * KIB  # every command and script of a task together
# sizes in characters
MAX_DESCRIPTION = 10_000
MAX_TITLE = 200  # a task's display title
MAX_SHORT = 1_000  # a step name, a parameter's description, one of its choices
MAX_TAG = 64
MAX_SCHEDULE_TEXT = 200
# counts
MAX_ENV_VARS = 1_000
MAX_PARAMS = 100
MAX_CHOICES = 1_000
MAX_STEPS = 100
MAX_TAGS = 50


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def _bytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _text(field: str, value: str, limit: int, in_bytes: bool = True) -> list[FieldError]:
    """A NUL byte or a size over `limit` (UTF-8 bytes, or characters) in one text field."""
    if (problem := not_text(value)) is not None:
        return [FieldError(field, problem)]
    if len(value) <= limit and not (in_bytes and len(value) * 4 > limit):
        return []
    size = _bytes(value) if in_bytes else len(value)
    unit = "bytes" if in_bytes else "characters"
    if size <= limit:
        return []
    return [FieldError(field, f"is {size:,} {unit} long; at most {limit:,} {unit}")]


def _count(field: str, items: object, limit: int, what: str) -> list[FieldError]:
    n = len(items)  # type: ignore[arg-type]
    return [FieldError(field, f"has {n:,} {what}; at most {limit:,}")] if n > limit else []


def validate_name(name: str) -> str | None:
    if "\0" in name:
        return "contains a NUL byte"
    if not NAME_RE.match(name):
        hint = "; a title with spaces goes in the task's title" if " " in name.strip() else ""
        return (
            f"{shorten(name)!r} is not a valid name: use 1-64 letters, digits, '.', '_' or '-', "
            f"starting with a letter or digit{hint}"
        )
    return None


def _title_errors(title: str) -> list[FieldError]:
    """A title is free text on one line: it is shown in table cells, headings and terminals,
    so no control character (a terminal escape, a tab) nor a line or paragraph separator."""
    errors = _text("title", title, MAX_TITLE, in_bytes=False)
    if not errors and any(c in title for c in "\r\n\u2028\u2029"):
        errors.append(FieldError("title", "must be one line"))
    elif not errors and not all(c.isprintable() for c in title):
        errors.append(FieldError("title", "must be printable text (no control characters)"))
    elif not errors and title and not title.strip():
        errors.append(FieldError("title", "is only spaces: leave it empty to show the name"))
    return errors


def cwd_error(cwd: str) -> str | None:
    """Why a run could not start in `cwd`, checked as the runner uses it: `~` expanded
    (engine/runner.py), nothing else (a `$VAR` or a parameter is not substituted in a working
    directory, so it would be taken literally); empty means the home folder. A relative path is
    left alone: it is relative to wherever the host runs, which is not known at save time."""
    if not cwd or "\0" in cwd or not os.path.isabs(os.path.expanduser(cwd)):
        return None
    path = os.path.expanduser(cwd)
    if os.path.isdir(path):
        return None
    shown = repr(shorten(cwd, 300)) + ("" if path == cwd else f" (= {shorten(path, 300)})")
    what = "is not a folder" if os.path.exists(path) else "does not exist"
    return f"the working directory {shown} {what} on this machine"


def _check_program(prefix: str, step: Step, check_environment: bool) -> list[FieldError]:
    """The command or script of a task (prefix "") or of one of its steps ("steps[i].")."""
    errors: list[FieldError] = []
    interpreter = step.interpreter
    errors += _text(f"{prefix}interpreter", interpreter, MAX_PATH)
    if step.kind is TaskKind.COMMAND:
        errors += _text(f"{prefix}command", step.command, MAX_COMMAND)
        if not step.command.strip():
            errors.append(FieldError(f"{prefix}command", "the command is empty"))
        elif not step.shell and "\0" not in step.command:
            try:
                shlex.split(step.command)
            except ValueError as exc:
                errors.append(FieldError(f"{prefix}command", f"cannot split into argv: {exc}"))
    else:
        errors += _text(f"{prefix}script", step.script, MAX_SCRIPT)
        if not step.script.strip():
            errors.append(FieldError(f"{prefix}script", "the script is empty"))
    needs_interpreter = step.kind is TaskKind.SCRIPT or step.shell
    if not needs_interpreter or "\0" in interpreter:
        return errors
    field = f"{prefix}interpreter"
    if not interpreter.strip():
        errors.append(FieldError(field, "no interpreter given"))
    elif step.kind is TaskKind.COMMAND and not runs_command_lines(interpreter):
        errors.append(
            FieldError(
                field,
                f"{shorten(interpreter)!r} cannot run a command line: use sh, bash or another "
                "shell, python, node or pwsh (a name or a path), or make this a script",
            )
        )
    elif check_environment and _missing(step.kind, interpreter):
        errors.append(FieldError(field, f"interpreter {shorten(interpreter)!r} was not found"))
    return errors


def _missing(kind: TaskKind, interpreter: str) -> bool:
    if kind is TaskKind.SCRIPT:
        return interpreter_argv(interpreter) is None
    return line_argv(interpreter, "") is None


MAX_BACKOFF = 86_400
PRIORITY_RANGE = (-1000, 1000)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_timeout(field: str, value: float | None) -> list[FieldError]:
    if value is None:
        return []
    if not _is_number(value) or not MIN_TIMEOUT <= value <= MAX_TIMEOUT:
        return [
            FieldError(
                field,
                f"must be a number of seconds from {MIN_TIMEOUT} to {MAX_TIMEOUT}, "
                f"not {shorten(repr(value))}",
            )
        ]
    return []


def _as_step(spec: TaskSpec) -> Step:
    return Step(
        name=spec.name,
        kind=spec.kind,
        command=spec.command,
        shell=spec.shell,
        script=spec.script,
        interpreter=spec.interpreter,
    )


def _program_errors(spec: TaskSpec, check_environment: bool) -> list[FieldError]:
    if not spec.steps:
        return _check_program("", _as_step(spec), check_environment)
    errors = _count("steps", spec.steps, MAX_STEPS, "steps")
    for i, step in enumerate(spec.steps[:MAX_STEPS], start=1):
        prefix = f"steps[{i}]."
        errors += _text(f"{prefix}name", step.name, MAX_SHORT, in_bytes=False)
        if not step.name.strip():
            errors.append(FieldError(f"{prefix}name", "a step needs a name"))
        errors += _check_program(prefix, step, check_environment)
        errors += _check_timeout(f"{prefix}timeout", step.timeout)
    total = sum(_bytes(s.command) + _bytes(s.script) for s in spec.steps[:MAX_STEPS])
    if total > MAX_PROGRAMS:
        errors.append(
            FieldError(
                "steps",
                f"the commands and scripts of all steps are {total:,} bytes; "
                f"at most {MAX_PROGRAMS:,} bytes together",
            )
        )
    return errors


def cwd_to_check(saved: TaskSpec, edited: TaskSpec) -> bool:
    """Whether an edit sets the working directory on this machine: a new folder, or a task
    that ran elsewhere (its targets) now runs here."""
    return edited.cwd != saved.cwd or (bool(saved.targets) and not edited.targets)


def validate_task(
    spec: TaskSpec, check_environment: bool = True, check_cwd: bool = True
) -> list[FieldError]:
    """Every problem with `spec`; empty when it can be saved. `check_environment` also checks
    that interpreters exist on this machine, and with `check_cwd` that its working directory
    does: only when it is being set (a folder gone since must not block other edits; an
    imported definition comes from another machine). A task that runs on other hosts (its
    targets) is not held to this machine's folders and programs: the target says what it
    lacks when the run starts there."""
    check_environment = check_environment and not spec.targets
    errors: list[FieldError] = []
    if (msg := validate_name(spec.name)) is not None:
        errors.append(FieldError("name", msg))
    errors += _title_errors(spec.title)
    errors += _text("description", spec.description, MAX_DESCRIPTION, in_bytes=False)
    errors += _text("cwd", spec.cwd, MAX_PATH)
    if check_environment and check_cwd and (problem := cwd_error(spec.cwd)):
        errors.append(FieldError("cwd", problem))
    errors += _program_errors(spec, check_environment)
    errors += _check_timeout("timeout", spec.timeout)
    if not isinstance(spec.retries, int) or not 0 <= spec.retries <= 100:
        errors.append(FieldError("retries", f"must be a whole number 0-100, not {spec.retries!r}"))
    if not _is_number(spec.retry_backoff) or not 0 <= spec.retry_backoff <= MAX_BACKOFF:
        errors.append(FieldError("retry_backoff", f"must be from 0 to {MAX_BACKOFF} seconds"))
    if not isinstance(spec.max_concurrent, int) or not 1 <= spec.max_concurrent <= 1000:
        errors.append(FieldError("max_concurrent", "must be a whole number 1-1000"))
    low, high = PRIORITY_RANGE
    if type(spec.priority) is not int or not low <= spec.priority <= high:
        errors.append(FieldError("priority", f"must be a whole number from {low} to {high}"))
    if spec.log_cap_bytes is not None and (problem := log_cap_error(spec.log_cap_bytes)):
        errors.append(FieldError("log_cap_bytes", problem))  # None: the data dir's cap
    errors += _env_errors(spec.env)
    errors += _params_errors(spec.params)
    errors += _tags_errors(spec.tags)
    errors += _targets_errors(spec.targets)
    if spec.node and spec.node != nodes.ANY_NODE and (problem := nodes.check_name(spec.node)):
        errors.append(FieldError("node", problem))
    errors += _schedule_errors(spec)
    errors += _alert_errors(spec)
    return errors


MAX_GRACE = 3650 * 86_400  # as long as the longest --every


def _alert_errors(spec: TaskSpec) -> list[FieldError]:
    """The notify and then rules read (core.notify_rules), and a grace time in range."""
    errors = [FieldError(f, m) for f, m in notify_rules.rule_errors(spec.notify, spec.then)]
    grace = spec.grace_seconds
    if grace is not None and (type(grace) is not int or not 0 <= grace <= MAX_GRACE):
        errors.append(FieldError("grace_seconds", f"must be 0 to {MAX_GRACE} seconds"))
    return errors


def _env_errors(env: dict[str, str]) -> list[FieldError]:
    errors = _count("env", env, MAX_ENV_VARS, "variables")
    for key, value in env.items():
        if "\0" in key:
            errors.append(FieldError("env", f"the name {shorten(key)!r} contains a NUL byte"))
        elif not ENV_RE.match(key):
            errors.append(
                FieldError(
                    "env",
                    f"{shorten(key)!r} is not a valid environment variable name: use letters, "
                    "digits and '_', not starting with a digit, at most 256",
                )
            )
        else:
            errors += _text(f"env.{key}", value, MAX_ENV_VALUE)
    total = sum(_bytes(k) + _bytes(v) for k, v in env.items())
    if total > MAX_ENV_TOTAL:
        errors.append(
            FieldError("env", f"is {total:,} bytes in all; at most {MAX_ENV_TOTAL:,} bytes")
        )
    return errors


def _params_errors(params: list[Param]) -> list[FieldError]:
    errors = _count("params", params, MAX_PARAMS, "parameters")
    seen: dict[str, str] = {}  # environment variable -> the parameter that has it
    for i, p in enumerate(params, start=1):
        where = f"params[{i}]"
        var = env_name(p.name)
        if "\0" in p.name:
            errors.append(FieldError(f"{where}.name", "contains a NUL byte"))
        elif not PARAM_RE.match(p.name):
            errors.append(
                FieldError("params", f"{shorten(p.name)!r} is not a valid parameter name")
            )
        elif seen.get(var) == p.name:
            errors.append(FieldError("params", f"parameter {p.name!r} is declared twice"))
        elif var in seen:  # p and P: one variable, one of the values would be lost
            other = seen[var]
            errors.append(
                FieldError("params", f"parameters {other!r} and {p.name!r} would share {var}")
            )
        seen.setdefault(var, p.name)
        if p.default is not None:
            errors += _text(f"{where}.default", p.default, MAX_ENV_VALUE)
        errors += _text(f"{where}.description", p.description, MAX_SHORT, in_bytes=False)
        errors += _count(f"{where}.choices", p.choices, MAX_CHOICES, "choices")
        for j, choice in enumerate(p.choices[:MAX_CHOICES], start=1):
            errors += _text(f"{where}.choices[{j}]", choice, MAX_SHORT, in_bytes=False)
        # a secret default reading MASK stands for the one the task has (the task store puts
        # it back on save), which was checked against the choices when it was set
        hidden = p.secret and p.default == MASK
        if p.choices and p.default is not None and p.default not in p.choices and not hidden:
            name = shorten(p.name)
            errors.append(FieldError("params", f"default of {name!r} is not one of its choices"))
    return errors


def _tags_errors(tags: list[str]) -> list[FieldError]:
    errors = _count("tags", tags, MAX_TAGS, "tags")
    for tag in tags:
        if "\0" in tag:
            errors.append(FieldError("tags", f"the tag {shorten(tag)!r} contains a NUL byte"))
        elif not tag.strip() or "," in tag or len(tag) > MAX_TAG:
            errors.append(
                FieldError(
                    "tags", f"{shorten(tag)!r} is not a valid tag: 1-{MAX_TAG} characters, no ','"
                )
            )
        elif not tag.isprintable():  # a newline splits a listing, an escape drives a terminal
            errors.append(FieldError("tags", f"the tag {shorten(tag)!r} must be printable text"))
    return errors


def _targets_errors(targets: list[str]) -> list[FieldError]:
    """The words only: whether they name hosts of the inventory is checked where it is read
    (hosts.check_targets, at save)."""
    from taskrun_gui.core.hosts import LOCAL, target_syntax_error

    errors = _count("targets", targets, MAX_TAGS, "targets")
    for target in targets:
        if not isinstance(target, str):
            errors.append(FieldError("targets", f"{target!r} is not a host name or tag:T"))
        elif target == LOCAL:
            errors.append(FieldError("targets", f"{LOCAL!r}: no targets already means here"))
        elif (problem := target_syntax_error(target)) is not None:
            errors.append(FieldError("targets", problem))
    return errors


def _schedule_errors(spec: TaskSpec) -> list[FieldError]:
    from taskrun_gui.core import schedule

    errors: list[FieldError] = []
    for field, value in (("schedule.cron", spec.schedule.cron), ("schedule.at", spec.schedule.at)):
        if isinstance(value, str):
            errors += _text(field, value, MAX_SCHEDULE_TEXT, in_bytes=False)
    if errors:  # the schedule parser would echo (or choke on) such a value
        return errors
    return [FieldError("schedule", m) for m in schedule.validate_schedule(spec.schedule)]
