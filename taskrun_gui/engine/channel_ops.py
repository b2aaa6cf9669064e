"""What `taskrun channel` and the Settings Channels page both do with the data dir's channels:
add one (every check first, one line naming what is wrong), list them as they may be shown
(URLs masked, last delivery), send a test. One way, so the window and the CLI say the same."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskrun_gui.core import notify_rules
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.engine import delivery
from taskrun_gui.storage import channels_store, notify_state, undelivered


class ChannelError(ValueError):
    """One line: `FIELD: problem` (the CLI prefixes its option names the same way)."""

    def __init__(self, message: str, usage: bool = True) -> None:
        super().__init__(message)
        self.usage = usage  # a bad value (exit 2) rather than a state that refuses it (1)


@dataclass(frozen=True)
class ChannelView:
    name: str
    url: str  # masked
    events: list[str]
    delivery: notify_state.Delivery
    waiting: int = 0  # alerts it did not take, kept to be sent again (storage.undelivered)

    def waiting_note(self) -> str:
        """What follows its last delivery where it shows: the alerts waiting to be sent again."""
        return f" ({self.waiting} waiting to be sent again)" if self.waiting else ""


def parse_events(text: str) -> frozenset[str]:
    names = frozenset(e.strip() for e in text.split(",") if e.strip())
    bad = sorted(names - set(notify_rules.EVENTS))
    if bad:
        allowed = ", ".join(notify_rules.EVENTS)
        raise ChannelError(f"--events: unknown event {bad[0]!r}; events: {allowed}")
    return names


def add(data_dir: Path, name: str, url: str, events_text: str) -> str:
    """Add a channel; returns its masked URL. Raises ChannelError (nothing written)."""
    if (problem := channels_store.name_error(name)) is not None:
        raise ChannelError(f"channel name {name!r}: {problem}")
    if (problem := delivery.url_error(url)) is not None:
        raise ChannelError(f"URL: {problem}")
    events = parse_events(events_text)
    if name in channels_store.load(data_dir):
        raise ChannelError(f"channel {name!r} exists (channel rm it first)", usage=False)
    channels_store.save(data_dir, channels_store.Channel(name, url, events))
    return delivery.masked_url(url)


def ignored_note(url: str) -> str | None:
    """A warning for the query arguments of a webhook URL that are never sent, or None."""
    ignored = delivery.ignored_arguments(url)
    if not ignored:
        return None
    name = ignored[0]
    return (
        f"the URL's {', '.join(ignored)} {'is' if len(ignored) == 1 else 'are'} not sent:"
        f" a webhook takes -{name}=… as a query argument, :{name}=… as a field of the body,"
        f" +{name}=… as a header"
    )


def views(data_dir: Path) -> list[ChannelView]:
    state = notify_state.load(data_dir).deliveries
    waiting = undelivered.count(data_dir)
    return [
        ChannelView(
            ch.name,
            delivery.masked_url(ch.url),
            sorted(ch.events),
            state.get(ch.name, notify_state.Delivery()),
            waiting.get(ch.name, 0),
        )
        for ch in channels_store.load(data_dir).values()
    ]


def get(data_dir: Path, name: str) -> channels_store.Channel:
    channel = channels_store.load(data_dir).get(name)
    if channel is None:
        raise ChannelError(f"no channel named {name!r} (see taskrun channel list)", usage=False)
    return channel


def test(data_dir: Path, name: str) -> delivery.Outcome:
    """Send a test message (retries and timeout as any delivery) and record how it went."""
    channel = get(data_dir, name)
    message = delivery.Message("test", "TaskRun test", f"A test message to channel {name}.")
    outcome = delivery.send(channel.url, message)
    notify_state.record_delivery(data_dir, name, outcome.ok, now_ms(), outcome.error)
    return outcome
