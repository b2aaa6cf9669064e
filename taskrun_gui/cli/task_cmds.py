"""`taskrun task ...`: create, change, inspect, version, export and import tasks."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from taskrun_gui.cli import channel_cmds, secret_cmds
from taskrun_gui.cli.common import (
    fail,
    key_values,
    parse_duration,
    print_json,
    print_table,
)
from taskrun_gui.cli.options import DEFAULT_CAP
from taskrun_gui.cli.task_rm import cmd_rm
from taskrun_gui.core import schedule as schedule_mod
from taskrun_gui.core.hosts import NONE, HostError, check_targets
from taskrun_gui.core.interpreters import (
    COMMAND_INTERPRETER,
    KNOWN_INTERPRETERS,
    guess_interpreter,
)
from taskrun_gui.core.local_zone import local_time
from taskrun_gui.core.models import (
    MissedPolicy,
    OverlapPolicy,
    Param,
    Schedule,
    TaskKind,
    TaskSpec,
)
from taskrun_gui.core.params import masked_spec
from taskrun_gui.core.timefmt import local_text, ms_to_iso
from taskrun_gui.core.toml_io import (
    TomlImportError,
    file_name_for,
    parse_task,
    read_task_file,
    read_task_files,
    spec_to_toml,
    write_task_file,
)
from taskrun_gui.core.validation import MAX_SCRIPT, cwd_to_check, validate_task
from taskrun_gui.storage import (
    hosts_repo,
    node_history,
    task_import,
    tasks_repo,
)
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.task_import import OnExisting


def _params(items: list[str], secret: bool) -> list[Param]:
    out = []
    for item in items:
        name, sep, default = item.partition("=")
        out.append(
            Param(name=name, default=default if sep else None, required=not sep, secret=secret)
        )
    return out


def _read_script(path: str) -> str:
    """A script file's text; one over validation's limit is refused before it is read whole."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SCRIPT + 1)
        if len(data) > MAX_SCRIPT:
            fail(f"--script {path}: larger than {MAX_SCRIPT // (1024 * 1024)} MiB, the limit")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read script {path}: {exc}")


def _apply(spec: TaskSpec, a: argparse.Namespace, new: bool) -> TaskSpec:
    """The flags given on the command line, over `spec` (`new`: a task being added); with
    --from-toml, over the file's definition."""
    if a.from_toml:
        try:
            loaded = parse_task(read_task_file(Path(a.from_toml)), a.from_toml)
        except TomlImportError as exc:
            fail(str(exc))
        spec, new = replace(loaded, name=spec.name), False
    spec = _apply_kind(spec, a, new)
    _apply_fields(spec, a)
    spec.schedule = _apply_schedule(spec.schedule, a)
    return channel_cmds.apply_task_options(spec, a)


def _apply_kind(spec: TaskSpec, a: argparse.Namespace, new: bool) -> TaskSpec:
    """--command / --argv / --script / --interpreter. A shell line runs under --interpreter;
    a new command task, or a script task made a command, gets sh when none is given."""
    if a.argv and a.interpreter is not None and a.script is None:
        fail("--interpreter: an --argv command runs its program itself, under no shell", code=2)
    given = [f for f, v in (("--command", a.command), ("--script", a.script)) if v is not None]
    given += [f for f, v in (("--argv", a.argv), ("--interpreter", a.interpreter)) if v]
    if spec.steps and given:  # saved, and never run: the steps run
        fail(
            f"{given[0]}: task {spec.name!r} runs its steps, not a command"
            " of its own; change them in its TOML (task export, then import --replace)",
            code=2,
        )
    was_command = new or spec.kind is TaskKind.COMMAND
    if a.command is not None:
        spec = replace(spec, kind=TaskKind.COMMAND, command=a.command, shell=not a.argv)
        if a.interpreter is None and not was_command:
            spec.interpreter = COMMAND_INTERPRETER
    elif a.argv:
        spec = replace(spec, shell=False)
    if a.script is not None:
        spec = replace(spec, kind=TaskKind.SCRIPT, script=_read_script(a.script))
        # its #! line or its suffix, over a name of ours (one a guess may have given: bash
        # for a .sh kept python), not over an interpreter the user named (a venv's python)
        chosen = not was_command and spec.interpreter not in KNOWN_INTERPRETERS
        if a.interpreter is None and not chosen:
            kept = "bash" if was_command else spec.interpreter
            spec.interpreter = guess_interpreter(a.script, spec.script) or kept
    if a.interpreter is not None:
        spec.interpreter = a.interpreter
    return spec


# flags whose value is the TaskSpec field of the same name as it is
_PLAIN_FLAGS = (
    "timeout",
    "retries",
    "retry_backoff",
    "max_concurrent",
    "priority",
    "description",
    "title",
)


