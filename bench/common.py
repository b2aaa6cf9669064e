"""What every benchmark shares: timing, a result row, temporary data dirs."""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# A TaskRun command as installed: Python keeps the modules' bytecode (this machine's shells
# set PYTHONDONTWRITEBYTECODE, which made every call compile TaskRun from source, ~100 ms).
INSTALLED_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@dataclass
class Result:
    name: str
    figure: str
    target: str
    met: bool

    def row(self) -> str:
        return (
            f"{self.name:<44} {self.figure:<30} {self.target:<22} {'met' if self.met else 'missed'}"
        )


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_of(n: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(n))


def report(results: list[Result]) -> None:
    for r in results:
        print(r.row(), flush=True)


WORK = Path(__file__).resolve().parent / ".work"
_SESSION = WORK / f"run-{os.getpid()}"


def scratch_dir() -> str:
    """A fresh folder for one measurement's data dir, beside the repo (bench/.work), not in
    /tmp. Removed when the bench process ends, not right after the measurement: ext4 makes
    creating files slow (up to ~1 ms each) for ~30 s after many were deleted nearby, so a
    clean-up between measurements made the next one measure it (1000 log files deleted,
    then 1000 runs timed)."""
    if not _SESSION.exists():
        _SESSION.mkdir(parents=True)
        atexit.register(_remove_scratch)
    return tempfile.mkdtemp(dir=_SESSION)


def _remove_scratch() -> None:
    """This session's folders, and those of sessions that were killed."""
    for folder in WORK.glob("run-*"):
        pid = folder.name.removeprefix("run-")
        if folder == _SESSION or not (pid.isdigit() and Path(f"/proc/{pid}").exists()):
            shutil.rmtree(folder, ignore_errors=True)
