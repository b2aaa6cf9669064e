"""Target 7: search every run's output. 100,000 runs whose logs total ~2 GiB (generated once,
cached in bench/.work/grep-100k): `search_logs` over all of them for a rare text, a
case-insensitive text and a regex, against `grep -r` (and `rg`, when installed) over the same
files in the same run, page cache warm for all. Targets: the rare text in < 10 s and within
2x of `grep -rlF` (which does less: no database, no newest-first order, no matching line)."""

from __future__ import annotations

import random
import shutil
import subprocess
import time
from pathlib import Path

from bench.common import Result, report

RUNS = 100_000
CACHE = Path(__file__).resolve().parent / ".work" / "grep-100k"
_DONE = CACHE / ".complete"
RARE = "OOMKilled: container exceeded memory"  # in 1 run of 2,000
_WORDS = ("fetch", "build", "compile", "link", "upload", "verify", "retry", "cache", "warm")


def _log(rng: random.Random, i: int) -> bytes:
    lines = max(10, int(rng.lognormvariate(5.4, 0.6)))  # ~20 KiB on average
    body = [
        f"2026-11-{1 + i % 28:02d} 12:{i % 60:02d}:{n % 60:02d} \x1b[32mINFO\x1b[0m "
        f"{rng.choice(_WORDS)} step {n} of run {i} done in {rng.random():.3f}s\n"
        for n in range(lines)
    ]
    if i % 2000 == 7:
        body.insert(rng.randrange(len(body)), f"ERROR {RARE} (limit 512Mi)\n")
    return "".join(body).encode()


def data_dir() -> Path:
    if _DONE.exists():
        return CACHE
    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store

    shutil.rmtree(CACHE, ignore_errors=True)
    began = time.perf_counter()
    store = Store(CACHE).open()
    tasks = [tasks_repo.create(TaskSpec(name=f"job-{t:02d}", command="true")) for t in range(20)]
    rng = random.Random(7)
    logs = CACHE / "logs" / "2026-11"
    logs.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(RUNS):
        path = logs / f"{i:012d}.log"
        path.write_bytes(_log(rng, i))
        task = tasks[i % len(tasks)]
        rows.append((i + 1, f"{i:012d}", task.id, task.name, i * 1000, str(path)))
    with store.db.atomic():
        store.db.cursor().executemany(
            "INSERT INTO run (id, uid, task_id, task_name, version, status, trigger, attempt,"
            " params_json, priority, queued_at, log_path, log_bytes, slow)"
            " VALUES (?, ?, ?, ?, 1, 'success', 'manual', 1, '{}', 0, ?, ?, 0, 0)",
            rows,
        )
    store.close()
    _DONE.write_text("ok\n")
    print(f"grep: generated {RUNS:,} run logs in {time.perf_counter() - began:.0f} s")
    return CACHE


def _tool(argv: list[str]) -> tuple[float, int]:
    began = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, check=False)
    return time.perf_counter() - began, done.stdout.count(b"\n")


def _ours(folder: Path, text: str, regex: bool, ignore_case: bool) -> tuple[float, int, int]:
    from taskrun_gui.engine.log_search import Pattern, search_logs
    from taskrun_gui.storage.db import Store
    from taskrun_gui.storage.runs_repo import RunFilter

    store = Store(folder).open()
    try:
        hits: list[object] = []
        began = time.perf_counter()
        done = search_logs(RunFilter(), Pattern(text, regex, ignore_case), hits.append)
        return time.perf_counter() - began, len(hits), done.bytes
    finally:
        store.close()


def run() -> list[Result]:
    folder = data_dir()
    logs = str(folder / "logs")
    subprocess.run(
        ["find", logs, "-type", "f", "-exec", "cat", "{}", "+"], stdout=subprocess.DEVNULL
    )
    results: list[Result] = []
    cases = [
        ("rare text", RARE, False, False, ["grep", "-rlF", RARE, logs], ["rg", "-lF", RARE, logs]),
        (
            "text, any case",
            RARE.upper(),
            False,
            True,
            ["grep", "-rliF", RARE.upper(), logs],
            ["rg", "-liF", RARE.upper(), logs],
        ),
        (
            "regex",
            r"OOM\w+: container",
            True,
            False,
            ["grep", "-rlE", r"OOM[a-zA-Z]+: container", logs],
            ["rg", "-l", r"OOM\w+: container", logs],
        ),
    ]
    for name, text, regex, icase, grep_argv, rg_argv in cases:
        ours, hits, size = _ours(folder, text, regex, icase)
        grep_s, grep_hits = _tool(grep_argv)
        line = f"{ours:.1f} s, grep -r {grep_s:.1f} s ({ours / grep_s:.2f}x)"
        if shutil.which("rg"):
            rg_s, _ = _tool(rg_argv)
            line += f", rg {rg_s:.1f} s"
        print(f"grep {name}: {hits} runs of {RUNS:,} ({size / 2**30:.1f} GiB): {line}")
        assert hits == grep_hits, (hits, grep_hits)
        target_met = ours < 10 and ours / grep_s < 2.0
        results.append(
            Result(
                f"9. search all output: {name}",
                f"{ours:.1f} s, {ours / grep_s:.2f}x grep -r",
                "< 10 s, < 2x grep -r",
                target_met,
            )
        )
    return results


if __name__ == "__main__":
    report(run())
