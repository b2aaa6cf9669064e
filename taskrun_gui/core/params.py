"""Run parameters: resolving values against a task's declarations, and masking secrets."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import replace

from taskrun_gui.core.models import Param, TaskSpec
from taskrun_gui.core.text import not_text, shorten

MASK = "***"
CHANGED_MASK = MASK + " (changed)"
ENV_PREFIX = "TASKRUN_PARAM_"


class ParamError(ValueError):
    """A parameter value the task does not accept; the message says which and why."""


def env_name(param_name: str) -> str:
    return ENV_PREFIX + re.sub(r"[^A-Za-z0-9_]", "_", param_name).upper()


def resolve(
    declared: list[Param], given: dict[str, str], secrets_elsewhere: bool = False
) -> dict[str, str]:
    """Values for every declared parameter: given, else default; checks required and choices.
    `secrets_elsewhere`: the run executes on another node, which supplies its own secret
    values (`task secret` there): a secret not given is MASK, filled in where it runs."""
    known = {p.name for p in declared}
    unknown = sorted(set(given) - known)
    if unknown:
        declared_names = shorten(", ".join(sorted(known)), 200)
        raise ParamError(
            f"unknown parameter {shorten(unknown[0])!r} (declared: {declared_names or 'none'})"
        )
    values: dict[str, str] = {}
    for p in declared:
        if secrets_elsewhere and p.secret and p.name not in given:
            values[p.name] = MASK
            continue
        value = given.get(p.name, p.default)
        if value is None or (p.required and value == ""):
            if p.required:
                raise ParamError(f"parameter {p.name!r} is required")
            continue
        if (problem := not_text(value)) is not None:  # given on a command line, say
            raise ParamError(f"parameter {p.name!r}: its value {problem}")
        if p.choices and value not in p.choices:
            choices = shorten(", ".join(p.choices), 200)
            raise ParamError(f"parameter {p.name!r} must be one of {choices}")
        values[p.name] = value
    return values


def unfilled(declared: list[Param], supplied: Iterable[str] = ()) -> list[str]:
    """The required parameters a run started with no values given (a schedule's fire, a
    chain's run: `supplied` names what it passes) could never have: no default."""
    given = set(supplied)
    return [
        p.name
        for p in declared
        if p.required and not p.default and p.name not in given and not p.secret
    ]


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


def secret_defaults(declared: list[Param]) -> dict[str, str]:
    """The defaults of secret parameters: kept outside the database and never shown."""
    return {p.name: p.default for p in declared if p.secret and p.default is not None}


def mask_defaults(declared: list[Param], changed: Collection[str] = ()) -> list[Param]:
    """Copies fit to show: a secret default reads MASK, or CHANGED_MASK for the names in
    `changed`, so a diff tells a new secret default from the same one without showing it."""
    return [
        replace(p, default=CHANGED_MASK if p.name in changed else MASK)
        if p.secret and p.default is not None
        else p
        for p in declared
    ]


def masked_spec(spec: TaskSpec, changed: Collection[str] = ()) -> TaskSpec:
    """`spec` as `task show`, an export or a diff may print it."""
    return replace(spec, params=mask_defaults(spec.params, changed))


def keep_masked_defaults(declared: list[Param], kept: dict[str, str]) -> list[Param]:
    """A secret default that reads MASK (a shown or exported definition saved back) stands
    for the default the task has: `kept[name]`, or no default when it has none."""
    return [
        replace(p, default=kept.get(p.name)) if p.secret and p.default == MASK else p
        for p in declared
    ]
