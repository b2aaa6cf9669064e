"""What a task's recent history says: slow runs, lasting duration shifts, flakiness, alerts.

All inputs are in chronological order (oldest first). Thresholds are defaults a user can change;
the functions only compare numbers, so they are cheap enough to run after every finished run.
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from taskrun_gui.core.durations import percentile
from taskrun_gui.core.models import RunStatus
from taskrun_gui.core.stats import FINISHED_STATUSES

RunId = TypeVar("RunId", bound=Hashable)

SLOW_WINDOW = 30  # successful runs a new run is compared against
FLIP_WINDOW = 20  # finished runs flip_rate looks at
_JUDGED_FOR_SLOWNESS = frozenset(s for s in RunStatus if s.is_judged_for_slowness)


def is_slow(
    duration_ms: float,
    recent_success_durations: Sequence[float],
    factor: float = 1.5,
    min_runs: int = 10,
) -> bool:
    """True when the run took more than factor x the p95 of the last 30 successful runs.

    Needs min_runs earlier successes: a new task has no "normal" to be slow against.
    """
    if len(recent_success_durations) < min_runs:
        return False
    p95 = percentile(recent_success_durations[-SLOW_WINDOW:], 95)
    return p95 is not None and duration_ms > factor * p95


def flag_slow_runs(
    runs: Sequence[tuple[RunId, str, int | None]],
    factor: float = 1.5,
    min_runs: int = 10,
) -> set[RunId]:
    """The ids of slow runs, each success or failure judged against the successes before it."""
    slow: set[RunId] = set()
    successes: list[float] = []
    for run_id, status, duration_ms in runs:
        if duration_ms is None:
            continue
        if status in _JUDGED_FOR_SLOWNESS and is_slow(duration_ms, successes, factor, min_runs):
            slow.add(run_id)
        if status == RunStatus.SUCCESS:
            successes.append(duration_ms)
    return slow


MIN_SHIFT_MS = 20.0  # medians closer than this are one level: "3 ms -> 2 ms" is noise


def duration_shifts(
    durations: Sequence[float],
    min_segment: int = 10,
    ratio: float = 1.3,
    min_ms: float = MIN_SHIFT_MS,
) -> list[int]:
    """Indices where the typical duration changed for good (the first run of the new level).

    Binary segmentation: in a segment, the split point is the one that best separates the mean
    log duration before and after it (the largest drop in squared error; logs make a 100 -> 200
    ms step weigh the same as a 10 -> 20 s one). The split is kept when both sides hold
    min_segment runs and their medians differ by more than `ratio` either way, and by
    `min_ms` at least (durations in ms: a run of `true` wavers from 2 to 15 ms); then both sides
    are searched the same way. When the best split leaves fewer than min_segment runs on one
    side (a change too recent to call, or an outlier at an edge), only the longer side is
    searched. Ties go to the earliest split, so the result is deterministic; O(n log n) per level.
    """
    values = [max(float(d), 1e-6) for d in durations]
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + math.log(v))
    shifts: list[int] = []
    pending = [(0, len(values))]
    while pending:
        lo, hi = pending.pop()
        if hi - lo < 2 * max(min_segment, 1):
            continue
        split = _best_split(prefix, lo, hi)
        if split - lo < min_segment:
            pending.append((split, hi))
        elif hi - split < min_segment:
            pending.append((lo, split))
        elif _differ(values[lo:split], values[split:hi], ratio, min_ms):
            shifts.append(split)
            pending += [(lo, split), (split, hi)]
    return sorted(shifts)


def _best_split(prefix: list[float], lo: int, hi: int) -> int:
    """The split of [lo, hi) whose two sides have the most different mean (log) durations."""
    total, n = prefix[hi] - prefix[lo], hi - lo
    best_gain, best = -1.0, lo + 1
    for split in range(lo + 1, hi):
        left_n, left_sum = split - lo, prefix[split] - prefix[lo]
        right_n, right_sum = n - left_n, total - left_sum
        diff = left_sum / left_n - right_sum / right_n
        gain = left_n * right_n / n * diff * diff
        if gain > best_gain + 1e-12:
            best_gain, best = gain, split
    return best


def _differ(before: Sequence[float], after: Sequence[float], ratio: float, min_ms: float) -> bool:
    a, b = percentile(before, 50), percentile(after, 50)
    assert a is not None and b is not None
    return max(a, b) > ratio * min(a, b) and abs(a - b) >= min_ms


def flip_rate(statuses: Sequence[str]) -> float:
    """Share of consecutive finished runs (last 20) that flip between success and not-success.

    Cancelled and unfinished runs are left out; 0.0 when fewer than two runs finished.
    """
    finished = [s == RunStatus.SUCCESS for s in statuses if s in FINISHED_STATUSES]
    window = finished[-FLIP_WINDOW:]
    if len(window) < 2:
        return 0.0
    flips = sum(1 for a, b in itertools.pairwise(window) if a != b)
    return flips / (len(window) - 1)


def is_flaky(statuses: Sequence[str], threshold: float = 0.3, min_runs: int = 8) -> bool:
    """Flaky: at least min_runs finished runs and a flip rate of threshold or more."""
    finished = sum(1 for s in statuses if s in FINISHED_STATUSES)
    return finished >= min_runs and flip_rate(statuses) >= threshold


def slow_runs_by_task(
    runs: Iterable[tuple[RunId, int, str, int | None]],
) -> set[RunId]:
    """flag_slow_runs per task over (run id, task id, status, duration ms) rows, oldest first:
    each run judged against its own task's past, never against another task's."""
    by_task: dict[int, list[tuple[RunId, str, int | None]]] = {}
    for run_id, task_id, status, took in runs:
        by_task.setdefault(task_id, []).append((run_id, status, took))
    slow: set[RunId] = set()
    for task_runs in by_task.values():
        slow |= flag_slow_runs(task_runs)
    return slow


@dataclass(frozen=True)
class Shift:
    """A lasting change of a task's typical duration, by position in the series given."""

    at: int  # the first run at the new level
    before: int  # the successful run just before it
    before_ms: float  # median duration before and after the shift
    after_ms: float