def _apply_fields(spec: TaskSpec, a: argparse.Namespace) -> None:
    """The flags that set one field each, in place."""
    if a.cwd is not None:
        spec.cwd = a.cwd
    if a.env:
        spec.env = {**spec.env, **key_values(a.env, "--env")}
    if a.param or a.secret_param:
        spec.params = _params(a.param, False) + _params(a.secret_param, True)
    for flag in _PLAIN_FLAGS:
        value = getattr(a, flag)
        if value is not None:
            setattr(spec, flag, value.strip() if flag == "title" else value)
    if a.log_cap is not None:
        spec.log_cap_bytes = None if a.log_cap == DEFAULT_CAP else a.log_cap
    if a.tag:
        spec.tags = list(a.tag)
    if a.on:
        spec.targets = _targets(a.on)
    if a.task_node is not None:
        spec.node = a.task_node
    if a.disabled:
        spec.enabled = False
    if a.enabled:
        spec.enabled = True


def _apply_schedule(sched: Schedule, a: argparse.Namespace) -> Schedule:
    """--no-schedule / --cron / --every / --at (one kind replaces the others), --overlap,
    --missed."""
    if a.no_schedule:
        sched = Schedule(overlap=sched.overlap, missed=sched.missed)
    elif a.cron:
        sched = replace(sched, cron=a.cron, every_seconds=None, at=None)
    elif a.every:
        sched = replace(sched, cron=None, every_seconds=parse_duration(a.every), at=None)
    elif a.at:
        sched = replace(sched, cron=None, every_seconds=None, at=a.at)
    if a.overlap:
        sched = replace(sched, overlap=OverlapPolicy(a.overlap))
    if a.missed:
        sched = replace(sched, missed=MissedPolicy(a.missed))
    given = [flag for flag, value in (("--overlap", a.overlap), ("--missed", a.missed)) if value]
    if given and not sched.is_set:  # they were kept, doing nothing, without a word
        fail(f"{' and '.join(given)}: only for a scheduled task (give --cron, --every or --at)", 2)
    return sched


def _targets(on: list[str]) -> list[str]:
    """`--on` of task add/edit: the default targets, each once; `none` alone clears them."""
    if NONE in on:
        if len(on) > 1:
            fail(f"--on {NONE}: clears the targets; not with other --on values", code=2)
        return []
    return list(dict.fromkeys(on))


MAX_SHOWN_ERRORS = 5


def _check(spec: TaskSpec, check_cwd: bool = True) -> None:
    errors = validate_task(spec, check_cwd=check_cwd)
    if errors:
        shown = "; ".join(str(e) for e in errors[:MAX_SHOWN_ERRORS])
        more = len(errors) - MAX_SHOWN_ERRORS
        fail(shown + (f"; and {more} more problem(s)" if more > 0 else ""))
    try:
        node_history.check_default(spec.node)
    except node_history.UnknownNodeError as exc:
        fail(f"--node: {exc}", code=2)
    if spec.targets:
        try:
            check_targets(hosts_repo.all_hosts(), spec.targets)
        except HostError as exc:
            fail(str(exc))


def cmd_add(store: Store, a: argparse.Namespace) -> int:
    spec = _apply(TaskSpec(name=a.name, interpreter=COMMAND_INTERPRETER), a, new=True)
    _check(spec)
    channel_cmds.check_links(store, spec, None)
    with store.db.atomic():
        row = tasks_repo.create(spec)
    print(f"task {row.name!r} created (version {row.version})")
    return 0


