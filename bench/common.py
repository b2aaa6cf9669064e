"""What every benchmark shares: timing, a result row, temporary data dirs."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

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


def work_dir() -> str:
    """A scratch folder for data dirs: beside the repo (bench/.work), not /tmp, which is an
    overlay here where creating a file costs ~0.7 ms and would dominate run overheads."""
    import tempfile
    from pathlib import Path

    base = Path(__file__).resolve().parent / ".work"
    base.mkdir(exist_ok=True)
    return tempfile.mkdtemp(dir=base)
