"""The Monitor charts' axes: time as "5 min … now" rather than bare negative seconds, and rates
in the one size format of every screen (human_bytes: "110 KiB/s", not "1.1e+02 kB/s")."""

from __future__ import annotations

import pyqtgraph as pg

from taskrun_gui.core.timefmt import human_bytes


class AgoAxis(pg.AxisItem):  # type: ignore[misc]
    """x = seconds before the newest sample (-300..0), ticked each minute."""

    def __init__(self) -> None:
        super().__init__("bottom")
        self.enableAutoSIPrefix(False)
        self.setTickSpacing(60, 30)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [ago_text(v) for v in values]


def ago_text(x: float) -> str:
    """A tick of the time axis: "now", "30 s", "2 min" (ago)."""
    seconds = round(-x)
    if seconds <= 0:
        return "now"
    if seconds % 60:
        return f"{seconds} s"
    return f"{seconds // 60} min"


class RateAxis(pg.AxisItem):  # type: ignore[misc]
    """Bytes per second, ticked in IEC units like the labels above the chart."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        """Steps of 1, 2 or 5 (x 10^n) of a binary unit, so ticks read 50 MiB/s, not 47.7."""
        return [(rate_step(maxVal - minVal, max(int(size / 40), 2)), 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [rate_text(v) if v > 0 else "0" for v in values]


def rate_step(span: float, ticks: int) -> float:
    """The smallest round step (in B, KiB, MiB or GiB) giving at most `ticks` ticks."""
    unit = 1.0
    while span / unit >= 1024 and unit < 1024**3:
        unit *= 1024
    for factor in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000):
        if span / (factor * unit) <= ticks:
            return factor * unit
    return 1024 * unit


class PercentAxis(pg.AxisItem):  # type: ignore[misc]
    """0 to 100 %, every 25."""

    def __init__(self) -> None:
        super().__init__("left")
        self.enableAutoSIPrefix(False)
        self.setTickSpacing(25, 25)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [f"{v:.0f} %" for v in values]


def rate_text(bps: float) -> str:
    return f"{human_bytes(bps)}/s"
