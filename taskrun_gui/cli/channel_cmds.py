"""`taskrun channel ...` (the alert channels of the data dir) and the task options that name
them (`--notify`, `--then`, `--after-*`, `--grace`): their parser block, and what they do.
Kept here so the task commands gain only a line each."""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import NoReturn

from taskrun_gui.cli.common import fail, print_json, print_table, tasks_named, warn
from taskrun_gui.cli.options import duration_seconds
from taskrun_gui.core import notify_rules
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.timefmt import local_text, ms_to_iso
from taskrun_gui.engine import channel_ops
from taskrun_gui.storage import channels_store, notify_state, policy_file, task_links
from taskrun_gui.storage.db import Store

DESKTOP_URL = "(the window's notifications)"


# -- task options -----------------------------------------------------------------------------
def _rules(items: list[str], flag: str, check: object, old: list[str]) -> list[str]:
    if not items:
        return old
    if notify_rules.NONE in items:
        return [i for i in items if i != notify_rules.NONE]
    for item in items:
        try:
            check(item)  # type: ignore[operator]
        except ValueError as exc:
            fail(f"{flag}: {exc}", 2)
    return list(items)


def apply_task_options(spec: TaskSpec, a: argparse.Namespace) -> TaskSpec:
    notify = _rules(a.notify, "--notify", notify_rules.parse_rule, spec.notify)
    then_items = list(a.then)
    for event in notify_rules.THEN_EVENTS:
        then_items += [f"{event}:{task}" for task in getattr(a, f"after_{event}")]
    then = _rules(then_items, "--then", notify_rules.parse_then, spec.then)
    grace = spec.grace_seconds
    if a.grace is not None:
        try:
            grace = None if a.grace == "default" else duration_seconds(a.grace)
        except ValueError as exc:
            fail(f"--grace: {exc}", 2)
        if grace is not None and not spec.schedule.is_set:
            fail("--grace: only for a scheduled task (late is judged against its schedule)", 2)
    return replace(spec, notify=notify, then=then, grace_seconds=grace)


def check_links(store: Store, spec: TaskSpec, task_id: int | None) -> None:
    found = task_links.problems(store.data_dir, spec, task_id)
    if found:
        fail("; ".join(found))


# -- commands ---------------------------------------------------------------------------------
def _fail(exc: channel_ops.ChannelError) -> NoReturn:
    fail(str(exc), 2 if exc.usage else 1)


def cmd_add(store: Store, a: argparse.Namespace) -> int:
    try:
        shown = channel_ops.add(store.data_dir, a.name, a.url, a.events)
    except channel_ops.ChannelError as exc:
        _fail(exc)
    print(f"channel {a.name!r} added: {shown}")
    if (note := channel_ops.ignored_note(a.url)) is not None:
        warn(note)
    return 0


def _last(v: channel_ops.ChannelView) -> str:
    d = v.delivery
    if d.failing and d.failed_at is not None:
        last = f"FAILED {local_text(d.failed_at)}: {d.error}"
    else:
        last = f"ok {local_text(d.ok_at)}" if d.ok_at is not None else "-"
    return last + v.waiting_note()


def cmd_list(store: Store, a: argparse.Namespace) -> int:
    desktop = channel_ops.ChannelView(
        notify_rules.DESKTOP, DESKTOP_URL, [], notify_state.Delivery()
    )
    views = [desktop, *channel_ops.views(store.data_dir)]
    if a.json:
        print_json(
            [
                {
                    "name": v.name,
                    "url": v.url,
                    "events": v.events,
                    "last_ok_at": ms_to_iso(v.delivery.ok_at),
                    "last_failed_at": ms_to_iso(v.delivery.failed_at),
                    "last_error": v.delivery.error,
                    "failures": v.delivery.failures,
                    "waiting": v.waiting,
                }
                for v in views
            ]
        )
        return 0
    print_table(
        ["NAME", "URL", "DEFAULT EVENTS", "LAST DELIVERY"],
        [[v.name, v.url, ",".join(v.events) or "-", _last(v)] for v in views],
    )
    return 0


def cmd_rm(store: Store, a: argparse.Namespace) -> int:
    try:
        channel_ops.get(store.data_dir, a.name)
    except channel_ops.ChannelError as exc:
        _fail(exc)
    channels_store.remove(store.data_dir, a.name)
    print(f"channel {a.name!r} removed")
    if names := task_links.notifying(a.name):
        warn(f"{tasks_named(names)} sent alerts to it (--notify): they now go nowhere")
    return 0


def cmd_test(store: Store, a: argparse.Namespace) -> int:
    try:
        outcome = channel_ops.test(store.data_dir, a.name)
    except channel_ops.ChannelError as exc:
        _fail(exc)
    if not outcome.ok:
        fail(f"channel {a.name!r}: not delivered: {outcome.error}")
    print(f"channel {a.name!r}: test message delivered")
    return 0


def cmd_digest(store: Store, a: argparse.Namespace) -> int:
    if a.period == "off":
        policy_file.update(store.data_dir, digest="", digest_channel="")
        print("digest off")
        return 0
    if not a.name:
        fail("channel digest: name the channel the digest goes to", 2)
    try:
        channel_ops.get(store.data_dir, a.name)
    except channel_ops.ChannelError as exc:
        _fail(exc)
    policy_file.update(store.data_dir, digest=a.period, digest_channel=a.name)
    print(f"{a.period} digest to channel {a.name!r}")
    return 0


COMMANDS = {"add": cmd_add, "list": cmd_list, "rm": cmd_rm, "test": cmd_test, "digest": cmd_digest}
