"""Target 1: executor overhead. 1000 runs of `true`, each recorded in history with its log
file, 2 workers, against 1000 bare subprocess.run(['true']) calls on 2 threads, same process,
same run. Also the CLI end to end: taskrun --workers 2 run noop --repeat 1000 --wait."""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.common import Result, report, scratch_dir

N = 1000


def bare(n: int = N) -> float:
    start = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: subprocess.run(["true"], check=False), range(n)))
    return time.perf_counter() - start


def through_executor(n: int = N) -> float:
    from PySide6.QtCore import QCoreApplication

    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.executor.host import Host
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.runs_repo import RunFilter, count

    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    d = scratch_dir()
    store = Store(d).open()
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


def through_cli(n: int = N) -> float:
    d = scratch_dir()
    base = [sys.executable, "-m", "taskrun_gui.cli", "--data-dir", d]
    subprocess.run(
        [*base, "task", "add", "noop", "--command", "true", "--argv", "--max-concurrent", "2"],
        check=True,
        capture_output=True,
    )
    start = time.perf_counter()
    subprocess.run(
        [*base, "--workers", "2", "run", "noop", "--repeat", str(n), "--wait"],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def run() -> list[Result]:
    bare(100)  # warm up
    b = bare()
    e = through_executor()
    c = through_cli()
    ratio = e / b
    print(
        f"executor: {N} runs of true: bare {b:.2f} s, executor {e:.2f} s "
        f"(x{ratio:.2f}), CLI end to end {c:.2f} s (x{c / b:.2f})"
    )
    return [
        Result(
            "1. executor overhead (1000 x true, 2 workers)",
            f"{e:.2f} s = x{ratio:.2f} bare",
            "<= x1.5 bare",
            ratio <= 1.5,
        ),
        Result(
            "1b. taskrun run --repeat 1000 --wait",
            f"{c:.2f} s = x{c / b:.2f} bare",
            "(reported)",
            True,
        ),
    ]


if __name__ == "__main__":
    report(run())
