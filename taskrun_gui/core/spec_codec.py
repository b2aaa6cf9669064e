"""The one way a TaskSpec is read from plain data: a task file's table (core.toml_io) and a
row's stored JSON (storage.tasks_repo) go through `spec_from_data`, which checks every field
against the dataclasses and reports each problem by its path ('steps[2].kind: ...'), all of
them at once, so a bad file or a damaged row names what is wrong instead of a TypeError.

The two sources differ in one thing only: a file with a field TaskRun does not know is a
mistake to report (`unknown="report"`), a stored row's is ignored (`unknown="ignore"`: a
definition written before a field was dropped still loads). Writing is `to_data`, the
dataclasses as dicts, which reads back to an equal spec."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Literal

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
from taskrun_gui.core.text import shorten

Unknown = Literal["report", "ignore"]


class SpecDecodeError(ValueError):
    """Every problem found, one line each: 'SOURCE: FIELD: problem'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def to_data(spec: TaskSpec) -> dict[str, Any]:
    """The spec as plain data (what a row keeps as JSON)."""
    return dataclasses.asdict(spec)


@dataclass
class _Checker:
    source: str
    problems: list[str]
    unknown: Unknown

    def bad(self, field: str, message: str) -> None:
        self.problems.append(f"{self.source}: {field}: {message}")

    def take(self, data: dict[str, Any], cls: type, field: str) -> dict[str, Any]:
        """Keep known keys of a dataclass with the right types; report the rest."""
        out: dict[str, Any] = {}
        fields = _field_types(cls)
        for key, value in data.items():
            expected = fields.get(key)
            if expected is None:
                if self.unknown == "report":
                    self.bad(shorten(f"{field}{key}"), "unknown field")
                continue
            kind: type = type(value)
            if not _type_ok(kind, expected):
                where = f"{field}{key}"
                got = f"{type(value).__name__} {shorten(repr(value))}"
                self.bad(where, f"expected {expected}, got {got}")
                continue
            if (odd := _not_text(value, expected)) is not None:
                # tags = [1] crashed validation; env A = {B = 1} ran as "{'B': 1}"
                where, item = f"{field}{key}{odd[0]}", odd[1]
                self.bad(
                    where, f"expected a string, got {type(item).__name__} {shorten(repr(item))}"
                )
                continue
            out[key] = value
        return out

    def table(self, value: Any, field: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.bad(field, "must be a table")
        return None


def _not_text(value: Any, expected: str) -> tuple[str, Any] | None:
    """The first item of a list[str] or value of a dict[str, str] that is not a string, as
    (where, item); None when all are."""
    if expected.startswith("list[str]") and isinstance(value, list):
        for i, item in enumerate(value):
            if not isinstance(item, str):
                return f"[{i + 1}]", item
    if expected.startswith("dict[str, str]") and isinstance(value, dict):
        for k, item in value.items():
            if not isinstance(item, str):
                return f".{shorten(str(k))}", item
    return None


@cache
def _field_types(cls: type) -> dict[str, str]:
    """A dataclass's field names and their annotations as text ('float | None')."""
    return {f.name: str(f.type) for f in dataclasses.fields(cls)}


@lru_cache(maxsize=1024)
def _type_ok(kind: type, expected: str) -> bool:
    """A value of type `kind` may fill a field annotated `expected` (by the value's exact
    type, so the answer is cached: every row of a task listing is checked)."""
    if kind is type(None):
        return "None" in expected  # a row keeps unset optional fields as null
    if "float" in expected and kind in (int, float):
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
        if named and issubclass(kind, typ) and not (typ is int and issubclass(kind, bool)):
            return True
    # nested dataclasses and enums arrive as tables and strings
    if expected in ("TaskKind", "OverlapPolicy", "MissedPolicy"):
        return issubclass(kind, str)
    if expected == "Schedule":
        return issubclass(kind, dict)
    return False


def _enum(chk: _Checker, field: str, cls: type[Any], value: Any) -> Any:
    try:
        return cls(value)
    except ValueError:
        allowed = ", ".join(str(m.value) for m in cls)
        chk.bad(field, f"{shorten(repr(value))} is not one of {allowed}")
        return None


def _interpreter_for(values: dict[str, Any]) -> str:
    """The interpreter of a task or step that names none: a command line runs under sh (as
    `task add --command` does), a script under bash (the model's default)."""
    kind = values.get("kind") or TaskKind.COMMAND
    return COMMAND_INTERPRETER if kind is TaskKind.COMMAND else TaskSpec.interpreter


def _check_log_cap_type(chk: _Checker, data: dict[str, Any]) -> None:
    """A log cap that is not a whole number is told in the user's terms (validation checks
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


def _params(chk: _Checker, items: list[Any]) -> list[Param]:
    params = []
    for i, p in enumerate(items):
        if (table := chk.table(p, f"params[{i + 1}]")) is not None:
            params.append(Param(**{"name": "", **chk.take(table, Param, f"params[{i + 1}].")}))
    return params


def _steps(chk: _Checker, items: list[Any]) -> list[Step]:
    steps = []
    for i, s in enumerate(items):
        if (table := chk.table(s, f"steps[{i + 1}]")) is None:
            continue
        step = chk.take(table, Step, f"steps[{i + 1}].")
        if "kind" in step:
            step["kind"] = _enum(chk, f"steps[{i + 1}].kind", TaskKind, step["kind"])
        steps.append(Step(**{"name": "", "interpreter": _interpreter_for(step), **step}))
    return steps


def _schedule(chk: _Checker, data: dict[str, Any]) -> Schedule:
    sched = chk.take(data, Schedule, "schedule.")
    if "overlap" in sched:
        sched["overlap"] = _enum(chk, "schedule.overlap", OverlapPolicy, sched["overlap"])
    if "missed" in sched:
        sched["missed"] = _enum(chk, "schedule.missed", MissedPolicy, sched["missed"])
    return Schedule(**sched)


def spec_from_data(data: dict[str, Any], source: str, unknown: Unknown = "report") -> TaskSpec:
    """The spec of a task's plain data; raises SpecDecodeError listing every problem, each
    prefixed with `source` (a file name, "task 3 version 2"). The types are checked, the
    values are not (core.validation does that where a definition comes in)."""
    chk = _Checker(source, [], unknown)
    data = dict(data)
    _check_log_cap_type(chk, data)
    values = chk.take(data, TaskSpec, "")
    if "name" not in values:
        chk.bad("name", "missing")
    if "kind" in values:
        values["kind"] = _enum(chk, "kind", TaskKind, values["kind"])
    values["env"] = {str(k): str(v) for k, v in dict(values.get("env") or {}).items()}
    values["tags"] = list(values.get("tags") or [])
    values["params"] = _params(chk, values.get("params") or [])
    values["steps"] = _steps(chk, values.get("steps") or [])
    values["schedule"] = _schedule(chk, values.get("schedule") or {})
    if chk.problems:
        raise SpecDecodeError(chk.problems)
    return TaskSpec(**{"interpreter": _interpreter_for(values), **values})
