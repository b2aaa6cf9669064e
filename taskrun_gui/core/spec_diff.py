"""The diff of two task definitions, as the version list and "what changed" show it: a unified
text diff, and the same change field by field (field, old, new) with the script as its own diff.

Pure: it compares two specs, so the window, the CLI and the storage's "what changed before it
broke" give the same text without a database.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from taskrun_gui.core import params as params_mod
from taskrun_gui.core.models import TaskSpec


@dataclass(frozen=True)
class FieldChange:
    field: str  # a dotted path into the definition: "timeout", "schedule.cron", "steps[b].command"
    old: str  # "" where the field is new
    new: str  # "" where the field is gone


@dataclass(frozen=True)
class SpecChanges:
    fields: list[FieldChange]  # every changed field but the script, in definition order
    script: str  # unified diff of the script text alone ("" when unchanged)
    unified: str  # the whole unified diff, as diff_specs gives it


def diff_specs(old: TaskSpec, new: TaskSpec, old_label: str, new_label: str) -> str:
    """Unified diff: the definition fields, then the script text. Secret defaults read "***",
    and "*** (changed)" where the newer one differs, so a diff never shows a secret."""
    old, new = _masked(old, new)
    return "".join(difflib.unified_diff(_lines(old), _lines(new), old_label, new_label))


def compare_specs(old: TaskSpec, new: TaskSpec, old_label: str, new_label: str) -> SpecChanges:
    """The change field by field, the script's own diff, and the whole unified diff; secrets
    masked as in diff_specs."""
    masked_old, masked_new = _masked(old, new)
    before, after = _flat(masked_old.to_dict()), _flat(masked_new.to_dict())
    fields = [
        FieldChange(key, before.get(key, ""), after.get(key, ""))
        for key in [*before, *(k for k in after if k not in before)]
        if key != "script" and before.get(key) != after.get(key)
    ]
    script = "".join(
        difflib.unified_diff(
            _text_lines(masked_old.script or ""),
            _text_lines(masked_new.script or ""),
            f"{old_label} script",
            f"{new_label} script",
        )
    )
    return SpecChanges(fields, script, diff_specs(old, new, old_label, new_label))


def _masked(old: TaskSpec, new: TaskSpec) -> tuple[TaskSpec, TaskSpec]:
    before = params_mod.secret_defaults(old.params)
    changed = {
        name
        for name, value in params_mod.secret_defaults(new.params).items()
        if name in before and before[name] != value
    }
    return params_mod.masked_spec(old), params_mod.masked_spec(new, changed)


def _flat(value: Any, path: str = "") -> dict[str, str]:
    """Leaves of a to_dict() tree by dotted path; lists of scalars read as one value."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        names = [item.get("name") if isinstance(item, dict) else None for item in value]
        unique = all(names) and len(set(names)) == len(names)  # steps may share a name
        out = {}
        for i, item in enumerate(value, start=1):
            key = names[i - 1] if unique else (f"{i} {names[i - 1]}" if names[i - 1] else i)
            out.update(_flat(item, f"{path}[{key}]"))  # params, steps by name when unique
        return out
    return {path: _value_text(value)}


def _value_text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value_text(v) for v in value) or "(none)"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value == "":
        return "(empty)"
    return str(value)


def _text_lines(text: str) -> list[str]:
    return [s if s.endswith("\n") else s + "\n" for s in text.splitlines(True)]


def _lines(spec: TaskSpec) -> list[str]:
    data = spec.to_dict()
    script = data.pop("script", "")
    out = json.dumps(data, sort_keys=True, indent=2).splitlines(keepends=True)
    out = [line if line.endswith("\n") else line + "\n" for line in out]
    if script:
        out.append("--- script ---\n")
        out += [s if s.endswith("\n") else s + "\n" for s in script.splitlines(True)]
    return out
