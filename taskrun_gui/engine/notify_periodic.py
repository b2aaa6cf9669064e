"""What alerting looks at on a clock rather than at a run's end: tasks gone late (the dead
man's switch), the digest, and the ends of runs a dead host left (told by the next host that
serves). Checked when the host starts (a machine that was off or asleep finds its late tasks
as it comes back) and every tick after; what was told is remembered in the data dir
(storage.notify_state), so a restart does not tell it again."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from taskrun_gui.core import digest, late
from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.timefmt import local_text, now_ms
from taskrun_gui.engine import delivery
from taskrun_gui.storage import (
    channels_store,
    notify_queries,
    notify_state,
    policy_file,
    runs_repo,
    tasks_repo,
    undelivered,
)
from taskrun_gui.storage.writer import log_failure

if TYPE_CHECKING:
    from taskrun_gui.engine.notify_service import NotifyService

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, service: NotifyService) -> None:
        self.service = service
        self.data_dir = service.store.data_dir

    def check(self) -> None:
        try:
            self._untold()
            self._resend()
            self._late()
            self._digest()
        except Exception as exc:  # a busy store: the next tick looks again
            log_failure(log, exc, "late and digest check")

    def _untold(self) -> None:
        """The ends of runs recovery found interrupted (their host died with their alerts),
        told to the channels as a run's end is, once (its `then` chains are not started: it
        ended long ago, maybe); those a busy store kept from being read wait for the next
        tick."""
        if not notify_state.peek(self.data_dir).untold:
            return
        with notify_state.changing(self.data_dir) as state:
            uids, state.untold = state.untold, []
        try:
            while uids:
                rec = runs_repo.get_by_uid(uids[0])
                if rec is not None and rec.status is RunStatus.INTERRUPTED:
                    self.service.finished(rec, None, True, chain=False)
                uids.pop(0)
        finally:
            if uids:  # not read: put back for the next tick
                with notify_state.changing(self.data_dir) as state:
                    state.untold = uids + state.untold

    def _resend(self) -> None:
        """The alerts channels did not take whose next try is due (storage.undelivered)."""
        due = undelivered.take_due(self.data_dir, now_ms())
        channels = channels_store.load(self.data_dir) if due else {}
        for k in due:
            channel = channels.get(k.channel)
            if channel is None:  # removed since: its alerts go nowhere
                continue
            message = delivery.Message(k.event, k.title, k.body, k.run, k.first_at, k.tries)
            self.service.deliver(channel, message)

    def succeeded(self, rec: RunRecord, events: dict[str, tuple[str, str]]) -> None:
        """A success of a task that was late: it is back (a recovery, told once)."""
        key = str(rec.task_id)
        if key not in notify_state.peek(self.data_dir).late:
            return
        with notify_state.changing(self.data_dir) as state:
            state.late.pop(key, None)
        events.setdefault("recovery", (f"{rec.task_name} recovered", "It succeeded again."))

    def _late(self) -> None:
        now = now_ms()
        known = notify_state.load(self.data_dir).late
        newly: list[tuple[tasks_repo.TaskRow, int, int | None]] = []
        gone: list[str] = []
        for row in tasks_repo.list_all():
            key = str(row.id)
            last_ok = notify_queries.last_success_at(row.id)
            due = late.late_after(row.spec, last_ok or row.created_at)
            if due is None:
                if key in known:
                    gone.append(key)  # unscheduled or disabled: no longer watched
            elif now > due and key not in known:
                newly.append((row, due, last_ok))
        if not newly and not gone:
            return
        with notify_state.changing(self.data_dir) as state:
            for key in gone:
                state.late.pop(key, None)
            for row, _due, _ok in newly:
                state.late[str(row.id)] = now
        for row, due, last_ok in newly:
            since = (
                "it has never succeeded"
                if last_ok is None
                else (f"its last success was {local_text(last_ok)}")
            )
            text = f"No successful run by {local_text(due)}: {since}."
            self.service.tell(row.id, row.spec, {"late": (f"{row.name} is late", text)})

    def _digest(self) -> None:
        policy = policy_file.load(self.data_dir)
        period = digest.PERIODS_S.get(policy.digest)
        channel = channels_store.load(self.data_dir).get(policy.digest_channel)
        if period is None or channel is None:
            return
        now = now_ms()
        state = notify_state.load(self.data_dir)
        if state.digest_sent_at is not None and now - state.digest_sent_at < period * 1000:
            return
        with notify_state.changing(self.data_dir) as changing:
            changing.digest_sent_at = now  # once per period, delivered or not
        figures = [
            digest.TaskFigures(t.name, t.runs, t.failures, t.slowest_ms, t.statuses)
            for t in notify_queries.period_summary(now - period * 1000)
        ]
        names = {str(r.id): r.name for r in tasks_repo.list_all()}
        late_names = [names[k] for k in state.late if k in names]
        title, body = digest.digest_text(policy.digest, figures, late_names)
        self.service.deliver(channel, delivery.Message("digest", title, body))
