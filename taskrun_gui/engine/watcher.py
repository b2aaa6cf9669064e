"""A window that does not host its data dir (a `taskrun daemon` does) still shows runs live:
this thread follows the active runs in the store and the tails of their log files, and
reports what changed, as the executor would."""

from __future__ import annotations

import codecs
import threading
from collections.abc import Callable
from pathlib import Path

from taskrun_gui.core.models import RunRecord
from taskrun_gui.engine.locks import host_alive
from taskrun_gui.engine.log_follow import LogFollower
from taskrun_gui.engine.logsink import MAX_BATCH_BYTES
from taskrun_gui.engine.ticker import StoreTicker
from taskrun_gui.storage import pg_listen, runs_repo
from taskrun_gui.storage.db import Store

ChangesCallback = Callable[[list[RunRecord], list[RunRecord]], None]  # (active, changed)
OutputCallback = Callable[[str, str, int], None]  # (uid, text, log offset after it)


class RunWatcher(StoreTicker):
    def __init__(
        self,
        store: Store,
        on_changes: ChangesCallback,
        on_output: OutputCallback,
        interval: float = 0.5,
        on_host_gone: Callable[[], None] | None = None,
    ) -> None:
        """`on_host_gone`: called at every look while nobody holds the data dir's host lock
        (level, not edge: a takeover that lost a race to a passing lock holder is asked
        again at the next look)."""
        super().__init__(store, "taskrun-watcher", pg_listen.poll_interval(store.url, interval))
        self.on_changes = on_changes
        self.on_output = on_output
        self.on_host_gone = on_host_gone
        self._known: dict[str, RunRecord] = {}
        self._last_id = 0
        self._primed = False
        self._followers: dict[str, LogFollower] = {}
        self._decoders: dict[str, codecs.IncrementalDecoder] = {}
        self._notices: pg_listen.Subscription | None = None

    def start(self) -> None:
        """On a shared server, any run's change anywhere is looked at now (the poll stays
        the fallback for a notification lost)."""
        self._notices = pg_listen.subscribe(self.store.url, lambda _n, _again: self.wake())
        super().start()

    def stop(self) -> None:
        if self._notices is not None:
            self._notices.close()
            self._notices = None
        super().stop()

    def poll_once(self) -> None:
        if self.on_host_gone is not None and not host_alive(self.store.locks_dir):
            self.on_host_gone()
        if not self._primed:  # what ended before we came is not news
            self._last_id = self._newest_id()
            self._primed = True
        # the active runs, and every run new since the last look: a quick one may have gone
        # from queued to final in between two looks
        records = runs_repo.active_or_after(self._last_id)
        self._last_id = max([self._last_id, *(r.id or 0 for r in records)])
        active = {r.uid: r for r in records if not r.status.is_final}
        changed = [
            r
            for r in records
            if r.uid not in self._known or self._known[r.uid].status is not r.status
        ]
        for rec in changed:
            if rec.status.is_final:  # new and already over
                self._tail(rec)
                self._forget(rec.uid)
        for uid in set(self._known) - set(active):  # no longer active: it ended
            final = runs_repo.get_by_uid(uid)
            if final is not None:
                self._tail(final)
                changed.append(final)
            self._forget(uid)
        for rec in active.values():
            if rec.status.is_live:
                self._tail(rec)
        self._known = active
        if changed:
            self.on_changes(list(active.values()), changed)

    def _forget(self, uid: str) -> None:
        self._followers.pop(uid, None)
        self._decoders.pop(uid, None)

    @staticmethod
    def _newest_id() -> int:
        return runs_repo.newest_id()

    def _tail(self, rec: RunRecord) -> None:
        """New output of a run since the last look: at most one batch's worth, as a viewer
        would get it from the executor; past the head of a capped log, from its newest tail
        segment."""
        follower = self._followers.setdefault(rec.uid, LogFollower(Path(rec.log_path)))
        data, skipped = follower.read(MAX_BATCH_BYTES)
        if not data and not skipped:
            return
        decoder = self._decoders.setdefault(
            rec.uid, codecs.getincrementaldecoder("utf-8")(errors="replace")
        )
        note = ""
        if skipped:
            note = f"\n[… {skipped} bytes not shown live; the log file has them]\n"
            decoder.reset()
        self.on_output(rec.uid, note + decoder.decode(data), follower.position)


class ChangeWaiter:
    """A command's sleep between two looks at a run it waits for (`taskrun run --wait`):
    on a shared server it ends as soon as a notification tells that run changed (or that
    changes may have gone unseen), so a run executing on another node is seen ending within a
    second; the timeout stays the fallback poll. On SQLite, a plain sleep."""

    def __init__(self, store: Store) -> None:
        self._ready = threading.Event()
        self._run_id: int | None = None
        self._notices = pg_listen.subscribe(store.url, self._on_notices)
        self.listening = self._notices is not None

    def _on_notices(self, notices: list[pg_listen.RunNotice], look_again: bool) -> None:
        run_id = self._run_id
        if look_again or run_id is None or any(n.run_id == run_id for n in notices):
            self._ready.set()

    def wait(self, timeout: float, run_id: int | None = None) -> None:
        """Until `run_id` (None: any run) changes, or `timeout` seconds."""
        self._run_id = run_id
        self._ready.wait(timeout)
        self._ready.clear()

    def close(self) -> None:
        if self._notices is not None:
            self._notices.close()
            self._notices = None
