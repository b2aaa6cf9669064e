"""What a task's alert and chain rules refer to, checked against the data dir as it is now:
the channels it names exist, the tasks it starts exist, and no chain comes back to it (a cycle
would run forever). The CLI and the editor ask this before they save."""

from __future__ import annotations

import contextlib
from pathlib import Path

from taskrun_gui.core import notify_rules
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.params import unfilled
from taskrun_gui.storage import channels_store, tasks_repo


def problems(
    data_dir: Path, spec: TaskSpec, task_id: int | None, before: TaskSpec | None = None
) -> list[str]:
    """One line per problem; none when `spec` may be saved (as task `task_id`, None: new).
    A link the saved version already had to a channel or task removed since is not one, nor
    a run it could already not start: an edit of something else must not be refused for it
    (it is said where it fires). `before`: the version it replaces, when that is no longer
    the stored one (an import that replaced it)."""
    if notify_rules.rule_errors(spec.notify, spec.then):
        return []  # validation tells those
    rows = tasks_repo.list_all()
    chains = {r.name: list(r.spec.then) for r in rows if r.id != task_id}
    channels = channels_store.load(data_dir)
    found = notify_rules.link_errors(spec.name, spec.notify, spec.then, channels, chains)
    found += _unstartable(spec, rows)
    saved = before or next((r.spec for r in rows if r.id == task_id), None)
    if saved is None or not found:
        return found
    had = notify_rules.link_errors(saved.name, saved.notify, saved.then, channels, chains)
    had += _unstartable(saved, rows)
    return [p for p in found if p not in had or "is a cycle" in p]


def chain_of(name: str) -> list[str]:
    """'EVENT -> TASK' lines for what starts `name` and what `name` starts, for the editor."""
    rows = tasks_repo.list_all()
    out: list[str] = []
    for r in rows:
        for text in r.spec.then:
            try:
                event, target = notify_rules.parse_then(text)
            except ValueError:
                continue
            if target == name and r.name != name:
                out.append(f"{r.name} ({event}) -> {name}")
            if r.name == name:
                out.append(f"{name} ({event}) -> {target}")
    return out


def starting(name: str) -> list[str]:
    """The live tasks whose chain rules start task `name`."""
    return [r.name for r in tasks_repo.list_all() if r.name != name and name in _targets(r.spec)]


def notifying(channel: str) -> list[str]:
    """The live tasks whose alert rules send to `channel`."""
    out = []
    for r in tasks_repo.list_all():
        with contextlib.suppress(ValueError):
            if any(notify_rules.parse_rule(t).channel == channel for t in r.spec.notify):
                out.append(r.name)
    return out


def _targets(spec: TaskSpec) -> set[str]:
    found = set()
    for text in spec.then:
        with contextlib.suppress(ValueError):
            found.add(notify_rules.parse_then(text)[1])
    return found


def _unstartable(spec: TaskSpec, rows: list[tasks_repo.TaskRow]) -> list[str]:
    """Runs the task's schedule or chains would start that could never start: a required
    parameter with no default (a fire passes none, a chain only TRIGGER_*). Each was
    refused where it fired, said in a log only. Disabled ones start nothing."""
    found = []
    if spec.enabled and spec.schedule.is_set and spec.schedule.enabled:
        for name in unfilled(spec.params):
            found.append(f"schedule: parameter {name!r} is required with no default")
    by_name = {r.name: r.spec for r in rows}
    for text in spec.then:
        _event, target = notify_rules.parse_then(text)
        chained = spec if target == spec.name else by_name.get(target)
        if chained is None or not chained.enabled:
            continue
        for name in unfilled(chained.params, notify_rules.TRIGGER_KEYS):
            found.append(f"then: task {target!r} needs parameter {name!r} (required, no default)")
    return found
