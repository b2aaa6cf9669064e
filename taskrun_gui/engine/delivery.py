"""Sending one message to one channel URL through Apprise (HTTP, SMTP and every service it
speaks are its business, not ours), with a timeout, retries with backoff, and an error that
names what went wrong without the URL's secrets.

A webhook (`json://`, `jsons://`) gets the stable run JSON (core.run_json) as its body when the
message is about a run: Apprise's JSON plugin builds its envelope (version, title, message,
attachments, type) and then applies its payload mapping (the URL's `:key=value` entries: an
empty value drops a key, a new key is added); we give that mapping the run's fields and empty
the envelope's, so the POST is the run JSON itself. The event goes in an `X-TaskRun-Event`
header. Messages without a run (a test, late, the digest) keep Apprise's envelope."""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

log = logging.getLogger(__name__)

ATTEMPTS = 3
BACKOFF_S = 0.5  # before the 2nd attempt, doubled for each after it
TIMEOUT_S = 10.0  # connect and read, each
MASK = "****"
_ENVELOPE = ("title", "message", "attachments", "type")
# an argument whose value is shown masked: a header (+Name), or one named like a credential
_SECRETISH = re.compile(r"(?i)token|key|secret|pass|auth|sig|cred|session")
_WEBHOOKS = frozenset({"json", "jsons", "xml", "xmls", "form", "forms"})
# what every Apprise URL may say (shown again only when not the default): never "ignored"
_COMMON = frozenset({"cto", "rto", "verify", "overflow", "format", "emojis", "tz", "store"})
_COMMON |= {"method", "retry", "wait", "optional", "user", "pass"}
_KINDS = {  # Apprise's NotifyType values
    "failure": "failure",
    "late": "warning",
    "rate": "warning",
    "slow": "warning",
    "recovery": "success",
}


@dataclass(frozen=True)
class Message:
    event: str  # a core.notify_rules event, "test" or "digest"
    title: str
    body: str
    run: dict[str, Any] | None = None  # the run JSON, secrets already masked
    first_at: int | None = None  # sent again (storage.undelivered): when it was first tried
    tries: int = 0  # times it was sent again


@dataclass(frozen=True)
class Outcome:
    ok: bool
    attempts: int
    error: str = ""  # the URL's secrets taken out


def timeout_s() -> float:
    try:
        value = float(os.environ.get("TASKRUN_NOTIFY_TIMEOUT_S", TIMEOUT_S))
    except ValueError:
        return TIMEOUT_S
    return value if 0 < value <= 600 else TIMEOUT_S


def plugin_for(url: str) -> Any:
    """Apprise's notifier for `url`, or None when Apprise does not take it. (Apprise is
    imported here, on first use: a tenth of a second no other `taskrun` command pays.)"""
    import apprise

    try:
        return apprise.Apprise.instantiate(url, suppress_exceptions=True)
    except Exception:
        return None


def url_error(url: str) -> str | None:
    """Why `url` cannot be a channel, or None."""
    if not url or len(url) > 4096 or any(c in url for c in "\0\n\r"):
        return "must be an Apprise URL such as json://host:port/path or mailto://user:pass@host"
    import apprise

    with apprise.LogCapture(level=logging.WARNING) as output:  # type: ignore[no-untyped-call]
        plugin = plugin_for(url)
        told = [ln.split(" - ", 2)[-1] for ln in output.getvalue().splitlines() if ln.strip()]
    if plugin is not None:
        port = getattr(plugin, "port", None)
        if isinstance(port, int) and not 0 < port < 65536:
            return f"port {port}: must be 1 to 65535"
        return None
    scheme = url.partition("://")[0] if "://" in url else url[:20]
    # Apprise's reason, without any part of the URL (it may hold a password)
    words = [w for w in told[0].split(":")[0].split() if w not in url] if told else []
    why = f": {' '.join(words)}" if words else ""
    return f"{scheme!r}: not a URL Apprise can send to{why} (see the Apprise URL list)"


