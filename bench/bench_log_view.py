"""Target 4: log viewing. (a) A LogView, fed by the executor's run_output exactly as HistoryTab
feeds it, follows a task printing as fast as it can for 10 s: a QTimer ticking every 10 ms
records its lateness (p99 < 50 ms) and psutil RSS must grow by < 100 MB. (b) A finished 1 GiB
log opens (show_file to `loaded`) in < 0.5 s and at most x1.5 a finished 2 MiB log of the same
lines (median of OPENS each, interleaved), and a search for a string only on its last line
finds it in < 2 s. The viewer holds a bounded tail (2 MiB / 20,000 lines), so the search runs
over that tail; the last line is in it."""

from __future__ import annotations

import shutil
import statistics
import time
from pathlib import Path

import numpy as np
import psutil

from bench import qt
from bench.common import Result, report, scratch_dir

FOLLOW_S = 10.0
TICK_MS = 10
BIG = Path(__file__).resolve().parent / ".work" / "finished-1gib.log"
BIG_SIZE = 1 << 30
SMALL = Path(__file__).resolve().parent / ".work" / "finished-2mib.log"
SMALL_SIZE = 2 << 20
OPENS = 5
RATIO = 1.5
NEEDLE = "needle-only-on-the-last-line"


def big_log(path: Path = BIG, size: int = BIG_SIZE) -> Path:
    """A finished log of `size` bytes of coloured lines, NEEDLE on its last line."""
    if not path.exists() or path.stat().st_size != size:
        path.parent.mkdir(exist_ok=True)
        line = b"2026-01-01 12:00:00 \x1b[32mINFO\x1b[0m step %09d finished, all good\n"
        block = b"".join(line % i for i in range(16384))
        last = f"the end: {NEEDLE}\n".encode()
        with open(path, "wb") as out:
            left = size - len(last)
            while left > 0:
                part = block[:left]
                out.write(part)
                left -= len(part)
            out.write(last)
    return path


def follow() -> tuple[float, float, float]:
    """(p99 lateness ms, max lateness ms, RSS growth MB) while following a 10 s spew."""
    from taskrun_gui.core.models import TaskSpec
    from taskrun_gui.executor.host import Host
    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.storage.db import Store
    from taskrun_gui.ui.widgets.log_view import LogView

    app = qt.app()
    proc = psutil.Process()
    d = scratch_dir()
    try:
        store = Store(d).open()
        spew = f"timeout {FOLLOW_S:g} yes 'worker 3: processed item 123456 in 12.5 ms, all good'"
        with store.db.atomic():
            task = tasks_repo.create(TaskSpec(name="spew", command=spew))
        host = Host(store, workers=2, schedules=False)
        assert host.try_serve()
        view = LogView()
        view.resize(1000, 600)
        view.show()
        selected: list[str] = []

        def on_state(rec) -> None:  # type: ignore[no-untyped-def]  # as HistoryTab selects it
            if not selected and not rec.status.is_final:
                selected.append(rec.uid)
                path = Path(rec.log_path)
                view.show_file(str(path if path.is_absolute() else Path(d, path)), live=True)

        def on_output(uid: str, text: str, offset: int) -> None:  # HistoryTab._on_run_output
            if selected and uid == selected[0]:
                view.append_output(text, offset)
                fed[0] = len(late)

        host.executor.run_state_changed.connect(on_state)
        host.executor.run_output.connect(on_output)
        qt.spin(0.5)
        rss0 = proc.memory_info().rss
        peak = [rss0]
        late: list[float] = []
        fed = [0]  # ticks recorded until the last live batch arrived
        last = [time.perf_counter()]

        def tick() -> None:
            now = time.perf_counter()
            late.append(max(0.0, (now - last[0]) * 1000 - TICK_MS))
            last[0] = now
            if len(late) % 20 == 0:
                peak[0] = max(peak[0], proc.memory_info().rss)

        timer = qt.QTimer()
        timer.setTimerType(qt.Qt.TimerType.PreciseTimer)
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        host.executor.idle.connect(app.quit)
        host.executor.enqueue(task.id, task.version, task.spec)
        timer.start()
        app.exec()
        timer.stop()
        peak[0] = max(peak[0], proc.memory_info().rss)
        host.close()
        store.close()
        size = sum(p.stat().st_size for p in Path(d, "logs").rglob("*.log"))
        print(
            f"log view: followed {size / 1e6:.0f} MB in {FOLLOW_S:g} s, {len(late)} ticks, "
            f"{view.text_edit().document().blockCount()} lines held"
        )
        view.close()
        view.deleteLater()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if fed[0] < len(late) - 100:  # batches stopped coming before the run ended
        print(
            f"log view: live batches stopped after {fed[0]} of {len(late)} ticks; "
            "the p99 is taken over the ticks while they came"
        )
    arr = np.asarray(late[1 : max(fed[0], 2)])
    return float(np.percentile(arr, 99)), float(arr.max()), (peak[0] - rss0) / 1e6


