"""Targets 1 and 2 again with the history in PostgreSQL (`--db`): the 1M-run history queries
(same queries, same targets: under 100 ms and at most x3 the 10k history's) and the executor
overhead (1000 recorded runs of `true` against 1000 bare calls, same run).

The server is the tests' own (tests/pg_server.py: initdb into a temporary folder, pg_ctl on
127.0.0.1), started by this process and removed when it ends; nothing is installed by hand.
It runs with synchronous_commit on and fsync off: a commit waits for its WAL write but not
for the disk, as SQLite's WAL with synchronous=NORMAL does, so the two are compared on the
same terms. Without PostgreSQL's binaries the lines say so and count as met."""

from __future__ import annotations

import atexit
import os

from bench import bench_executor, bench_history
from bench.common import Result, report, scratch_dir
from bench.history_data import RUNS, SMALL
from bench.pg_history_data import load
from tests import pg_server

_SERVER: list[pg_server.PgServer | None] = []  # started once per bench process


def server() -> pg_server.PgServer | None:
    if not _SERVER:
        found = pg_server.start_server(durable=True)
        if found is not None:
            os.environ["PGPASSFILE"] = str(found.pgpass)
            atexit.register(found.discard)
        _SERVER.append(found)
    return _SERVER[0]


def _skipped(prefix: str) -> list[Result]:
    why = "skipped: no initdb/pg_ctl"
    print(f"{prefix}: PostgreSQL is not installed here (apt-get install postgresql): {why}")
    return [Result(f"{prefix} PostgreSQL lines", why, "-", True)]


def _database(pg: pg_server.PgServer, name: str) -> str:
    """The URL of a new, empty database `name` on the server."""
    pg.psql(f"DROP DATABASE IF EXISTS {name}")
    pg.psql(f"CREATE DATABASE {name} OWNER {pg_server.ROLE}")
    return pg.url_for(name)


def history() -> list[Result]:
    """Target 2 on PostgreSQL."""
    from bench import qt
    from taskrun_gui.storage.db import Store

    pg = server()
    if pg is None:
        return _skipped("2pg.")
    qt.app()
    where = {runs: (scratch_dir(), _database(pg, f"history_{runs}")) for runs in (SMALL, RUNS)}
    for runs, (folder, url) in where.items():
        loading = Store(folder, url).open()
        load(loading, runs)
        loading.close()
    # a Store of its own for each: the models' database is the one made last
    small = bench_history.figures(Store(*where[SMALL]).open(), SMALL)
    big = bench_history.figures(Store(*where[RUNS]).open(), RUNS)
    return bench_history.compare(small, big, "2pg.")


def executor() -> list[Result]:
    """Target 1 on PostgreSQL."""
    pg = server()
    if pg is None:
        return _skipped("1pg.")
    bench_executor.bare(100)  # warm up
    b = bench_executor.bare()
    e = bench_executor.through_executor(url=_database(pg, "executor"))
    ratio = e / b
    print(
        f"executor on PostgreSQL: {bench_executor.N} runs of true: bare {b:.2f} s, "
        f"executor {e:.2f} s (x{ratio:.2f})"
    )
    return [
        Result(
            "1pg. executor overhead, PostgreSQL",
            f"{e:.2f} s = x{ratio:.2f} bare",
            "<= x1.5 bare",
            ratio <= 1.5,
        )
    ]


if __name__ == "__main__":
    from bench import qt

    qt.app()  # before the executor's QCoreApplication, as `make bench` does
    report(executor() + history())
