"""`taskrun grep PATTERN`: the runs whose output contains a text or matches a regex.

Newest first, one line per run as it is found (run id, queued time, task, status, the
matching line); `--json` streams a JSON array of the same. Exit code 0 when some run
matched, 1 when none did (as grep), 2 for a bad pattern or option. The search itself is
engine/log_search.py, the same one the window's "Search all output" uses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict

from taskrun_gui.cli.common import CliError, fail
from taskrun_gui.cli.history_cmds import _filter
from taskrun_gui.core.timefmt import human_bytes, local_text
from taskrun_gui.engine.log_search import LogHit, Pattern, check_pattern, search_logs
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.tasks_repo import TaskNotFoundError


def hit_json(hit: LogHit) -> dict[str, object]:
    """The hit's fields, `task` for the task's name as in `taskrun runs --json`."""
    fields = asdict(hit)
    fields["task"] = fields.pop("task_name")
    return fields


class _Printer:
    def __init__(self, as_json: bool) -> None:
        self._json = as_json
        self._first = True
        if as_json:
            sys.stdout.write("[")

    def hit(self, hit: LogHit) -> None:
        if self._json:
            sys.stdout.write(("\n  " if self._first else ",\n  ") + json.dumps(hit_json(hit)))
        else:
            when = local_text(hit.queued_at)
            print(f"{hit.run_id}\t{when}\t{hit.task_name}\t{hit.status}\t{hit.line.strip()}")
        self._first = False
        sys.stdout.flush()

    def end(self) -> None:
        if self._json:
            sys.stdout.write("\n]\n" if not self._first else "]\n")


def cmd_grep(store: Store, a: argparse.Namespace) -> int:
    pattern = Pattern(a.pattern, regex=a.regex, ignore_case=a.ignore_case)
    try:
        check_pattern(pattern)
    except ValueError as exc:
        fail(f"PATTERN: {exc}", code=2)
    try:
        flt = _filter(a)
    except (CliError, TaskNotFoundError) as exc:  # trouble (2), not "no match" (1)
        raise CliError(str(exc), 2) from None
    printer = _Printer(a.json)
    began = time.perf_counter()
    done = search_logs(flt, pattern, printer.hit, limit=a.limit, workers=a.jobs)
    printer.end()
    gone = f"; {done.missing} logs gone" if done.missing else ""
    print(
        f"taskrun: {done.hits} of {done.runs} runs matched ({human_bytes(done.bytes)} searched "
        f"in {time.perf_counter() - began:.1f} s{gone})",
        file=sys.stderr,
    )
    return 0 if done.hits else 1
