"""Alerts a channel did not take (down, refusing, hanging past its tries, or still queued as
its host stopped), kept in the data dir's `undelivered.json` and sent again by whichever host
serves it, with back-off: a minute, doubling up to an hour, given up (and said in the log) a
day after the first try. At most MAX_KEPT per channel, the newest. No secret is kept: the run
JSON is masked already, and the channel is named, its URL read as the alert is sent again."""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from taskrun_gui.storage.atomic_file import atomic_text_file

log = logging.getLogger(__name__)
FILE_NAME = "undelivered.json"
MAX_KEPT = 200  # per channel
GIVE_UP_MS = 24 * 3600 * 1000
MAX_WAIT_S = 3600.0


def first_wait_s() -> float:
    """Seconds before the first try again ($TASKRUN_RESEND_S; 60)."""
    try:
        return max(0.05, float(os.environ.get("TASKRUN_RESEND_S", 60)))
    except ValueError:
        return 60.0


@dataclass
class Kept:
    channel: str
    event: str
    title: str
    body: str
    run: dict[str, Any] | None
    first_at: int  # epoch ms of its first try
    tries: int  # times it was tried again
    next_at: int  # epoch ms: not tried again before


def keep(data_dir: Path, kept: Kept, now: int) -> None:
    """Keep an alert its channel did not take, for its next try (none a day after the first)."""
    if now - kept.first_at > GIVE_UP_MS:
        log.warning(
            "channel %s: a %s alert given up after a day of tries", kept.channel, kept.event
        )
        return
    wait = min(MAX_WAIT_S, first_wait_s() * 2 ** min(kept.tries, 20))
    kept.next_at = now + int(wait * 1000)
    with _changing(data_dir) as items:
        items.append(kept)
        mine = [i for i, k in enumerate(items) if k.channel == kept.channel]
        for i in reversed(mine[:-MAX_KEPT]):  # the oldest of that channel go
            del items[i]


def take_due(data_dir: Path, now: int) -> list[Kept]:
    """The kept alerts whose next try is due, taken out of the file (oldest first)."""
    if not (Path(data_dir) / FILE_NAME).exists():
        return []
    with _changing(data_dir) as items:
        due = [k for k in items if k.next_at <= now]
        items[:] = [k for k in items if k.next_at > now]
    return due


def count(data_dir: Path) -> dict[str, int]:
    """Alerts kept, per channel."""
    out: dict[str, int] = {}
    for k in _read(Path(data_dir) / FILE_NAME):
        out[k.channel] = out.get(k.channel, 0) + 1
    return out


@contextlib.contextmanager
def _changing(data_dir: Path) -> Iterator[list[Kept]]:
    path = Path(data_dir) / FILE_NAME
    with open(path.with_name(f".{FILE_NAME}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        items = _read(path)
        yield items
        if items or path.exists():
            with atomic_text_file(path) as out:
                json.dump([asdict(k) for k in items], out)


def _read(path: Path) -> list[Kept]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        return [Kept(**item) for item in data if isinstance(item, dict)]
    except FileNotFoundError:
        return []
    except (ValueError, TypeError) as exc:  # damaged: what it held is lost, said once
        log.warning("%s is damaged (%s): the alerts it kept are not sent again", path, exc)
        return []
