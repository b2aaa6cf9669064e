"""The peers TaskRun is measured beside (issue 13): Task Spooler and GNU parallel, each doing
the same 1000 runs of `true`, 2 at a time, in the same bench run as ours. They are installed
with apt-get when missing (Debian: packages task-spooler and parallel; the spooler's binary is
`tsp`, `ts` elsewhere); a peer that cannot be had is reported as missing, not guessed."""

from __future__ import annotations

import os
import shutil
import subprocess
import time

from bench.common import scratch_dir


def _install(package: str, *binaries: str) -> str | None:
    """The path of the first of `binaries` found, installing `package` once if none is."""
    for name in binaries:
        if found := shutil.which(name):
            return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", package],
            check=False,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return next((p for p in map(shutil.which, binaries) if p), None)


def task_spooler(n: int) -> float | None:
    """`tsp -S 2`, then n client calls `tsp true` (each a process of its own, as a script
    queueing work makes them), until the last two jobs have finished: jobs start in order,
    so the last two to start are the last to end. Its own server, socket and output files
    (tsp keeps every job's output in a file, as TaskRun keeps a log)."""
    tsp = _install("task-spooler", "tsp")
    if tsp is None:
        return None
    d = scratch_dir()
    env = {**os.environ, "TS_SOCKET": f"{d}/ts.sock", "TMPDIR": d, "TS_MAXFINISHED": str(2 * n)}

    def call(*args: str) -> str:
        return subprocess.run([tsp, *args], env=env, capture_output=True, text=True).stdout

    call("-S", "2")
    try:
        start = time.perf_counter()
        ids = [call("true").strip() for _ in range(n)]
        for job in ids[-2:]:
            call("-w", job)
        return time.perf_counter() - start
    finally:
        call("-K")


def gnu_parallel(n: int) -> float | None:
    """`seq n | parallel -j2 true`."""
    parallel = _install("parallel", "parallel")
    if parallel is None:
        return None
    start = time.perf_counter()
    subprocess.run(
        [parallel, "--will-cite", "-j2", "true"],
        input="\n".join(map(str, range(n))) + "\n",
        text=True,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start
