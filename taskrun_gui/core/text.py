"""Echoing user-given text in messages: a name or value of any length becomes a short line."""

from __future__ import annotations

ECHO_LIMIT = 60


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """The first `limit` characters and '…': an error that quotes a 10,000-character name (or
    a whole pasted file) stays one readable line."""
    return text if len(text) <= limit else text[:limit] + "…"