def masked_url(url: str) -> str:
    """The URL as it may be shown: passwords and tokens hidden (Apprise's privacy form), with
    only the query arguments the user gave (not Apprise's defaults), header values hidden."""
    plugin = plugin_for(url)
    if plugin is None:
        return "(unusable URL)"
    private = urlsplit(str(plugin.url(privacy=True)))
    given = {unquote(part.partition("=")[0]) for part in urlsplit(url).query.split("&")}
    kept = [
        (k, MASK if v and (k.startswith("+") or _SECRETISH.search(k)) else v)
        for k, v in parse_qsl(private.query, keep_blank_values=True)
        if k in given
    ]
    query = "&".join(f"{quote(k, safe='+-:')}={quote(v, safe='*@')}" for k, v in kept)
    return urlunsplit(private._replace(query=query))


def ignored_arguments(url: str) -> list[str]:
    """The query arguments of a webhook URL (json://, xml://, form://) that Apprise drops
    without a word: a `?token=` is never sent (`-token=` is a GET argument, `:token=` a
    field of the body, `+Token=` a header)."""
    plugin = plugin_for(url)
    if plugin is None or url.partition("://")[0].lower() not in _WEBHOOKS:
        return []
    taken = {k for k, _v in parse_qsl(urlsplit(str(plugin.url(privacy=True))).query)}
    given = [unquote(part.partition("=")[0]) for part in urlsplit(url).query.split("&") if part]
    return [k for k in dict.fromkeys(given) if k not in taken | _COMMON and k[:1] not in "+-:"]


def scrub(text: str, url: str) -> str:
    """`text` without any part of `url` that its masked form hides."""
    shown = masked_url(url)
    for part in sorted(set(re.split(r"[/:@?&=#,+]", url)), key=len, reverse=True):
        if len(part) >= 3 and part not in shown:
            text = text.replace(part, "***")
    return text


def _prepare(plugin: Any, message: Message) -> None:
    """The run JSON as the body of a JSON webhook (see the module docstring)."""
    headers = getattr(plugin, "headers", None)
    if isinstance(headers, dict):
        headers["X-TaskRun-Event"] = message.event
    extras = getattr(plugin, "payload_extras", None)
    if message.run is None or not isinstance(extras, dict) or not hasattr(plugin, "json_version"):
        return
    run = dict(message.run)
    plugin.json_version = run.pop("version", None)  # the envelope's first key is the run's
    # the URL's own `:key=value` entries are kept on top (a receiver's key in the body: the
    # test message had it, every run's end lost it); envelope keys go, the run's replace them
    given = {k: v for k, v in extras.items() if k not in _ENVELOPE}
    plugin.payload_extras = {**dict.fromkeys(_ENVELOPE, ""), **run, **given}


def send(url: str, message: Message, stop: threading.Event | None = None) -> Outcome:
    """Deliver `message`: up to ATTEMPTS tries, BACKOFF_S doubling between them, each bounded
    by the timeout. `stop` cuts the waits short (a host shutting down)."""
    import apprise

    plugin = plugin_for(url)
    if plugin is None:
        return Outcome(False, 0, url_error(url) or "not a usable URL")
    wait = timeout_s()
    plugin.socket_connect_timeout = wait
    plugin.socket_read_timeout = wait
    _prepare(plugin, message)
    kind = apprise.NotifyType(_KINDS.get(message.event, "info"))
    error = ""
    for attempt in range(1, ATTEMPTS + 1):
        with apprise.LogCapture(level=logging.WARNING) as output:  # type: ignore[no-untyped-call]
            try:
                if plugin.notify(
                    body=message.body or message.title, title=message.title, notify_type=kind
                ):
                    return Outcome(True, attempt)
            except Exception as exc:  # a plugin bug must not end the sender
                log.debug("apprise raised", exc_info=True)
                output.write(f"{type(exc).__name__}: {exc}\n")
            lines = [ln for ln in output.getvalue().splitlines() if ln.strip()]
        error = scrub(lines[-1].split(" - ", 2)[-1] if lines else "not delivered", url)
        if attempt < ATTEMPTS and stop is not None and stop.wait(BACKOFF_S * 2 ** (attempt - 1)):
            return Outcome(False, attempt, error)
        if attempt < ATTEMPTS and stop is None:
            threading.Event().wait(BACKOFF_S * 2 ** (attempt - 1))
    return Outcome(False, ATTEMPTS, f"{error} (after {ATTEMPTS} attempts)")
