"""Target 5: start-up. Process start to main window shown < 0.6 s (offscreen), median of RUNS
starts, and at most x2 a bare PySide6 QMainWindow process started and shown the same way (the
same interpreter, `python -c`, time printed once the event loop ran after show; interleaved), and
idle RSS < 150 MB with 1,000,000 runs in the history (bench/history_data.py), in
the same child once the window has shown and the history's first page has loaded.

The child is `python -c` importing taskrun_gui.app and calling main(); the bench patches
MainWindow.show in the child to print the time once the event loop has run after it. The
window shows before its store is open (each tab says "Opening the history…"), so the time it
is attached to the opened store (its Tasks tab built on it) is printed beside. The idle
RSS is taken with the Logs tab open (it is built when first shown) and the history's first page
loaded. Settings live in a scratch XDG_CONFIG_HOME, so no user settings (retention!) touch the
cached history."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from bench.common import INSTALLED_ENV, Result, report, scratch_dir
from bench.history_data import data_dir

RUNS = 5
# The probe imports nothing the app has not: psutil once it measures, the history model
# once the app has it (the app's start-up and memory are measured, not the probe's).
CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import taskrun_gui.app as app_mod
from taskrun_gui.ui.main_window import TAB_LOGS

shown = app_mod.MainWindow.show

def idle_rss(window):
    window.tabs.setCurrentIndex(TAB_LOGS)  # built on first show: the 1M-run history loads
    history = sys.modules.get("taskrun_gui.ui.history.history_model")
    models = window.findChildren(history.HistoryModel) if history else []
    if not models or models[0].run_at(0) is None:
        QTimer.singleShot(50, lambda: idle_rss(window))
        return
    def measure():
        import psutil
        print("RSS", psutil.Process().memory_info().rss, flush=True)
        QApplication.instance().quit()
    QTimer.singleShot(1000, measure)  # then idle for a second

def show(self):
    shown(self)
    self.attached.connect(lambda: print("ATTACHED", time.time(), flush=True))
    def done():
        print("SHOWN", time.time(), flush=True)
        idle_rss(self)
    QTimer.singleShot(0, done)

app_mod.MainWindow.show = show
sys.exit(app_mod.main(["--data-dir", sys.argv[1]]))
"""

BARE = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

app = QApplication(sys.argv)
window = QMainWindow()
window.show()
QTimer.singleShot(0, lambda: (print("SHOWN", time.time(), flush=True), app.quit()))
sys.exit(app.exec())
"""
RATIO = 2.0


def bare_once() -> float:
    """Seconds from process start to a bare QMainWindow shown."""
    env = {**INSTALLED_ENV, "QT_QPA_PLATFORM": "offscreen"}
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", BARE], env=env, capture_output=True, text=True, timeout=60
    )
    fields = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    if "SHOWN" not in fields:
        raise RuntimeError(f"bare QMainWindow child failed ({out.returncode}): {out.stderr}")
    return float(fields["SHOWN"]) - start


def start_once(folder: str, config: str) -> tuple[float, int, float]:
    env = {**INSTALLED_ENV, "XDG_CONFIG_HOME": config, "QT_QPA_PLATFORM": "offscreen"}
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, folder],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    fields = dict(line.split(" ", 1) for line in out.stdout.splitlines() if " " in line)
    if "SHOWN" not in fields or "RSS" not in fields or "ATTACHED" not in fields:
        raise RuntimeError(f"start-up child failed ({out.returncode}): {out.stderr[-2000:]}")
    return float(fields["SHOWN"]) - start, int(fields["RSS"]), float(fields["ATTACHED"]) - start


def run() -> list[Result]:
    folder = str(data_dir())
    config = scratch_dir()
    start_once(folder, config), bare_once()  # warm the OS caches (and compile .pyc files)
    tries, bares = [], []
    for _ in range(RUNS):
        tries.append(start_once(folder, config))
        bares.append(bare_once())
    shown = statistics.median(t for t, _, _ in tries)
    bare = statistics.median(bares)
    ratio = shown / bare
    rss = statistics.median(r for _, r, _ in tries) / 1e6
    print(
        f"start-up: window shown {[round(t * 1000) for t, _, _ in tries]} ms; "
        f"its tabs on the opened store {[round(a * 1000) for _, _, a in tries]} ms; "
        f"idle RSS with 1M runs {[round(r / 1e6) for _, r, _ in tries]} MB; "
        f"bare QMainWindow shown {[round(t * 1000) for t in bares]} ms"
    )
    return [
        Result(
            "5a. start-up to window shown (median of 5)",
            f"{shown * 1000:.0f} ms",
            "< 600 ms",
            shown < 0.6,
        ),
        Result(
            "5a'. window shown vs bare QMainWindow",
            f"x{ratio:.2f} (bare {bare * 1000:.0f} ms)",
            f"<= x{RATIO:g}",
            ratio <= RATIO,
        ),
        Result("5b. idle RSS, 1M runs in history", f"{rss:.0f} MB", "< 150 MB", rss < 150),
    ]


if __name__ == "__main__":
    report(run())