def cmd_edit(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    spec = _apply(replace(row.spec), a, new=False)
    if a.rename:
        spec.name = a.rename
    _check(spec, check_cwd=cwd_to_check(row.spec, spec))
    channel_cmds.check_links(store, spec, row.id)
    with store.db.atomic():
        new = tasks_repo.save(row.id, spec)
    if new.version == row.version:
        print(f"task {new.name!r} unchanged (version {new.version})")
    else:
        print(f"task {new.name!r} saved as version {new.version}")
    return 0


def next_run_ms(row: tasks_repo.TaskRow) -> int | None:
    """The stored next fire time, or (no host has looked yet) the one the schedule gives."""
    if row.next_fire_at is not None or not row.spec.schedule.is_set or not row.spec.enabled:
        return row.next_fire_at
    now = schedule_mod.system_clock()
    anchor = local_time((row.last_fire_at or row.created_at) / 1000)
    fire = schedule_mod.next_fire(row.spec.schedule, now, anchor=anchor)
    return None if fire is None else int(fire.timestamp() * 1000)


def _summary(row: tasks_repo.TaskRow) -> dict[str, object]:
    spec = row.spec
    interpreted = spec.kind is TaskKind.SCRIPT or spec.shell  # argv commands run as they are
    return {
        "id": row.id,
        "name": row.name,
        "title": spec.title,
        "version": row.version,
        "kind": str(spec.kind),
        "interpreter": spec.interpreter if interpreted else None,
        "command": spec.command if spec.kind is TaskKind.COMMAND else None,
        "tags": spec.tags,
        "targets": spec.targets,
        "node": spec.node or None,
        "enabled": spec.enabled,
        "schedule": schedule_mod.describe(spec.schedule),
        "next_run": ms_to_iso(next_run_ms(row)),
    }


def cmd_list(store: Store, a: argparse.Namespace) -> int:
    rows = tasks_repo.list_all()
    if a.json:
        print_json([_summary(r) for r in rows])
        return 0
    titled = any(r.spec.title for r in rows)  # no empty column when no task has a title
    table = [
        [
            r.name,
            *([r.spec.title] if titled else []),
            str(r.version),
            str(r.spec.kind),
            ",".join(r.spec.tags),
            _schedule_cell(r.spec),
        ]
        for r in rows
    ]
    print_table(
        ["NAME", *(["TITLE"] if titled else []), "VERSION", "KIND", "TAGS", "SCHEDULE"], table
    )
    return 0


def _schedule_cell(spec: TaskSpec) -> str:
    """The schedule as it stands: a disabled task's (or schedule's) does not fire."""
    text = schedule_mod.describe(spec.schedule)
    off = spec.schedule.is_set and spec.schedule.enabled and not spec.enabled
    return f"{text} (task disabled)" if off else text  # a disabled schedule says so itself


def cmd_show(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    if a.json:
        print_json({**_summary(row), "definition": masked_spec(row.spec).to_dict()})
        return 0
    print(f"# {row.name} — version {row.version}")
    if row.spec.title:
        print(f"# title: {row.spec.title}")
    print(f"# schedule: {schedule_mod.describe(row.spec.schedule)}")
    if row.spec.targets:
        print(f"# runs on: {', '.join(row.spec.targets)}")
    if row.spec.node:
        print(f"# node: {row.spec.node}")
    if (next_ms := next_run_ms(row)) is not None:
        print(f"# next run: {local_text(next_ms)}")
    print(spec_to_toml(row.spec), end="")
    return 0


def cmd_versions(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    versions = tasks_repo.versions(row.id)
    if a.json:
        print_json(
            [
                {"version": v.number, "hash": v.content_hash, "created_at": ms_to_iso(v.created_at)}
                for v in versions
            ]
        )
        return 0
    print_table(
        ["VERSION", "CREATED", "HASH"],
        [[str(v.number), local_text(v.created_at), v.content_hash] for v in versions],
    )
    return 0


def cmd_diff(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    print(tasks_repo.diff(row.id, a.v1, a.v2), end="")
    return 0


def cmd_rollback(store: Store, a: argparse.Namespace) -> int:
    row = tasks_repo.get(a.name)
    with store.db.atomic():
        new = tasks_repo.rollback(row.id, a.version)
    print(f"task {new.name!r}: version {new.version} has the content of version {a.version}")
    return 0


def cmd_export(store: Store, a: argparse.Namespace) -> int:
    rows = [tasks_repo.get(n) for n in a.names] if a.names else tasks_repo.list_all()
    out = Path(a.out)
    if len(a.names) == 1 and out.suffix == ".toml":
        write_task_file(out, spec_to_toml(rows[0].spec))
        print(f"exported 1 task to {out}")
        return 0
    out.mkdir(parents=True, exist_ok=True, mode=0o700)  # a folder we make: ours alone
    for r in rows:
        write_task_file(out / file_name_for(r.spec), spec_to_toml(r.spec))
    print(f"exported {len(rows)} task(s) to {out}/")
    return 0


def cmd_import(store: Store, a: argparse.Namespace) -> int:
    path = Path(a.path)
    if not path.exists():
        fail(f"{path}: no such file or folder")
    try:
        read = read_task_files(path)
    except TomlImportError as exc:
        fail(f"nothing imported:\n{exc}")
    specs = [spec for _file, spec in read]
    for file, spec in read:
        try:
            check_targets(hosts_repo.all_hosts(), spec.targets)
        except HostError as exc:
            fail(f"nothing imported:\n{file}: {exc}")
    sources = {spec.name: str(file) for file, spec in read}
    try:
        with store.db.atomic():
            result = task_import.import_specs(
                specs, OnExisting(a.on_existing), sources, store.data_dir
            )
    except task_import.TasksExistError as exc:
        fail(f"nothing imported: {exc} (use --replace to update them, --rename or --skip-existing)")
    except task_import.ImportLinksError as exc:
        fail(str(exc))
    print(f"imported {len(result.rows)} task(s)")
    for row in result.rows:
        if row.name not in {s.name for s in specs}:
            print(f"  as {row.name!r}: the name was taken")
    if result.skipped:
        print(f"skipped {len(result.skipped)} that exist: {', '.join(result.skipped)}")
    return 0


COMMANDS = {
    "add": cmd_add,
    "edit": cmd_edit,
    "list": cmd_list,
    "show": cmd_show,
    "rm": cmd_rm,
    "versions": cmd_versions,
    "diff": cmd_diff,
    "rollback": cmd_rollback,
    "export": cmd_export,
    "import": cmd_import,
    "secret": secret_cmds.cmd_secret,
}
