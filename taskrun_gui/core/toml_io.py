"""Tasks as TOML files: export writes one file per task; import checks every field of every
file first and reports each problem by file and field, so a bad import writes nothing.

A file never holds a secret: a secret parameter's default reads "***" (params.MASK), which
the task store takes as "the default this task has" when the file is imported over it."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from taskrun_gui.core.interpreters import COMMAND_INTERPRETER
from taskrun_gui.core.models import (
    MissedPolicy,
    OverlapPolicy,
    Param,
    Schedule,
    Step,
    TaskKind,
    TaskSpec,
)
from taskrun_gui.core.params import MASK, masked_spec, secret_defaults
from taskrun_gui.core.text import shorten
from taskrun_gui.core.validation import validate_task

MAX_FILE_BYTES = 8 * 1024 * 1024  # a task at every size limit of validation fits
SECRET_NOTE = (
    f'# "{MASK}" stands for a secret default, which is never written to a file. Importing\n'
    "# this file over the same task (task import --replace) keeps the default it has.\n"
)


class TomlImportError(ValueError):
    """Every problem found, one line each: 'FILE: FIELD: problem'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def spec_to_toml(spec: TaskSpec) -> str:
    """The file form of a task, also what `task show` prints: secret defaults masked, and no
    interpreter for a command run without a shell (nothing interprets it)."""
    data = _drop_none(masked_spec(spec).to_dict())
    if not spec.steps:
        data.pop("steps", None)
    if not spec.schedule.is_set:
        data.pop("schedule", None)
    if not spec.title:
        data.pop("title", None)  # files of untitled tasks read as they always did
    if not spec.targets:
        data.pop("targets", None)  # nor do those of tasks that run here
    for part in (data, *data.get("steps", [])):
        if part.get("kind") == TaskKind.COMMAND and not part.get("shell", True):
            part.pop("interpreter", None)
    note = SECRET_NOTE if secret_defaults(spec.params) else ""
    return note + str(tomli_w.dumps(data, multiline_strings=True))


