"""The host's queue of runs waiting for a worker: served by priority, then first come; the
user may move a run to another place, and that order then stands."""

from __future__ import annotations

from collections.abc import Iterator

from taskrun_gui.core.models import RunRecord
from taskrun_gui.engine.runner import RunJob


class RunQueue:
    def __init__(self) -> None:
        self._jobs: list[RunJob] = []

    def __len__(self) -> int:
        return len(self._jobs)

    def __iter__(self) -> Iterator[RunJob]:
        """In serving order; the queue must not change while this is iterated."""
        return iter(self._jobs)

    def add(self, job: RunJob) -> None:
        """Behind every run of the same or higher priority."""
        prio = job.record.priority
        at = len(self._jobs)
        while at > 0 and self._jobs[at - 1].record.priority < prio:
            at -= 1
        self._jobs.insert(at, job)

    def find(self, uid: str) -> RunJob | None:
        return next((j for j in self._jobs if j.record.uid == uid), None)

    def remove(self, uid: str) -> RunJob | None:
        job = self.find(uid)
        if job is not None:
            self._jobs.remove(job)
        return job

    def discard(self, jobs: list[RunJob]) -> None:
        """Take out started runs: usually the first ones, so look there before rebuilding."""
        if not jobs:
            return
        gone = {id(j) for j in jobs}
        head = 0
        while head < len(self._jobs) and id(self._jobs[head]) in gone:
            head += 1
        if head == len(jobs):
            del self._jobs[:head]
        else:
            self._jobs = [j for j in self._jobs if id(j) not in gone]

    def move(self, uid: str, index: int) -> bool:
        job = self.remove(uid)
        if job is None:
            return False
        self._jobs.insert(max(0, min(index, len(self._jobs))), job)
        return True

    def records(self) -> list[RunRecord]:
        return [j.record for j in self._jobs]

    def uids(self) -> set[str]:
        return {j.record.uid for j in self._jobs}
