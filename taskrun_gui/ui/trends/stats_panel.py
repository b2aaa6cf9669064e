"""The scope's statistics (the figures `taskrun stats` prints) and what the insights found."""

from __future__ import annotations

import time

from PySide6.QtWidgets import QFormLayout, QGroupBox, QLabel, QVBoxLayout, QWidget

from taskrun_gui.core.stats import RunStats
from taskrun_gui.core.timefmt import human_duration
from taskrun_gui.storage.trends_repo import ShiftMark

NONE = "-"

# (key, label) in the order shown
FIELDS: tuple[tuple[str, str], ...] = (
    ("total", "Runs"),
    ("success", "Success"),
    ("failed", "Failed"),
    ("timeout", "Timeout"),
    ("cancelled", "Cancelled"),
    ("error", "Error"),
    ("interrupted", "Interrupted"),
    ("success_rate", "Success rate"),
    ("avg_s", "Average"),
    ("min_s", "Min"),
    ("max_s", "Max"),
    ("p50_s", "Median (p50)"),
    ("p95_s", "p95"),
)


def stat_text(stats: RunStats, key: str) -> str:
    value = getattr(stats, key)
    if value is None:
        return NONE
    if key == "success_rate":
        return f"{value * 100:.1f} %"
    if key.endswith("_s"):
        return human_duration(float(value))
    return f"{int(value):,}"


class StatsPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: dict[str, QLabel] = {}
        stats_box = QGroupBox("Statistics")
        form = QFormLayout(stats_box)
        form.setHorizontalSpacing(16)
        for key, label in FIELDS:
            value = QLabel(NONE)
            value.setObjectName(f"stat_{key}")
            self.values[key] = value
            form.addRow(label, value)
        insights_box = QGroupBox("Insights")
        self.slow_label = QLabel(NONE)
        self.shifts_label = QLabel(NONE)
        self.flaky_label = QLabel(NONE)
        self.sample_label = QLabel("")
        insights = QVBoxLayout(insights_box)
        for line in (self.slow_label, self.shifts_label, self.flaky_label, self.sample_label):
            line.setWordWrap(True)
            insights.addWidget(line)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(stats_box)
        layout.addWidget(insights_box)
        layout.addStretch(1)

    def set_stats(self, stats: RunStats) -> None:
        for key, label in self.values.items():
            label.setText(stat_text(stats, key))

    def text(self, key: str) -> str:
        return self.values[key].text()

    def set_insights(
        self,
        slow: int,
        shifts: list[ShiftMark] | None,
        flip_rate: float | None,
        flaky: bool,
        shown: int,
        total: int,
        sampled: bool,
    ) -> None:
        """`shifts` and `flip_rate` are None when the scope is all tasks (they need one)."""
        self.slow_label.setText(
            "No slow runs" if not slow else f"{slow} slow run{'s' * (slow != 1)} (ringed)"
        )
        if shifts is None:
            self.shifts_label.setText("Duration shifts: choose a task")
        elif not shifts:
            self.shifts_label.setText("No lasting duration shift")
        else:
            lines = [_shift_text(s) for s in shifts]
            self.shifts_label.setText("Duration shifts:\n" + "\n".join(lines))
        if flip_rate is None:
            self.flaky_label.setText("Flakiness: choose a task")
        else:
            verdict = "flaky" if flaky else "steady"
            self.flaky_label.setText(
                f"Flakiness: {verdict} (flips {flip_rate:.0%} of the last runs)"
            )
        self.sample_label.setText(
            f"Durations: {shown:,} of {total:,} timed runs, sampled evenly over time"
            if sampled
            else ""
        )


def _shift_text(shift: ShiftMark) -> str:
    when = time.strftime("%Y-%m-%d", time.localtime(shift.at_ms / 1000))
    before = human_duration(shift.before_ms / 1000)
    after = human_duration(shift.after_ms / 1000)
    return f"• {when}: {before} → {after}{versions_text(shift)}"


def versions_text(shift: ShiftMark) -> str:
    """' (v1 → v2)' where the version changed with it; a shift within one version names it
    once (it read "v1 → v1")."""
    before, after = shift.version_before, shift.version_after
    if before == after or before is None or after is None:
        known = after if after is not None else before
        return "" if known is None else f" (v{known})"
    return f" (v{before} → v{after})"
