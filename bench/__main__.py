"""`make bench`: every benchmark in turn, then ONE summary table (one line per target)."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from bench import qt
from bench.common import Result, report


def _suites() -> list[tuple[str, Callable[[], list[Result]]]]:
    from bench import (
        bench_charts,
        bench_cli,
        bench_executor,
        bench_grep,
        bench_history,
        bench_log_capture,
        bench_log_view,
        bench_pg,
        bench_remote,
        bench_startup,
    )

    return [
        ("1. executor overhead", bench_executor.run),
        ("2. history at scale", bench_history.run),
        ("3. log capture", bench_log_capture.run),
        ("4. log viewing", bench_log_view.run),
        ("5. start-up", bench_startup.run),
        ("6. charts", bench_charts.run),
        ("7. command line", bench_cli.run),
        ("8. runs on another machine", bench_remote.run),
        ("9. search all output", bench_grep.run),
        ("10. executor overhead, PostgreSQL", bench_pg.executor),
        ("11. history at scale, PostgreSQL", bench_pg.history),
    ]


def main() -> int:
    qt.app()  # one QApplication for all (bench_executor would make a QCoreApplication)
    results: list[Result] = []
    began = time.perf_counter()
    for name, suite in _suites():
        start = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            results += suite()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            results.append(Result(name, f"error: {type(exc).__name__}", "-", False))
        print(f"   ({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"\nSummary ({time.perf_counter() - began:.0f} s in all, 2 cores):")
    print(f"{'target':<44} {'figure':<30} {'target':<22} result")
    report(results)
    return 0 if all(r.met for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
