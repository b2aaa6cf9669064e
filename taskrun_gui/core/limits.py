"""The bounds the command line checks as it reads its options, in a module that imports
nothing: `taskrun --help` and the parser must not pay for cron parsing, validation or the
ORM to know them. Their owners (validation, schedule, retention) take them from here."""

from __future__ import annotations

MAX_TIMEOUT = 10_000_000  # seconds: the CLI's and the editor's bound too
MIN_TIMEOUT = 0.001  # a shorter one stops the run before its process can start
MAX_EVERY_SECONDS = 3650 * 86400  # ten years: any longer is a typo, and dates would overflow
# 0 is refused too: "older than now" or "keep none" is every finished run, never meant
RETENTION_MAX_DAYS = 36_500  # a hundred years, as the Settings dialog and the CLI allow
RETENTION_MAX_KEEP = 1_000_000_000
# `nodes --max-running`: the slots a node may try per start; beyond it a limit means nothing
MAX_RUNNING_CAP = 10_000
