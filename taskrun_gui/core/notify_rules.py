"""Which events of a task reach which channels, and which tasks a task's end starts: the
rules a task spec holds as text ("ops:failure,late", "success:deploy"), read the same way by
the CLI, the editor, the TOML import and the engine. Pure: no channel store, no database; the
names a rule refers to are checked against them by the caller (see link_errors)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from taskrun_gui.core.models import RunStatus

TRIGGER_KEYS = ("TRIGGER_RUN_ID", "TRIGGER_STATUS", "TRIGGER_TASK")  # what a chained run gets

# what a channel can be told about a task
EVENTS = ("failure", "recovery", "finish", "slow", "rate", "late")
# when a task's run starts another task
THEN_EVENTS = ("success", "failure", "finish")
NONE = "none"  # `--notify none`, `--then none`: clear the rules
DESKTOP = "desktop"  # the window's notifications: always there, not stored
MAX_RULES = 50


@dataclass(frozen=True)
class Rule:
    channel: str
    events: frozenset[str]


def parse_rule(text: str) -> Rule:
    """'CHANNEL:event,event' -> Rule; ValueError with a one-line reason."""
    channel, sep, events = text.partition(":")
    channel = channel.strip()
    if not sep or not channel:
        raise ValueError(f"{text!r} must be CHANNEL:EVENT[,EVENT...]")
    names = [e.strip() for e in events.split(",") if e.strip()]
    if not names:
        raise ValueError(f"{text!r} names no event; events: {', '.join(EVENTS)}")
    for name in names:
        if name not in EVENTS:
            raise ValueError(f"unknown event {name!r} in {text!r}; events: {', '.join(EVENTS)}")
    return Rule(channel, frozenset(names))


def parse_then(text: str) -> tuple[str, str]:
    """'EVENT:TASK' -> (event, task name); ValueError with a one-line reason."""
    event, sep, task = text.partition(":")
    event, task = event.strip(), task.strip()
    if not sep or not task:
        raise ValueError(f"{text!r} must be EVENT:TASK ({'/'.join(THEN_EVENTS)})")
    if event not in THEN_EVENTS:
        raise ValueError(f"unknown event {event!r} in {text!r}; events: {', '.join(THEN_EVENTS)}")
    return event, task


def rule_errors(notify: list[str], then: list[str]) -> list[tuple[str, str]]:
    """(field, problem) for every rule that does not read."""
    problems: list[tuple[str, str]] = []
    for field, items, parse in (("notify", notify, parse_rule), ("then", then, parse_then)):
        if not isinstance(items, list) or len(items) > MAX_RULES:
            problems.append((field, f"must be a list of at most {MAX_RULES} rules"))
            continue
        for item in items:
            try:
                parse(str(item))
            except ValueError as exc:
                problems.append((field, str(exc)))
    return problems


def events_for(
    notify: list[str], defaults: Mapping[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """channel -> events for one task: its own rules, else the channels' defaults for all."""
    own: dict[str, frozenset[str]] = {}
    for text in notify:
        try:
            rule = parse_rule(text)
        except ValueError:
            continue  # refused at save; an old definition never stops an alert
        own[rule.channel] = own.get(rule.channel, frozenset()) | rule.events
    return own if own else {c: e for c, e in defaults.items() if e}


def desktop_events(notify: list[str]) -> frozenset[str] | None:
    """The events a task's own `desktop:` rule names (the window's notifications then follow
    it instead of the window's switches); None: it has none."""
    return events_for(notify, {}).get(DESKTOP)


def then_targets(then: list[str], status: RunStatus) -> list[str]:
    """The tasks a chain's last attempt ending in `status` starts, in the rules' order. A
    cancelled run starts nothing: the user stopped it."""
    if not status.is_final or status is RunStatus.CANCELLED:
        return []
    happened = {"finish", "success" if status is RunStatus.SUCCESS else "failure"}
    out: list[str] = []
    for text in then:
        try:
            event, task = parse_then(text)
        except ValueError:
            continue
        if event in happened and task not in out:
            out.append(task)
    return out


def find_cycle(graph: Mapping[str, Iterable[str]], start: str) -> list[str] | None:
    """A path start -> ... -> start through `graph` (task -> tasks it starts), or None."""
    path: list[str] = [start]
    seen: set[str] = set()

    def walk(node: str) -> list[str] | None:
        for nxt in graph.get(node, ()):
            if nxt == start:
                return [*path, start]
            if nxt in seen:
                continue
            seen.add(nxt)
            path.append(nxt)
            if (found := walk(nxt)) is not None:
                return found
            path.pop()
        return None

    return walk(start)


def link_errors(
    name: str,
    notify: list[str],
    then: list[str],
    channels: Iterable[str],
    chains: Mapping[str, list[str]],
) -> list[str]:
    """What a task saved as `name` would refer to that does not exist (channels, tasks), and a
    chain that would come back to it; `chains` is every other task's `then` rules."""
    problems: list[str] = []
    known = {*channels, DESKTOP}
    for text in notify:
        rule = parse_rule(text)
        if rule.channel not in known:
            problems.append(f"notify: no channel named {rule.channel!r} (see taskrun channel list)")
    graph = {task: [parse_then(t)[1] for t in rules] for task, rules in chains.items()}
    graph[name] = [parse_then(t)[1] for t in then]
    for target in graph[name]:
        if target not in chains and target != name:
            problems.append(f"then: no task named {target!r}")
    cycle = find_cycle(graph, name)
    if cycle is not None:
        problems.append(f"then: the chain {' -> '.join(cycle)} is a cycle")
    return problems
