"""What a task's alert and chain rules refer to, checked against the data dir as it is now:
the channels it names exist, the tasks it starts exist, and no chain comes back to it (a cycle
would run forever). The CLI and the editor ask this before they save."""

from __future__ import annotations

from pathlib import Path

from taskrun_gui.core import notify_rules
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.storage import channels_store, tasks_repo


def problems(data_dir: Path, spec: TaskSpec, task_id: int | None) -> list[str]:
    """One line per problem; none when `spec` may be saved (as task `task_id`, None: new)."""
    if notify_rules.rule_errors(spec.notify, spec.then):
        return []  # validation tells those
    chains = {r.name: list(r.spec.then) for r in tasks_repo.list_all() if r.id != task_id}
    channels = channels_store.load(data_dir)
    return notify_rules.link_errors(spec.name, spec.notify, spec.then, channels, chains)


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
