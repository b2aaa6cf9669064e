"""Target 1: executor overhead. 1000 runs of `true`, each recorded in history with its log
file, 2 workers, against 1000 bare subprocess.run(['true']) calls on 2 threads, same process,
same run. Also the CLI end to end: taskrun --workers 2 run noop --repeat 1000 --wait, against
Task Spooler's 1000 client calls. Each comparison is REPS alternated pairs: the figure is the
median of their ratios, with the spread beside it (a shared machine drifts within a run)."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import peers
from bench.common import INSTALLED_ENV, Result, report, scratch_dir

N = 1000


def bare(n: int = N) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: subprocess.run(["true"], check=False), range(n)))
    return time.perf_counter() - start


def through_executor(n: int = N, where: str | None = None, url: str | None = None) -> float:
    """`where`: the folder to make the data dir in (default: bench/.work, beside the repo).
    `url`: the history in that PostgreSQL database rather than the data dir (bench_pg)."""
    from PySide6.QtCore import QCoreApplication

    from taskrun_gui import qt_gc
    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.executor.host import Host
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.runs_repo import RunFilter, count

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    qt_gc.install(app)  # as every host process does (the window, the daemon, the CLI)
    d = tempfile.mkdtemp(dir=where) if where else scratch_dir()
    store = Store(d, url).open()
    with store.db.atomic():
        task = tasks_repo.create(
            TaskSpec(name="noop", command="true", shell=False, max_concurrent=2)
        )
    host = Host(store, workers=2, schedules=False)
    assert host.try_serve()
    ex = host.executor
    ex.idle.connect(app.quit)
    start = time.perf_counter()
    ex.enqueue(task.id, task.version, task.spec, repeat=n)
    app.exec()
    host.writer.flush(60)
    elapsed = time.perf_counter() - start
    recorded = count(RunFilter(task_id=task.id))
    logs = sum(1 for _ in Path(d, "logs").rglob("*.log"))
    host.close()
    store.close()
    assert recorded == n and logs == n, (recorded, logs)
    return elapsed


def create_files(n: int = N) -> float:
    """What the file system alone costs: n empty files made in a data dir's log folder, on
    2 threads, the way the runs make their logs (it varies a lot with the file system's
    state: 20 us to 1 ms a file on this machine's ext4)."""
    folder = Path(scratch_dir(), "logs", "2026-01")
    folder.mkdir(parents=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC

    def make(i: int) -> None:
        os.close(os.open(folder / f"{uuid.uuid4().hex}.log", flags, 0o600))

    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(make, range(n)))
    return time.perf_counter() - start


def through_cli(n: int = N) -> float:
    d = scratch_dir()
    base = [sys.executable, "-m", "taskrun_gui.cli", "--data-dir", d]
    subprocess.run(
        [*base, "task", "add", "noop", "--command", "true", "--argv", "--max-concurrent", "2"],
        check=True,
        capture_output=True,
        env=INSTALLED_ENV,
    )
    start = time.perf_counter()
    subprocess.run(
        [*base, "--workers", "2", "run", "noop", "--repeat", str(n), "--wait"],
        check=True,
        capture_output=True,
        env=INSTALLED_ENV,
    )
    return time.perf_counter() - start


REPS = 3  # each comparison: this many alternated pairs, the median ratio and its spread


def _pairs(ours: Callable[[], float], theirs: Callable[[], float]) -> tuple[list[float], ...]:
    """REPS alternated measurements of both (ours first): a machine shared with others drifts
    within a run, and alternating puts both sides in the same drift."""
    mine, other = [], []
    for _ in range(REPS):
        mine.append(ours())
        other.append(theirs())
    return mine, other


def _ratio(mine: list[float], other: list[float]) -> tuple[float, str]:
    """The median of the pairs' ratios, and the spread as text."""
    ratios = sorted(m / o for m, o in zip(mine, other, strict=True))
    return statistics.median(ratios), f"x{ratios[0]:.2f}-x{ratios[-1]:.2f}"


def run() -> list[Result]:
    bare(100)  # warm up
    execs, bares = _pairs(through_executor, bare)
    ratio, spread = _ratio(execs, bares)
    b, e = statistics.median(bares), statistics.median(execs)
    tsp_one = peers.task_spooler(N)  # installs it when missing; None: not to be had
    if tsp_one is not None:
        clis, tsps = _pairs(through_cli, lambda: peers.task_spooler(N) or 0.0)
        cli_ratio, cli_spread = _ratio(clis, tsps)
        c, tsp = statistics.median(clis), statistics.median(tsps)
    else:
        c, tsp, cli_ratio, cli_spread = through_cli(), None, 0.0, ""
    f = create_files()
    mem = _on_tmpfs()
    par = peers.gnu_parallel(N)
    print(
        f"executor: {N} runs of true, {REPS} alternated pairs: bare {_list(bares)} s, "
        f"executor {_list(execs)} s: median x{ratio:.2f} ({spread}); CLI end to end "
        f"{c:.2f} s (x{c / b:.2f})"
        + (f", against tsp's {tsp:.2f} s: x{cli_ratio:.2f} ({cli_spread})" if tsp else "")
        + f"; creating {N} empty log files alone: {f:.2f} s (x{f / b:.2f} of bare); executor "
        "with the data dir in memory: "
        + (f"{mem:.2f} s (x{mem / b:.2f})" if mem else "no /dev/shm")
    )
    rows = [
        Result(
            "1. executor overhead (1000 x true, 2 workers)",
            f"{e:.2f} s = x{ratio:.2f} bare ({spread})",
            "<= x1.5 bare",
            ratio <= 1.5,
        ),
        Result(
            "1b. taskrun run --repeat 1000 --wait",
            f"{c:.2f} s = x{cli_ratio:.3f} tsp ({cli_spread})" if tsp else f"{c:.2f} s",
            "< tsp's 1000 calls" if tsp else "(no tsp to compare)",
            tsp is None or cli_ratio < 1.0,
        ),
        *_peer_rows(b, tsp, par),
        Result(
            "1c. of it, the file system: 1000 files",
            f"{f:.2f} s = x{f / b:.2f} bare",
            "(reported)",
            True,
        ),
    ]
    if mem:
        figure = f"{mem:.2f} s = x{mem / b:.2f} bare"
        rows.append(Result("1d. executor, data dir in /dev/shm", figure, "(reported)", True))
    return rows


def _list(values: list[float]) -> str:
    return "/".join(f"{v:.2f}" for v in values)


def _peer_rows(b: float, tsp: float | None, par: float | None) -> list[Result]:
    """The peers' figures beside ours, same run, same 1000 runs of true, 2 at a time."""
    rows = [Result("1p. peer: bare subprocess, 2 threads", f"{b:.2f} s", "(baseline)", True)]
    for name, secs in (("tsp -S 2, 1000 client calls", tsp), ("GNU parallel -j2", par)):
        figure = f"{secs:.2f} s = x{secs / b:.2f} bare" if secs else "not installed"
        rows.append(Result(f"1p. peer: {name}", figure, "(reported)", True))
    return rows


def _on_tmpfs() -> float | None:
    """The executor again with its data dir in memory: what the engine costs without the
    file system (a diagnosis, not the target: a user's history is on disk)."""
    if not os.path.isdir("/dev/shm"):
        return None
    folder = tempfile.mkdtemp(prefix="taskrun-bench-", dir="/dev/shm")
    try:
        return through_executor(where=folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    report(run())
