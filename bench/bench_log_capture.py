"""Target 3: log capture. A task writing 200 MiB to stdout (`cat` of a 200 MiB text file) runs
through the real executor (Host, as bench_executor does) and must be captured at >= 0.9 x the
throughput of the same producer piped into `cat > file`. The two alternate, ROUNDS times each,
and the medians are compared; `cat SRC > DST` (no pipe: the kernel may copy without user space)
is printed for reference only."""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench import qt
from bench.common import Result, report, scratch_dir

SIZE = 200 * 1024 * 1024
ROUNDS = 9
SRC = Path(__file__).resolve().parent / ".work" / "stdout-200mib.txt"


def source() -> Path:
    """200 MiB of log-like lines, made once."""
    if not SRC.exists() or SRC.stat().st_size != SIZE:
        SRC.parent.mkdir(exist_ok=True)
        line = b"2026-01-01 12:00:00 INFO worker-3 processed item %08d in 12.5 ms ok\n"
        block = b"".join(line % i for i in range(16384))
        with open(SRC, "wb") as out:
            written = 0
            while written < SIZE:
                part = block[: SIZE - written]
                out.write(part)
                written += len(part)
    return SRC


def piped_cat(src: Path, direct: bool = False) -> float:
    with tempfile.TemporaryDirectory(dir=scratch_dir()) as d:
        dst = Path(d, "out.log")
        cmd = f"cat '{src}' > '{dst}'" if direct else f"cat '{src}' | cat > '{dst}'"
        start = time.perf_counter()
        subprocess.run(cmd, shell=True, check=True)
        elapsed = time.perf_counter() - start
        assert dst.stat().st_size == SIZE
    return elapsed


def through_executor(src: Path) -> float:
    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.executor.host import Host
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.runs_repo import RunFilter, page_before

    app = qt.app()
    d = scratch_dir()
    try:
        store = Store(d).open()
        with store.db.atomic():
            # the whole 200 MiB is the point: no log cap for this task
            spec = TaskSpec(name="spew", command=f"cat {src}", shell=False, log_cap_bytes=0)
            task = tasks_repo.create(spec)
        host = Host(store, workers=2, schedules=False)
        assert host.try_serve()
        host.executor.idle.connect(app.quit)
        start = time.perf_counter()
        host.executor.enqueue(task.id, task.version, task.spec)
        app.exec()
        elapsed = time.perf_counter() - start
        host.writer.flush(60)
        (rec,) = page_before(RunFilter(task_id=task.id), None, 1)
        host.close()
        store.close()
        size = os.path.getsize(Path(d) / rec.log_path) if rec.log_path else -1
        assert rec.status == "success" and size == SIZE, (rec.status, size, rec.error_message)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return elapsed


def run() -> list[Result]:
    src = source()
    piped_cat(src)  # warm the page cache
    base: list[float] = []
    ours: list[float] = []
    for _ in range(ROUNDS):
        base.append(piped_cat(src))
        ours.append(through_executor(src))
    direct = statistics.median(piped_cat(src, direct=True) for _ in range(ROUNDS))
    b, e = statistics.median(base), statistics.median(ours)
    mib = SIZE / 1024 / 1024
    ratio = b / e
    print(
        f"log capture: 200 MiB: cat | cat > file {b:.2f} s ({mib / b:.0f} MiB/s), "
        f"executor {e:.2f} s ({mib / e:.0f} MiB/s), ratio x{ratio:.2f}; "
        f"cat > file (no pipe) {direct:.2f} s ({mib / direct:.0f} MiB/s)"
    )
    print(
        f"log capture: tries: pipe {[round(x, 2) for x in base]}, executor "
        f"{[round(x, 2) for x in ours]}"
    )
    return [
        Result(
            "3. log capture 200 MiB (vs cat | cat > file)",
            f"{mib / e:.0f} MiB/s = x{ratio:.2f}",
            ">= x0.90",
            ratio >= 0.9,
        )
    ]


if __name__ == "__main__":
    report(run())
