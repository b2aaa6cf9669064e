"""Run parameters: resolving values against a task's declarations, and masking secrets."""

from __future__ import annotations

import re

from taskrun_gui.core.models import Param

MASK = "***"
ENV_PREFIX = "TASKRUN_PARAM_"


class ParamError(ValueError):
    """A parameter value the task does not accept; the message says which and why."""


def env_name(param_name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", param_name).upper()


def resolve(declared: list[Param], given: dict[str, str]) -> dict[str, str]:
    """Values for every declared parameter: given, else default; checks required and choices."""
    known = {p.name for p in declared}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ParamError(f"unknown parameter {unknown[0]!r} (declared: {', '.join(sorted(known))})")
    values: dict[str, str] = {}
    for p in declared:
        value = given.get(p.name, p.default)
        if value is None or (p.required and value == ""):
            if p.required:
                raise ParamError(f"parameter {p.name!r} is required")
            continue
        if p.choices and value not in p.choices:
            raise ParamError(f"parameter {p.name!r} must be one of {', '.join(p.choices)}")
        values[p.name] = value
    return values


def masked(declared: list[Param], values: dict[str, str]) -> dict[str, str]:
    secret = {p.name for p in declared if p.secret}
    return {k: (MASK if k in secret else v) for k, v in values.items()}


def secret_values(declared: list[Param], values: dict[str, str]) -> list[str]:
    """The secret values to mask in output, longest first, ignoring empty ones."""
    secret = {p.name for p in declared if p.secret}
    found = {v for k, v in values.items() if k in secret and v}
    return sorted(found, key=len, reverse=True)


def mask_text(text: str, secrets: list[str]) -> str:
    for s in secrets:
        text = text.replace(s, MASK)
    return text