def write_task_file(path: Path, text: str) -> None:
    """Write an exported task readable by its owner only (0600, whatever the umask): a
    definition can hold tokens in its env or command even when its secrets are masked."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
    except OSError:
        os.close(fd)
        raise
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)


def read_task_file(path: Path) -> str:
    """The text of a task file; a file over MAX_FILE_BYTES is refused before it is read
    whole or parsed (TomlImportError naming the file and the limit)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TomlImportError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise TomlImportError([f"{path}: larger than {limit} MiB, the limit for a task file"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlImportError([f"{path}: cannot read: not UTF-8 text ({exc.reason})"]) from None


def file_name_for(spec: TaskSpec) -> str:
    return f"{spec.name}.toml"


@dataclass
class _Checker:
    source: str
    problems: list[str]

    def bad(self, field: str, message: str) -> None:
        self.problems.append(f"{self.source}: {field}: {message}")

    def take(self, data: dict[str, Any], cls: type, field: str) -> dict[str, Any]:
        """Keep known keys of a dataclass with the right types; report the rest."""
        out: dict[str, Any] = {}
        fields = {f.name: f for f in dataclasses.fields(cls)}
        for key, value in data.items():
            where = f"{field}{key}"
            if key not in fields:
                self.bad(shorten(where), "unknown field")
                continue
            expected = str(fields[key].type)
            if not _type_ok(value, expected):
                got = f"{type(value).__name__} {shorten(repr(value))}"
                self.bad(where, f"expected {expected}, got {got}")
                continue
            out[key] = value
        return out


def _type_ok(value: Any, expected: str) -> bool:
    if "float" in expected and isinstance(value, int | float) and not isinstance(value, bool):
        return True
    checks: list[tuple[str, type | tuple[type, ...]]] = [
        ("bool", bool),
        ("int", int),
        ("str", str),
        ("list", list),
        ("dict", dict),
    ]
    for word, typ in checks:
        named = expected.startswith(word) or f"| {word}" in expected or f"{word} |" in expected
        if named and isinstance(value, typ) and not (typ is int and isinstance(value, bool)):
            return True
    # nested dataclasses and enums arrive as tables and strings
    if expected in ("TaskKind", "OverlapPolicy", "MissedPolicy"):
        return isinstance(value, str)
    if expected == "Schedule":
        return isinstance(value, dict)
    return False


def _enum(chk: _Checker, field: str, cls: type[Any], value: Any) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        chk.bad(field, f"{shorten(repr(value))} is not one of {allowed}")
        return None


def _interpreter_for(values: dict[str, Any]) -> str:
    """The interpreter of a task or step whose file names none: a command line runs under sh
    (as `task add --command` does), a script under bash (the model's default)."""
    kind = values.get("kind") or TaskKind.COMMAND
    return COMMAND_INTERPRETER if kind is TaskKind.COMMAND else TaskSpec.interpreter


def _check_log_cap_type(chk: _Checker, data: dict[str, Any]) -> None:
    """A log cap that is not a whole number is told in the user's terms (validate_task checks
    the size of one that is); the value is then dropped so it is not reported twice."""
    value = data.get("log_cap_bytes")
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return
    got = f"{type(value).__name__} {shorten(repr(value))}"
    chk.bad(
        "log_cap_bytes",
        f"must be a whole number of bytes (0: no cap; leave it out for the data dir's cap), "
        f"not {got}",
    )
    del data["log_cap_bytes"]


def parse_task(text: str, source: str, check_environment: bool = True) -> TaskSpec:
    """Parse and validate one task file; raises TomlImportError listing every problem."""
    chk = _Checker(source, [])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlImportError([f"{source}: not valid TOML: {exc}"]) from None
    _check_log_cap_type(chk, data)
    values = chk.take(data, TaskSpec, "")
    if "name" not in values:
        chk.bad("name", "missing")
    if "kind" in values:
        values["kind"] = _enum(chk, "kind", TaskKind, values["kind"])
    values["env"] = {str(k): str(v) for k, v in dict(values.get("env", {})).items()}
    params = []
    for i, p in enumerate(values.get("params", [])):
        if not isinstance(p, dict):
            chk.bad(f"params[{i + 1}]", "must be a table")
            continue
        params.append(Param(**{"name": "", **chk.take(p, Param, f"params[{i + 1}].")}))
    values["params"] = params
    steps = []
    for i, s in enumerate(values.get("steps", [])):
        if not isinstance(s, dict):
            chk.bad(f"steps[{i + 1}]", "must be a table")
            continue
        step = chk.take(s, Step, f"steps[{i + 1}].")
        if "kind" in step:
            step["kind"] = _enum(chk, f"steps[{i + 1}].kind", TaskKind, step["kind"])
        steps.append(Step(**{"name": "", "interpreter": _interpreter_for(step), **step}))
    values["steps"] = steps
    sched = chk.take(values.get("schedule", {}), Schedule, "schedule.")
    if "overlap" in sched:
        sched["overlap"] = _enum(chk, "schedule.overlap", OverlapPolicy, sched["overlap"])
    if "missed" in sched:
        sched["missed"] = _enum(chk, "schedule.missed", MissedPolicy, sched["missed"])
    values["schedule"] = Schedule(**sched)
    if chk.problems:
        raise TomlImportError(chk.problems)
    spec = TaskSpec(**{"interpreter": _interpreter_for(values), **values})
    for err in validate_task(spec, check_environment=check_environment):
        chk.bad(err.field, err.message)
    if chk.problems:
        raise TomlImportError(chk.problems)
    return spec


def read_tasks(path: Path, check_environment: bool = True) -> list[TaskSpec]:
    """All tasks of a file or a folder of *.toml files, validated together: either every
    task is good, or TomlImportError lists every problem (and nothing should be written)."""
    return [spec for _file, spec in read_task_files(path, check_environment)]


def read_task_files(path: Path, check_environment: bool = True) -> list[tuple[Path, TaskSpec]]:
    """read_tasks with the file each task came from, for messages that name it."""
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise TomlImportError([f"{path}: no .toml files found"])
    problems: list[str] = []
    read: list[tuple[Path, TaskSpec]] = []
    for f in files:
        try:
            read.append((f, parse_task(read_task_file(f), str(f), check_environment)))
        except TomlImportError as exc:
            problems += exc.problems
    names = [s.name for _f, s in read]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path}: name: task {name!r} is defined in more than one file")
    if problems:
        raise TomlImportError(problems)
    return read
