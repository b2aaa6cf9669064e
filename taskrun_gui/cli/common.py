"""What every `taskrun` command shares: opening the store, errors as one line, output."""

from __future__ import annotations

import json
import re
import sys
from typing import Any, NoReturn

from taskrun_gui.engine.recovery import recover_if_no_host
from taskrun_gui.storage.db import Store, resolve_data_dir
from taskrun_gui.storage.writer import replay_spool


class CliError(Exception):
    """A problem to tell the user in one line; exit code 1 unless said otherwise."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 1) -> NoReturn:
    raise CliError(message, code)


def open_store(data_dir: str | None) -> Store:
    store = Store(resolve_data_dir(data_dir)).open()
    if store.open_error:
        warn(store.open_error)
    recover_if_no_host(store)
    if replay_spool(store):
        warn("some run records are still waiting for the history store to accept writes")
    return store


def warn(message: str) -> None:
    print(f"taskrun: warning: {message}", file=sys.stderr)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, sort_keys=False)
    sys.stdout.write("\n")


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def key_values(items: list[str], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            fail(f"{what} {item!r} must look like NAME=VALUE")
        out[key] = value
    return out


DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d)?\s*$")
UNITS = {None: 1, "s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hr": 3600, "d": 86400}


def parse_duration(text: str) -> int:
    m = DURATION_RE.match(text)
    if not m:
        fail(f"--every {text!r}: use a number with s, m, h or d (e.g. 30s, 5m, 2h)")
    seconds = int(float(m.group(1)) * UNITS[m.group(2)])
    if seconds <= 0:
        fail(f"--every {text!r}: must be more than zero")
    return seconds
