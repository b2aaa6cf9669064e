"""The log viewer's find text stays when another run is shown, and its count is always the
shown run's: blank while the new log loads, counted once it is there, and counted again as a
live run's output arrives (it was left at "No matches" from the empty start)."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from tests.gui.test_history_tab import WAIT, Env, env, wait_row  # noqa: F401
from tests.gui.test_widgets_log_view import make_view, replay


def test_the_count_follows_the_run_shown(qtbot: QtBot, tmp_path: Path) -> None:
    one, three = tmp_path / "one.log", tmp_path / "three.log"
    one.write_text("start\nneedle here\nend\n")
    three.write_text("needle 1\nneedle 2\nneedle 3\n")
    view = make_view(qtbot)
    search = view.search_bar()
    replay(qtbot, view, one)
    search.set_query("needle")
    assert view.find_next()
    assert search.match_text() == "1 of 1"

    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show_file(str(three), live=False)
        assert search.match_text() == ""  # loading: no count, least of all the last run's
    assert search.query() == "needle"  # the text is kept
    assert search.match_text() == "3 matches"

    replay(qtbot, view, tmp_path / "not-written-yet.log", live=True)  # a run just started
    assert search.query() == "needle"
    view.append_output("needle in live output\n")
    qtbot.waitUntil(lambda: search.match_text() == "1 match", timeout=5_000)
    view.append_output("more\nanother needle\n")
    qtbot.waitUntil(lambda: search.match_text() == "2 matches", timeout=5_000)
    assert len(view.text_edit().highlighted()) == 2  # both marked

    assert view.find_next()
    assert search.match_text() == "1 of 2"
    view.append_output("a third needle\n")
    qtbot.waitUntil(lambda: search.match_text() == "1 of 3", timeout=5_000)  # still selected


def test_selecting_a_live_run_counts_its_output(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    """The reviewer's path: a finished run searched, then a live run selected."""
    done = env.run(env.task("done", "print('needle once')"))
    go = env.tmp / "go"
    code = (
        "import os, time\n"
        "print('waiting', flush=True)\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.02)\n"
        "for i in range(3): print(f'needle {i}', flush=True)\n"
        "time.sleep(60)\n"
    )
    live = env.run(env.task("live", code))
    tab, search = env.tab, env.tab.log_view.search_bar()
    tab.select_row(wait_row(qtbot, tab, done.uid))
    qtbot.waitUntil(lambda: "needle once" in tab.log_view.text(), timeout=WAIT)
    search.set_query("needle")
    qtbot.waitUntil(lambda: search.match_text() == "1 match", timeout=WAIT)

    tab.select_row(wait_row(qtbot, tab, live.uid))
    qtbot.waitUntil(lambda: "waiting" in tab.log_view.text(), timeout=WAIT)
    assert search.match_text() == "No matches"
    go.write_text("")
    qtbot.waitUntil(lambda: "needle 2" in tab.log_view.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: search.match_text() == "3 matches", timeout=WAIT)
    env.host.executor.cancel(live.uid)