def success_shifts(statuses: Sequence[str], durations_ms: Sequence[float]) -> list[Shift]:
    """duration_shifts over the successful runs of one task's series. A failed run's duration
    says how long it took to break, not how fast the task is, so failures are left out."""
    good = [i for i, s in enumerate(statuses) if s == RunStatus.SUCCESS]
    values = [float(durations_ms[i]) for i in good]
    splits = duration_shifts(values)
    bounds = [0, *splits, len(good)]
    shifts = []
    for k, split in enumerate(splits):
        before = percentile(values[bounds[k] : split], 50)
        after = percentile(values[split : bounds[k + 2]], 50)
        shifts.append(Shift(good[split], good[split - 1], before or 0.0, after or 0.0))
    return shifts


def flakiness(statuses: Sequence[str]) -> tuple[float, bool]:
    """(flip rate, flaky?) over a task's recent statuses, oldest first."""
    return flip_rate(statuses), is_flaky(statuses)


class AlertKind(StrEnum):
    LOW_SUCCESS_RATE = "low_success_rate"
    RECOVERED = "recovered"
    SLOW_RUN = "slow_run"


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    task_id: int
    value: float | None = None  # the success rate, or the run's duration in ms
    threshold: float | None = None
    run_id: Hashable | None = None


class AlertTracker:
    """Turns repeated observations into alerts that fire once per change of state.

    A task starts "ok". Its success rate dropping below the threshold fires LOW_SUCCESS_RATE;
    staying low fires nothing; climbing back to the threshold or above fires RECOVERED once.
    A None rate (no finished runs) changes nothing. A slow run fires SLOW_RUN once per run id.
    """

    def __init__(self, remembered_runs: int = 10_000) -> None:
        self._low: set[int] = set()
        self._alerted_runs: OrderedDict[Hashable, None] = OrderedDict()
        self._remembered_runs = remembered_runs

    def observe(self, task_id: int, success_rate: float | None, threshold: float) -> Alert | None:
        if success_rate is None:
            return None
        is_low = success_rate < threshold
        was_low = task_id in self._low
        if is_low == was_low:
            return None
        if is_low:
            self._low.add(task_id)
            return Alert(AlertKind.LOW_SUCCESS_RATE, task_id, success_rate, threshold)
        self._low.discard(task_id)
        return Alert(AlertKind.RECOVERED, task_id, success_rate, threshold)

    def slow_run(self, task_id: int, run_id: Hashable, duration_ms: float) -> Alert | None:
        key = (task_id, run_id)
        if key in self._alerted_runs:
            return None
        self._alerted_runs[key] = None
        while len(self._alerted_runs) > self._remembered_runs:
            self._alerted_runs.popitem(last=False)
        return Alert(AlertKind.SLOW_RUN, task_id, float(duration_ms), run_id=run_id)

    def is_low(self, task_id: int) -> bool:
        return task_id in self._low

    def forget(self, task_id: int) -> None:
        """Drop a deleted task's state, so a new task reusing the id starts "ok"."""
        self._low.discard(task_id)
        for key in [k for k in self._alerted_runs if isinstance(k, tuple) and k[0] == task_id]:
            del self._alerted_runs[key]
