"""Opening a run's channel on the SSH loop while its worker thread waits, able to give up:
a cancel or the caller's deadline abandons the attempt instead of leaving it to start the job
later, orphaned, holding a session of the pool."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Callable
from typing import Any

import asyncssh

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.engine.remote.connections import POOL, RemoteError
from taskrun_gui.engine.supervise import RunControl

Channel = asyncssh.SSHClientChannel[bytes]
Opened = tuple[asyncssh.SSHClientConnection, Channel]
SLICE_S = 0.1
REFUSED_RETRIES = 4  # sessions refused by a server's MaxSessions: other connections tried


class Cancelled(Exception):
    """The run was cancelled before its job was sent."""


class Opening:
    """One attempt: `open` runs on the loop; the worker calls `wait`."""

    def __init__(
        self,
        host: HostDef,
        command: str,
        job: bytes,
        session: Callable[[], asyncssh.SSHClientSession[bytes]],
        options: dict[str, Any],
        control: RunControl,
    ) -> None:
        self.host, self.command, self.job = host, command, job
        self.session, self.options, self.control = session, options, control
        self.gone = False  # read and written on the loop only
        self.opened: Opened | None = None

    async def open(self) -> Opened | None:
        for _ in range(REFUSED_RETRIES):
            conn, chan = await self._session()
            if chan is not None:
                break
        else:
            raise RemoteError(f"host {self.host.name}: cannot start the run: no session free")
        if self.gone or self.control.cancelled.is_set():  # the last moment to not start it
            chan.close()
            POOL.release(self.host, conn)
            return None
        chan.write(self.job)
        self.opened = conn, chan
        return self.opened

    async def _session(self) -> tuple[asyncssh.SSHClientConnection, Channel | None]:
        """A channel on a pooled connection; None when the server refused it one more (the
        pool then caps that connection and the next try goes to another)."""
        host = self.host
        conn = await POOL.acquire(host)
        try:
            chan, _ = await conn.create_session(
                self.session, self.command, encoding=None, **self.options
            )
        except asyncio.CancelledError:
            POOL.release(host, conn)
            raise
        except asyncssh.ChannelOpenError as exc:
            retry = POOL.refused(host, conn)
            POOL.release(host, conn)
            if not retry:
                raise RemoteError(f"host {host.name}: cannot start the run: {exc}") from exc
            return conn, None
        except (OSError, asyncssh.Error) as exc:
            POOL.release(host, conn)
            raise RemoteError(f"host {host.name}: cannot start the run: {exc}") from exc
        return conn, chan

    def _abandon(self) -> None:
        """On the loop, once the worker gave up: what was opened meanwhile is closed (the
        wrapper stops a job whose stdin closes)."""
        self.gone = True
        if self.opened is not None:
            conn, chan = self.opened
            self.opened = None
            chan.close()
            POOL.release(self.host, conn)

    def wait(self, timeout: float) -> Opened:
        """The open channel; raises Cancelled, RemoteError or TimeoutError (given up)."""
        fut = POOL.submit(self.open())
        deadline = time.monotonic() + timeout
        while True:
            try:
                opened = fut.result(SLICE_S)
            except concurrent.futures.TimeoutError:
                cancelled = self.control.cancelled.is_set()
                if (cancelled or time.monotonic() > deadline) and fut.cancel():
                    POOL.loop().call_soon_threadsafe(self._abandon)
                    if cancelled:
                        raise Cancelled() from None
                    raise TimeoutError() from None
                continue
            except concurrent.futures.CancelledError:
                raise Cancelled() from None
            if opened is None:
                raise Cancelled()
            return opened
