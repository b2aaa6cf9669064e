"""Run records straight from the cursor, for the history's pages.

A page of the history is 500 runs: peewee's model rows (a Run per row, a converter per field)
and then runs_repo.to_record cost ~25 µs a run, five times the query itself (a page of one
task's failures at a million runs: 12 ms against 2 ms). Here the same query's rows come
from the cursor as tuples and become the same RunRecord as to_record makes (3.5 ms), the
enums looked up in dicts and the usual "{}" parameters not parsed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

from peewee import Select

from taskrun_gui.core.models import Control, ErrorType, RunRecord, RunStatus, Trigger
from taskrun_gui.storage import log_home
from taskrun_gui.storage.schema import Run, database_proxy

_STATUS = {s.value: s for s in RunStatus}
_TRIGGER = {t.value: t for t in Trigger}
_ERROR = {e.value: e for e in ErrorType}
_CONTROL = {c.value: c for c in Control}


def _params(text: str | None) -> dict[str, str]:
    if not text or text == "{}":
        return {}
    loaded: dict[str, str] = json.loads(text)
    return loaded


def _maybe(table: dict[str, Any]) -> Callable[[Any], Any]:
    return lambda v: None if v is None else table[v]


def _float(v: Any) -> float | None:
    return None if v is None else float(v)


# column -> (RunRecord field, conversion), for each column to_record converts
_CONVERT: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "task": ("task_id", int),
    "status": ("status", _STATUS.__getitem__),
    "trigger": ("trigger", _TRIGGER.__getitem__),
    "params_json": ("params", _params),
    "error_type": ("error_type", _maybe(_ERROR)),
    "control": ("control", _maybe(_CONTROL)),
    "slow": ("slow", bool),
    "paused_ms": ("paused_ms", lambda v: v or 0),
    "proc_create_time": ("proc_create_time", _float),
    "cpu_seconds": ("cpu_seconds", _float),
    "log_path": ("log_path", log_home.readable),  # a moved data dir: its copy
}


def _maker() -> Callable[[Sequence[Any]], RunRecord]:
    """A function of one row (Run's columns in the model's order) to its RunRecord: each
    field a column of the same name, taken as it is, or one converted by _CONVERT (host_pid
    and any_node have no field). Its source is generated once, as dataclasses does for
    __init__: a call with the fields by name costs a third of a dict built per row."""
    names = [f.name for f in Run._meta.sorted_fields]
    fields = {f.name for f in dataclasses.fields(RunRecord)}
    args: list[str] = []
    scope: dict[str, Any] = {"RunRecord": RunRecord}
    for i, name in enumerate(names):
        if name in _CONVERT:
            field, conv = _CONVERT[name]
            scope[f"conv_{i}"] = conv
            args.append(f"{field}=conv_{i}(row[{i}])")
        elif name in fields:
            args.append(f"{name}=row[{i}]")
    source = f"def make(row):\n    return RunRecord({', '.join(args)})\n"
    exec(source, scope)  # fixed text, made of the model's field names only
    make: Callable[[Sequence[Any]], RunRecord] = scope["make"]
    return make


_make = _maker()


def records(query: Select) -> list[RunRecord]:
    """The RunRecords of a `Run.select()` query (every column, in the model's order), as
    runs_repo.to_record makes them from model rows."""
    cursor = database_proxy.obj.execute_sql(*query.sql())
    return [_make(row) for row in cursor.fetchall()]
