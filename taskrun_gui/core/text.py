"""User-given text: echoed in messages as a short line, and checked for what no text holds."""

from __future__ import annotations

ECHO_LIMIT = 60


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """The first `limit` characters and '…': an error that quotes a 10,000-character name (or
    a whole pasted file) stays one readable line."""
    return text if len(text) <= limit else text[:limit] + "…"


def not_text(value: str) -> str | None:
    """Why `value` cannot be kept or handed on as text (None: it can): a NUL byte (no
    environment variable or argument can hold one), or bytes that were not UTF-8 (a lone
    surrogate, as Python reads them from a command line)."""
    if "\0" in value:
        return "contains a NUL byte"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains bytes that are not UTF-8 text"
    return None
