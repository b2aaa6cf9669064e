"""The digest: a daily or weekly summary of a data dir's runs, as the text a channel gets.
Pure: the engine reads the figures (storage.notify_queries) and sends what this writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from taskrun_gui.core.insights import is_flaky
from taskrun_gui.core.timefmt import human_duration

PERIODS_S = {"daily": 86_400, "weekly": 7 * 86_400}
TOP = 5


@dataclass(frozen=True)
class TaskFigures:
    name: str
    runs: int
    failures: int
    slowest_ms: int | None
    statuses: Sequence[str]  # oldest first


def digest_text(period: str, tasks: Sequence[TaskFigures], late: Sequence[str]) -> tuple[str, str]:
    """(title, body) of the digest of one period."""
    runs = sum(t.runs for t in tasks)
    failures = sum(t.failures for t in tasks)
    title = f"TaskRun {period} digest: {runs} run(s), {failures} failure(s)"
    lines = [f"Runs: {runs}", f"Failures: {failures}"]
    failing = sorted((t for t in tasks if t.failures), key=lambda t: -t.failures)[:TOP]
    if failing:
        lines.append("Failing: " + ", ".join(f"{t.name} ({t.failures})" for t in failing))
    timed = sorted((t for t in tasks if t.slowest_ms), key=lambda t: -(t.slowest_ms or 0))[:TOP]
    if timed:
        shown = [f"{t.name} ({human_duration((t.slowest_ms or 0) / 1000)})" for t in timed]
        lines.append("Slowest: " + ", ".join(shown))
    flaky = [t.name for t in tasks if is_flaky(list(t.statuses), min_runs=4)]
    lines.append("Flaky: " + (", ".join(sorted(flaky)) if flaky else "none"))
    lines.append("Late: " + (", ".join(sorted(late)) if late else "none"))
    return title, "\n".join(lines)
