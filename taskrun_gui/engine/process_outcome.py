"""How a run's process ended, as the run records it, and the outcomes of one that could not
be started at all (each with the message a user can act on)."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from taskrun_gui.core.models import ErrorType, RunStatus


@dataclass
class ProcessOutcome:
    status: RunStatus
    exit_code: int | None = None
    signal: int | None = None
    error_type: ErrorType | None = None
    error_message: str | None = None
    pid: int | None = None
    peak_rss: int = 0
    cpu_seconds: float = 0.0


def bad_cwd(cwd: str) -> ProcessOutcome:
    return ProcessOutcome(
        RunStatus.ERROR,
        error_type=ErrorType.BAD_CWD,
        error_message=f"working directory {cwd!r} does not exist",
    )


def classify_spawn_error(exc: OSError, argv: list[str], cwd: str | None) -> ProcessOutcome:
    if cwd and not os.path.isdir(cwd):
        return bad_cwd(cwd)
    if isinstance(exc, FileNotFoundError):
        return ProcessOutcome(
            RunStatus.ERROR,
            error_type=ErrorType.NOT_FOUND,
            error_message=f"{argv[0]!r} was not found",
        )
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.ENOEXEC):
        where = f" or working directory {cwd!r}" if cwd else ""
        return ProcessOutcome(
            RunStatus.ERROR,
            error_type=ErrorType.PERMISSION,
            error_message=f"permission denied running {argv[0]!r}{where}: {exc.strerror}",
        )
    return ProcessOutcome(
        RunStatus.ERROR,
        error_type=ErrorType.INTERNAL,
        error_message=f"could not start {argv[0]!r}: {exc}",
    )
