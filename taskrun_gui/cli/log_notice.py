"""Telling the user, once per kind of problem and not at every run, that output could not be
written to a log file (a full disk): on stderr, which is the daemon's log."""

from __future__ import annotations

from taskrun_gui.cli.common import warn
from taskrun_gui.core.models import RunRecord

_told: set[str] = set()


def tell_log_error(rec: RunRecord) -> None:
    if not rec.log_error or rec.log_error in _told:
        return
    _told.add(rec.log_error)
    warn(
        f"{rec.log_dropped} bytes of the output of run {rec.id or rec.uid[:8]} "
        f"({rec.task_name}) could not be written to {rec.log_path}: {rec.log_error}; "
        "runs go on and their records are kept"
    )
