"""A real PostgreSQL server for the tests, started once per test session: `initdb` into a
temporary folder and `pg_ctl` on 127.0.0.1 and a free port (about 2 s), as an unprivileged
user because PostgreSQL refuses to run as root (the tests do, in CI). The test role logs in
with a password kept in a 0600 pgpass file ($PGPASSFILE), never in a URL."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROLE = "taskrun_test"
PASSWORD = "not-in-any-url-7f3a"  # what a leak would show: the tests look for it
DBNAME = "taskrun_test"
RUN_AS = "postgres"  # Debian's package creates this user


def bin_dir() -> Path | None:
    """Where initdb and pg_ctl are: $PATH, else Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    root: Path
    port: int
    bins: Path
    pgpass: Path

    @property
    def url(self) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{DBNAME}"

    def url_for(self, dbname: str) -> str:
        return f"postgresql://{ROLE}@127.0.0.1:{self.port}/{dbname}"

    def _as_owner(self, *argv: str) -> list[str]:
        if os.geteuid() != 0:
            return list(argv)
        return ["runuser", "-u", RUN_AS, "--", *argv]

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """A statement as the server's superuser, over its socket."""
        argv = [str(self.bins / "psql"), "-h", str(self.root), "-p", str(self.port)]
        argv += ["-U", RUN_AS, "-d", dbname, "-v", "ON_ERROR_STOP=1", "-qAtc", sql]
        done = subprocess.run(self._as_owner(*argv), capture_output=True, text=True, check=True)
        return done.stdout

    def start(self) -> None:
        data = self.root / "data"
        self._run(
            str(self.bins / "initdb"),
            "-D",
            str(data),
            "-U",
            RUN_AS,
            "-A",
            "trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        )
        self.resume()
        self.psql(f"CREATE ROLE {ROLE} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        self.psql(f"CREATE DATABASE {DBNAME} OWNER {ROLE}")
        self.pgpass.write_text(f"127.0.0.1:{self.port}:*:{ROLE}:{PASSWORD}\n")
        os.chmod(self.pgpass, 0o600)

    def resume(self) -> None:
        """Start the server on its data folder (made by start), on the same port."""
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        self._run(
            str(self.bins / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self) -> None:
        self._run(
            str(self.bins / "pg_ctl"),
            "-D",
            str(self.root / "data"),
            "-m",
            "immediate",
            "-w",
            "stop",
        )

    def _run(self, *argv: str) -> None:
        subprocess.run(
            self._as_owner(*argv), check=True, capture_output=True, stdin=subprocess.DEVNULL
        )

    def reset(self, dbname: str = DBNAME) -> None:
        """An empty database for the next test: its schema dropped and made again."""
        self.psql(f"DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION {ROLE}", dbname)


def start_server() -> PgServer | None:
    """The server, started; None when PostgreSQL is not installed here."""
    bins = bin_dir()
    if bins is None:
        return None
    base = "/tmp" if os.path.isdir("/tmp") else None  # not $TMPDIR: a test may point it away
    root = Path(tempfile.mkdtemp(prefix="taskrun-pg-", dir=base))
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        owner = pwd.getpwnam(RUN_AS)
        os.chown(root, owner.pw_uid, owner.pw_gid)
    pgpass = Path(tempfile.mkdtemp(prefix="taskrun-pgpass-", dir=base)) / "pgpass"
    server = PgServer(root, _free_port(), bins, pgpass)
    server.start()
    return server