def _open_once(path: Path) -> float:
    """Seconds from show_file to `loaded` in a fresh view (as a selection in History does)."""
    from taskrun_gui.ui.widgets.log_view import LogView

    view = LogView()
    view.resize(1000, 600)
    view.show()
    opened = qt.time_until(view.loaded, lambda: view.show_file(str(path), live=False))
    view.close()
    view.deleteLater()
    qt.spin(0.05)
    return opened


def open_both() -> tuple[float, float]:
    """Median seconds to open the 2 MiB and the 1 GiB log, interleaved (the machine is shared)."""
    small, big = big_log(SMALL, SMALL_SIZE), big_log()
    _open_once(small), _open_once(big)  # warm the page cache for both
    smalls, bigs = [], []
    for _ in range(OPENS):
        smalls.append(_open_once(small))
        bigs.append(_open_once(big))
    print(
        f"log view: open 2 MiB {[round(t * 1000) for t in smalls]} ms, "
        f"1 GiB {[round(t * 1000) for t in bigs]} ms"
    )
    return statistics.median(smalls), statistics.median(bigs)


def search() -> tuple[float, bool]:
    from taskrun_gui.ui.widgets.log_view import LogView

    path = big_log()
    view = LogView()
    view.resize(1000, 600)
    view.show()
    qt.time_until(view.loaded, lambda: view.show_file(str(path), live=False))
    qt.spin(0.1)
    start = time.perf_counter()
    view.search_bar().set_query(NEEDLE)
    found = view.find_next()
    qt.app().processEvents()
    searched = time.perf_counter() - start
    found = found and NEEDLE in view.text_edit().textCursor().block().text()
    view.close()
    view.deleteLater()
    return searched, found


def run() -> list[Result]:
    qt.app()
    p99, worst, grown = follow()
    small, opened = open_both()
    ratio = opened / small
    searched, found = search()
    print(
        f"log view: follow p99 lateness {p99:.1f} ms (max {worst:.1f} ms), RSS +{grown:.0f} MB; "
        f"1 GiB log opened in {opened * 1000:.0f} ms (2 MiB {small * 1000:.0f} ms, "
        f"x{ratio:.2f}), last-line search {searched * 1000:.0f} ms "
        f"(found: {found}; over the tail the viewer holds)"
    )
    return [
        Result("4a. log follow: event loop p99 lateness", f"{p99:.1f} ms", "< 50 ms", p99 < 50),
        Result("4b. log follow: RSS growth", f"{grown:.0f} MB", "< 100 MB", grown < 100),
        Result("4c. open finished 1 GiB log", f"{opened * 1000:.0f} ms", "< 500 ms", opened < 0.5),
        Result(
            "4c'. open 1 GiB log vs 2 MiB log",
            f"x{ratio:.2f} ({small * 1000:.0f} ms for 2 MiB)",
            f"<= x{RATIO:g}",
            ratio <= RATIO,
        ),
        Result(
            "4d. search to the last line (held tail)",
            f"{searched * 1000:.0f} ms" + ("" if found else " NOT FOUND"),
            "< 2000 ms",
            found and searched < 2.0,
        ),
    ]


if __name__ == "__main__":
    report(run())
