"""Tasks as TOML files: export writes one file per task; import checks every field of every
file first and reports each problem by file and field, so a bad import writes nothing."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from taskrun_gui.core.models import (
    MissedPolicy,
    OverlapPolicy,
    Param,
    Schedule,
    Step,
    TaskKind,
    TaskSpec,
)
from taskrun_gui.core.validation import validate_task


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
    data = _drop_none(spec.to_dict())
    if not spec.steps:
        data.pop("steps", None)
    if not spec.schedule.is_set:
        data.pop("schedule", None)
    return str(tomli_w.dumps(data, multiline_strings=True))


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
                self.bad(where, "unknown field")
                continue
            expected = str(fields[key].type)
            if not _type_ok(value, expected):
                self.bad(where, f"expected {expected}, got {type(value).__name__} {value!r}")
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
        chk.bad(field, f"{value!r} is not one of {allowed}")
        return None


def parse_task(text: str, source: str, check_environment: bool = True) -> TaskSpec:
    """Parse and validate one task file; raises TomlImportError listing every problem."""
    chk = _Checker(source, [])
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlImportError([f"{source}: not valid TOML: {exc}"]) from None
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
        params.append(Param(**chk.take(p, Param, f"params[{i + 1}].")))
    values["params"] = params
    steps = []
    for i, s in enumerate(values.get("steps", [])):
        if not isinstance(s, dict):
            chk.bad(f"steps[{i + 1}]", "must be a table")
            continue
        step = chk.take(s, Step, f"steps[{i + 1}].")
        if "kind" in step:
            step["kind"] = _enum(chk, f"steps[{i + 1}].kind", TaskKind, step["kind"])
        steps.append(Step(**{"name": "", **step}))
    values["steps"] = steps
    sched = chk.take(values.get("schedule", {}), Schedule, "schedule.")
    if "overlap" in sched:
        sched["overlap"] = _enum(chk, "schedule.overlap", OverlapPolicy, sched["overlap"])
    if "missed" in sched:
        sched["missed"] = _enum(chk, "schedule.missed", MissedPolicy, sched["missed"])
    values["schedule"] = Schedule(**sched)
    if chk.problems:
        raise TomlImportError(chk.problems)
    spec = TaskSpec(**values)
    for err in validate_task(spec, check_environment=check_environment):
        chk.bad(err.field, err.message)
    if chk.problems:
        raise TomlImportError(chk.problems)
    return spec


def read_tasks(path: Path, check_environment: bool = True) -> list[TaskSpec]:
    """All tasks of a file or a folder of *.toml files, validated together: either every
    task is good, or TomlImportError lists every problem (and nothing should be written)."""
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise TomlImportError([f"{path}: no .toml files found"])
    problems: list[str] = []
    specs: list[TaskSpec] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(f"{f}: cannot read: {exc}")
            continue
        try:
            specs.append(parse_task(text, str(f), check_environment))
        except TomlImportError as exc:
            problems += exc.problems
    names = [s.name for s in specs]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path}: name: task {name!r} is defined in more than one file")
    if problems:
        raise TomlImportError(problems)
    return specs
