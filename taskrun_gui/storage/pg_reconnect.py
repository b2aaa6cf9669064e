"""A PostgreSQL connection that is dropped when the server goes away and opened again on the
next use, so a daemon outlives a database restart.

peewee keeps a thread's connection until it is closed; psycopg2 marks one the server
dropped (`conn.closed` non-zero: a restart, `pg_ctl stop`, the network gone) and answers
every later use with InterfaceError "connection already closed", which peewee would hand
out for ever, and which the writer takes for a bad write rather than a store that refuses
(it would drop the record). Here:

- outside a transaction, a dead connection is dropped and a new one opened (which fails
  with OperationalError while the server is still away: the store refuses, the writer
  keeps its records and tries again). psycopg2 learns of a break only as it sends, so a
  BEGIN that meets one is sent once more on a new connection (nothing was done yet): a
  connection the server ended while it stayed up (a restart in between, an idle timeout,
  an administrator) costs no failed write and no "store failing" notice; so does a SELECT
  outside a transaction (reading twice changes nothing);
- inside one, the statement fails with OperationalError (what was begun is gone with the
  connection, so nothing can be retried quietly), and the ROLLBACK that follows has nothing
  to do on the client: the server rolled it back when the connection went."""

from __future__ import annotations

from typing import Any, cast

from peewee import OperationalError

from taskrun_gui.storage.pg_backend import TaskRunPostgresDatabase

LOST = "the connection to the database server was lost"


class ReconnectingPostgresDatabase(TaskRunPostgresDatabase):
    """TaskRunPostgresDatabase that drops a connection the server closed (module doc)."""

    def _dead(self) -> bool:
        state = cast(Any, self)._state  # peewee's per-thread connection state
        return not state.closed and state.conn is not None and bool(state.conn.closed)

    def _drop(self) -> None:
        """Forget this thread's dead connection (closing it again is a no-op)."""
        cast(Any, self)._state.reset()

    def cursor(self, named_cursor: Any = None) -> Any:
        if self._dead():
            if self.in_transaction():
                raise OperationalError(LOST)
            self._drop()
        return super().cursor(named_cursor)

    def connection(self) -> Any:
        if self._dead() and not self.in_transaction():
            self._drop()
        return super().connection()

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        try:
            return super().execute_sql(sql, params)
        except OperationalError:
            if not (self._dead() and _a_read(sql)) or self.in_transaction():
                raise
            self._drop()
            return super().execute_sql(sql, params)

    def begin(self, isolation_level: Any = None) -> None:
        try:
            super().begin(isolation_level)
        except OperationalError:
            if not self._dead() or self.in_transaction():
                raise
            self._drop()
            super().begin(isolation_level)

    def rollback(self) -> None:
        if self._dead():
            self._drop()  # the server rolled back what the connection had begun
            return
        super().rollback()

    def commit(self) -> None:
        if self._dead():  # the ROLLBACK that follows drops it
            raise OperationalError(LOST)
        super().commit()

    def close(self) -> bool:
        if self._dead():
            self._drop()
            return True
        result: bool = super().close()
        return result


def _a_read(sql: str) -> bool:
    return sql.lstrip()[:6].upper() == "SELECT"
