"""The history table's columns and how one run reads in each: shared by the model and the
tab (default widths), kept apart so the model file stays about paging, not formatting."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication

from taskrun_gui.core.models import RunRecord, RunStatus
from taskrun_gui.core.timefmt import elapsed_text, human_bytes, human_duration, local_text, now_ms
from taskrun_gui.ui.theme import is_dark, status_color
from taskrun_gui.ui.widgets.status_delegate import chip_cell_width


class Col(IntEnum):
    ID = 0
    TASK = 1
    STATUS = 2
    TRIGGER = 3
    ATTEMPT = 4
    QUEUED = 5
    STARTED = 6
    DURATION = 7
    EXIT_CODE = 8
    ERROR = 9
    PEAK_RSS = 10
    CPU = 11
    HOST = 12  # hidden until some run has one (ui/history/host_filter.py)
    NODE = 13  # hidden until the history has two nodes (ui/history/node_filter.py)


HEADERS = {
    Col.ID: "ID",
    Col.TASK: "Task",
    Col.STATUS: "Status",
    Col.TRIGGER: "Trigger",
    Col.ATTEMPT: "Attempt",
    Col.QUEUED: "Queued",
    Col.STARTED: "Started",
    Col.DURATION: "Duration",
    Col.EXIT_CODE: "Exit code",
    Col.ERROR: "Error",
    Col.PEAK_RSS: "Peak RSS",
    Col.CPU: "CPU s",
    Col.HOST: "Host",
    Col.NODE: "Node",
}

# The widest text each column usually holds: widths follow the font (a 14 pt font gets
# wider columns), Error takes what is left (it stretches) and elides. Status is as wide as
# its widest chip (see fitted_widths).
SAMPLES = {
    Col.ID: "000000",
    Col.TASK: "nightly-backup-db",
    Col.TRIGGER: "schedule",
    Col.ATTEMPT: "Attempt",
    Col.QUEUED: "2026-12-31 23:59:59",
    Col.STARTED: "2026-12-31 23:59:59",
    Col.DURATION: "12m 05s ▲ slow",
    Col.EXIT_CODE: "Exit code",
    Col.PEAK_RSS: "1023.9 MiB",
    Col.CPU: "1234.56",
    Col.HOST: "build-box-02",
    Col.NODE: "build-box-02",
}
ERROR_MIN_CHARS = 16  # the Error column is never squeezed below this
# Dropped first when the table is too narrow for every column: Started says when it ran.
NARROW_HIDDEN = (Col.QUEUED, Col.TRIGGER)


def fitted_widths(metrics: QFontMetrics) -> dict[Col, int]:
    """A width per column (but Error) that shows its usual text in this font, uncut; the
    Status column every status's chip whole, its icon and padding included."""
    pad = 2 * metrics.horizontalAdvance("M")
    widths = {col: metrics.horizontalAdvance(text) + pad for col, text in SAMPLES.items()}
    widths[Col.STATUS] = max(chip_cell_width(metrics, str(s)) for s in RunStatus)
    return dict(sorted(widths.items()))


# Figures read best right-aligned, so their digits line up down the column.
NUMERIC = frozenset({Col.ID, Col.ATTEMPT, Col.DURATION, Col.EXIT_CODE, Col.PEAK_RSS, Col.CPU})


def _opt(value: object) -> str:
    return "" if value is None else str(value)


def _error(rec: RunRecord) -> str:
    """One line only: rows have a fixed height, so a multi-line message would be cut anyway."""
    text = rec.error_message or (str(rec.error_type) if rec.error_type else "")
    return " ".join(text.split())


def _duration(rec: RunRecord) -> str:
    """A running run ticks (the tab repaints the column each second): how long so far."""
    if rec.status.is_live and rec.duration_ms is None:
        return elapsed_text(rec.started_at, now_ms())
    return human_duration(rec.duration_seconds) + (" ▲ slow" if rec.slow else "")


def _cpu(rec: RunRecord) -> str:
    return "" if rec.cpu_seconds is None else f"{rec.cpu_seconds:.2f}"


_TEXT: dict[Col, Callable[[RunRecord], str]] = {
    Col.ID: lambda r: _opt(r.id),
    Col.TASK: lambda r: r.task_name,
    Col.STATUS: lambda r: str(r.status),
    Col.TRIGGER: lambda r: str(r.trigger),
    Col.ATTEMPT: lambda r: str(r.attempt),
    Col.QUEUED: lambda r: local_text(r.queued_at),
    Col.STARTED: lambda r: local_text(r.started_at),
    Col.DURATION: lambda r: _duration(r),
    Col.EXIT_CODE: lambda r: _opt(r.exit_code),
    Col.ERROR: _error,
    Col.PEAK_RSS: lambda r: human_bytes(r.peak_rss),
    Col.CPU: _cpu,
    Col.HOST: lambda r: r.host or "",
    Col.NODE: lambda r: r.node or "",
}


def cell_text(rec: RunRecord, col: Col) -> str:
    return _TEXT[col](rec)


def error_tooltip(rec: RunRecord) -> str | None:
    """The whole message, with its type, for the hover: the cell shows one line of it."""
    if not rec.error_message and rec.error_type is None:
        return None
    kind = "" if rec.error_type is None else f"[{rec.error_type}] "
    return f"{kind}{rec.error_message or ''}"


_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


def alignment(col: Col) -> Qt.AlignmentFlag:
    return _RIGHT if col in NUMERIC else _LEFT


def cell_data(rec: RunRecord, col: Col, role: int) -> Any:
    """What the model returns for a loaded row: text, the status colour, the error tooltip."""
    if role == Qt.ItemDataRole.DisplayRole:
        return cell_text(rec, col)
    if role == Qt.ItemDataRole.ForegroundRole and col == Col.STATUS:
        return status_color(str(rec.status), is_dark(QGuiApplication.palette()))
    if role == Qt.ItemDataRole.ToolTipRole and col == Col.ERROR:
        return error_tooltip(rec)
    if rec.slow and col == Col.DURATION:
        if role == Qt.ItemDataRole.ForegroundRole:
            return status_color(str(RunStatus.TIMEOUT), is_dark(QGuiApplication.palette()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return "Much slower than this task's recent successful runs (over 1.5 times their p95)"
    return None
