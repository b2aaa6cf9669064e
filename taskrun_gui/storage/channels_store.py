"""The alert channels of a data dir, defined once for the window and the daemon alike.

A channel is a name, an Apprise URL and the events it gets from every task that has no rule of
its own. URLs carry passwords and tokens (`mailto://user:pass@…`, `ntfy://token@…`), so the
whole definition lives in the data dir's 0700 `secrets/` folder as one 0600 file, never in
settings.toml or the database; what is shown of a URL is masked (engine.delivery.masked_url).
Written whole or not at all, under a lock, so two processes adding channels lose neither."""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from taskrun_gui.core import notify_rules
from taskrun_gui.storage import stat_cache
from taskrun_gui.storage.atomic_file import atomic_text_file

FILE_NAME = "channels.json"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
MAX_URL = 4096


@dataclass(frozen=True)
class Channel:
    name: str
    url: str  # a secret: never printed, never in a payload
    events: frozenset[str] = frozenset()  # the default for tasks without their own rule


def path_of(data_dir: Path) -> Path:
    return Path(data_dir) / "secrets" / FILE_NAME


def name_error(name: str) -> str | None:
    if name in (notify_rules.DESKTOP, notify_rules.NONE):
        return f"{name!r} is a reserved name"
    if not NAME_RE.match(name):
        return "must be 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit"
    return None


def load(data_dir: Path) -> dict[str, Channel]:
    """The channels, by name; none when the file is missing or unreadable (read again only
    when the file changed: the alert thread asks for every run)."""
    return dict(stat_cache.read(path_of(data_dir), _read, dict))


def _read(path: Path) -> dict[str, Channel]:
    """The file's channels; none when it is missing or not JSON. Another OSError (the disk
    refused the read) is raised: a change must not write back nothing, a look reads again."""
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (FileNotFoundError, ValueError):
        return {}
    out: dict[str, Channel] = {}
    for name, item in (data.get("channels") or {}).items() if isinstance(data, dict) else ():
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            events = frozenset(e for e in item.get("events") or [] if e in notify_rules.EVENTS)
            out[str(name)] = Channel(str(name), item["url"], events)
    return out


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[dict[str, Channel]]:
    """The channels for a change, written back when the block ends (under a lock file)."""
    path = path_of(data_dir)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        channels = _read(path)
        yield channels
        with atomic_text_file(path) as out:
            json.dump(
                {
                    "channels": {
                        c.name: {"url": c.url, "events": sorted(c.events)}
                        for c in channels.values()
                    }
                },
                out,
                indent=1,
            )


def save(data_dir: Path, channel: Channel) -> None:
    """Add or replace a channel."""
    with _locked(data_dir) as channels:
        channels[channel.name] = channel


def remove(data_dir: Path, name: str) -> bool:
    """Remove a channel; False when there was none of that name."""
    with _locked(data_dir) as channels:
        return channels.pop(name, None) is not None
