"""Where the history lives when it is not the data dir's SQLite file: a PostgreSQL URL,
`postgresql://USER[:PASS]@HOST[:PORT]/DBNAME` (--db, $TASKRUN_DB).

A password belongs in ~/.pgpass (or $PGPASSFILE), which libpq reads itself; one given in the
URL is used but never printed: every message shows the URL with it masked."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

ENV = "TASKRUN_DB"
FORM = "postgresql://USER[:PASS]@HOST[:PORT]/DBNAME"
SCHEMES = ("postgresql", "postgres")


class DbUrlError(ValueError):
    """A URL TaskRun cannot use; the message says what the form is (password masked)."""


@dataclass(frozen=True)
class DbUrl:
    user: str
    host: str
    port: int
    dbname: str
    password: str | None = None

    def redacted(self) -> str:
        """The URL as it may be shown: the password, if any, as ***."""
        secret = ":***" if self.password is not None else ""
        return f"postgresql://{self.user}{secret}@{self.host}:{self.port}/{self.dbname}"

    def connect_params(self) -> dict[str, object]:
        """psycopg2's connect() keywords (libpq reads ~/.pgpass when no password is given)."""
        params: dict[str, object] = {"user": self.user, "host": self.host, "port": self.port}
        if self.password is not None:
            params["password"] = self.password
        return params


def _masked(text: str) -> str:
    """`text` with the password of a URL in it masked, for a message about a bad URL."""
    try:
        parts = urlsplit(text)
        if parts.password is not None:
            return text.replace(f":{parts.password}@", ":***@", 1)
    except ValueError:
        pass
    return text


def parse(text: str) -> DbUrl:
    """The parts of a --db URL; DbUrlError naming the form when it is not one."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port or 5432
    except ValueError as exc:
        raise DbUrlError(f"expected {FORM}, got {_masked(text)!r} ({exc})") from None
    dbname = unquote(parts.path.lstrip("/"))
    if parts.scheme not in SCHEMES or not parts.hostname or not parts.username or not dbname:
        raise DbUrlError(f"expected {FORM}, got {_masked(text)!r}")
    if "/" in dbname or parts.query or parts.fragment:
        raise DbUrlError(f"expected {FORM} (no options after the name), got {_masked(text)!r}")
    password = None if parts.password is None else unquote(parts.password)
    return DbUrl(unquote(parts.username), parts.hostname, port, dbname, password)


def from_env() -> str | None:
    """$TASKRUN_DB, when set and not empty."""
    return os.environ.get(ENV) or None


def argument(text: str) -> str:
    """--db as an argparse type (the CLI's and the window's): a bad URL is one line naming
    the form, the password masked, before anything is opened."""
    try:
        parse(text)
    except DbUrlError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def use(url: str | None) -> None:
    """--db: the history in PostgreSQL for this process and whatever it starts (a daemon),
    through $TASKRUN_DB (the environment: not on disk, not in a child's command line)."""
    if url:
        os.environ[ENV] = url


def text_of(parts: DbUrl) -> str:
    """The URL of `parts` (its password quoted in it when it has one)."""
    secret = "" if parts.password is None else ":" + quote(parts.password, safe="")
    user = quote(parts.user, safe="")
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    return f"postgresql://{user}{secret}@{host}:{parts.port}/{quote(parts.dbname, safe='')}"


@lru_cache(maxsize=8)
def without_password(text: str) -> str | None:
    """`text` with no password in it (a run's environment: the task must not see it; a
    `taskrun` it calls finds it in ~/.pgpass), None when it is no URL of ours."""
    try:
        return text_of(replace(parse(text), password=None))
    except DbUrlError:
        return None
