"""What alerting remembers between hosts and restarts, in the data dir's `notify-state.json`:
each channel's last delivery (a failure is shown by `taskrun channel list` and the window),
the tasks that are late (told once, until they succeed again), when the digest was last
sent (once per period, whichever host serves the data dir) and the runs recovery found
interrupted, whose end the next host that serves tells (the host that ran them died with
their alerts). No secret is ever kept here: a
delivery error is stored with the channel URL's secrets already taken out."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskrun_gui.storage import stat_cache
from taskrun_gui.storage.atomic_file import atomic_text_file

FILE_NAME = "notify-state.json"


@dataclass
class Delivery:
    ok_at: int | None = None  # epoch ms of the last delivery that went through
    failed_at: int | None = None  # of the last one that did not, after its retries
    error: str = ""
    failures: int = 0  # in a row

    @property
    def failing(self) -> bool:
        return self.failures > 0


@dataclass
class NotifyState:
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    late: dict[str, int] = field(default_factory=dict)  # task id (text) -> late since (ms)
    digest_sent_at: int | None = None
    untold: list[str] = field(default_factory=list)  # uids of runs interrupted, not told yet


def path_of(data_dir: Path) -> Path:
    return Path(data_dir) / FILE_NAME


def _parse(data: Any) -> NotifyState:
    state = NotifyState()
    if not isinstance(data, dict):
        return state
    for name, d in (data.get("deliveries") or {}).items():
        if isinstance(d, dict):
            known = {k: d[k] for k in ("ok_at", "failed_at", "error", "failures") if k in d}
            state.deliveries[str(name)] = Delivery(**known)
    state.late = {str(k): int(v) for k, v in (data.get("late") or {}).items()}
    sent = data.get("digest_sent_at")
    state.digest_sent_at = sent if isinstance(sent, int) else None
    state.untold = [str(u) for u in data.get("untold") or () if isinstance(u, str)]
    return state


def load(data_dir: Path) -> NotifyState:
    """The state as the file has it now (a copy: the caller may change it)."""
    return copy.deepcopy(peek(data_dir))


def peek(data_dir: Path) -> NotifyState:
    """The state for a look only, read again when the file changed (the alert thread looks
    at it for every run that succeeds): never change what it returns."""
    return stat_cache.read(path_of(data_dir), _read, NotifyState)


def _read(path: Path) -> NotifyState:
    """The file's state; a fresh one when it is missing or damaged. Another OSError (the disk
    refused the read) is raised: a change must not write back a blank state."""
    try:
        with open(path, encoding="utf-8") as fh:
            return _parse(json.load(fh))
    except (FileNotFoundError, ValueError, TypeError):
        return NotifyState()


@contextlib.contextmanager
def changing(data_dir: Path) -> Iterator[NotifyState]:
    """The state for a change, written back (whole, 0600) when the block ends."""
    path = path_of(data_dir)
    with open(path.with_name(f".{FILE_NAME}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state = _read(path)
        yield state
        with atomic_text_file(path) as out:
            json.dump(
                {
                    "deliveries": {k: vars(v) for k, v in state.deliveries.items()},
                    "late": state.late,
                    "digest_sent_at": state.digest_sent_at,
                    "untold": state.untold,
                },
                out,
                indent=1,
            )


def record_delivery(data_dir: Path, channel: str, ok: bool, at: int, error: str = "") -> None:
    with changing(data_dir) as state:
        d = state.deliveries.setdefault(channel, Delivery())
        if ok:
            d.ok_at, d.failures, d.error = at, 0, ""
        else:
            d.failed_at, d.error, d.failures = at, error, d.failures + 1
