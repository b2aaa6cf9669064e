"""The database a data dir's window opens when no --db or $TASKRUN_DB says (Settings →
Database): a PostgreSQL URL, or none for the data dir's SQLite file. It takes effect at the
next start; the window's --db and $TASKRUN_DB win over it.

A password typed in the URL is taken out of it and kept beside it in the data dir's 0700
`secrets/` folder, one 0600 file (storage/task_secrets.py's store), never in the window's
settings or the database; ~/.pgpass works too, and then no password is kept at all."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from taskrun_gui.storage import db_url, task_secrets

FILE_NAME = "database.json"


@dataclass(frozen=True)
class SavedDb:
    url: str  # without a password: fit to show
    password: str | None = None  # a secret: never shown


def path_of(data_dir: Path) -> Path:
    return Path(data_dir) / task_secrets.FOLDER / FILE_NAME


def load(data_dir: Path) -> SavedDb | None:
    """The saved database; None: the data dir's SQLite file (or an unreadable file)."""
    kept = task_secrets.read_file(path_of(data_dir))
    url = kept.get("url")
    if not url:
        return None
    return SavedDb(url, kept.get("password") or None)


def checked(url_text: str, password: str) -> SavedDb | None:
    """What a URL and password field save: the URL without its password (one typed in it is
    taken out), the password apart; None for an empty URL. DbUrlError for a bad URL."""
    text = url_text.strip()
    if not text:
        return None
    parts = db_url.parse(text)
    secret = password or parts.password
    return SavedDb(db_url.text_of(replace(parts, password=None)), secret or None)


def save(data_dir: Path, saved: SavedDb | None) -> None:
    """Keep `saved` (None: back to SQLite, the file removed); written whole, 0600."""
    values = {} if saved is None else {"url": saved.url}
    if saved is not None and saved.password:
        values["password"] = saved.password
    task_secrets.write_file(path_of(data_dir), values)


def full_url(saved: SavedDb) -> str:
    """The URL to connect with: the password put back (quoted), when one is kept."""
    return db_url.text_of(replace(db_url.parse(saved.url), password=saved.password))


def at_start(data_dir: Path, given: str | None) -> str | None:
    """The database this start opens: --db, else $TASKRUN_DB, else the saved one."""
    if given:
        return given
    env = db_url.from_env()
    if env:
        return env
    saved = load(data_dir)
    return None if saved is None else full_url(saved)
