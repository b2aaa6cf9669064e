"""How long a run's processes get between SIGTERM and SIGKILL: TASKRUN_KILL_GRACE seconds
(0 to an hour), else 5. A value that is no such number (a typo, NaN, 1e9 that would never
kill) is said once in the log, and the default holds."""

from __future__ import annotations

import logging
import math
import os

log = logging.getLogger(__name__)

KILL_GRACE_S = 5.0
MAX_KILL_GRACE_S = 3600.0


def kill_grace() -> float:
    """Seconds between SIGTERM and SIGKILL."""
    text = os.environ.get("TASKRUN_KILL_GRACE")
    if text is None:
        return KILL_GRACE_S
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if 0.0 <= value <= MAX_KILL_GRACE_S:  # NaN and infinities fail this
        return value
    if text not in _SAID_GRACE:
        _SAID_GRACE.add(text)
        log.warning("TASKRUN_KILL_GRACE=%r is not 0 to 3600 seconds: %g s used", text, KILL_GRACE_S)
    return KILL_GRACE_S


_SAID_GRACE: set[str] = set()
