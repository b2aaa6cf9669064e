"""Search all output with the keyboard: Enter in the pattern searches to the end (the same
Enter must not also press the button start() has just made "Stop"), Enter again while it
searches lets it go on, and Esc stops it with the dialog left open."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QRunnable, Qt
from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunRecord
from taskrun_gui.ui.history.output_search_dialog import OutputSearchDialog
from tests.gui.test_history_tab import WAIT, Env, env, status_of  # noqa: F401


class _Hold(QRunnable):
    """Occupies the dialog's one search thread until released: a search asked for meanwhile
    is under way (its button says Stop) but has not looked at a log yet."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def run(self) -> None:
        self.release.wait(WAIT / 1000)


def _two_runs_saying(qtbot: QtBot, env: Env, text: str) -> list[RunRecord]:  # noqa: F811
    task = env.task("talker", f"print('before'); print({text!r}); print('after')")
    runs = [env.run(task), env.run(task)]
    for rec in runs:
        qtbot.waitUntil(lambda r=rec: status_of(env.tab, r.uid) == "success", timeout=WAIT)
    return runs


@pytest.fixture
def held(env: Env) -> Iterator[tuple[OutputSearchDialog, _Hold]]:  # noqa: F811
    dialog = env.tab.open_output_search()
    hold = _Hold()
    dialog._pool.start(hold)
    yield dialog, hold
    hold.release.set()
    dialog._pool.waitForDone(WAIT)


def test_enter_in_the_pattern_searches_to_the_end(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    _two_runs_saying(qtbot, env, "disk quota exceeded")
    dialog = env.tab.open_output_search()
    qtbot.keyClicks(dialog.pattern_edit, "quota")
    with qtbot.waitSignal(dialog.search_finished, timeout=WAIT) as done:
        qtbot.keyClick(dialog.pattern_edit, Qt.Key.Key_Return)
    assert not done.args[0].stopped
    assert dialog.status_label.text().startswith("2 runs found · 2 of 2 runs searched")
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 4).text() == "disk quota exceeded"
    assert dialog.search_button.text() == "Search"


def test_enter_again_while_searching_lets_the_search_go_on(
    qtbot: QtBot,
    env: Env,  # noqa: F811
    held: tuple[OutputSearchDialog, _Hold],
) -> None:
    _two_runs_saying(qtbot, env, "disk quota exceeded")
    dialog, hold = held
    qtbot.keyClicks(dialog.pattern_edit, "quota")
    qtbot.keyClick(dialog.pattern_edit, Qt.Key.Key_Return)
    assert dialog.search_button.text() == "Stop"
    qtbot.keyClick(dialog.pattern_edit, Qt.Key.Key_Enter)
    assert dialog.search_button.text() == "Stop"
    with qtbot.waitSignal(dialog.search_finished, timeout=WAIT) as done:
        hold.release.set()
    assert not done.args[0].stopped
    assert dialog.status_label.text().startswith("2 runs found")


def test_esc_stops_the_search_and_keeps_the_dialog(
    qtbot: QtBot,
    env: Env,  # noqa: F811
    held: tuple[OutputSearchDialog, _Hold],
) -> None:
    _two_runs_saying(qtbot, env, "disk quota exceeded")
    dialog, hold = held
    qtbot.keyClicks(dialog.pattern_edit, "quota")
    qtbot.keyClick(dialog.pattern_edit, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.pattern_edit, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    with qtbot.waitSignal(dialog.search_finished, timeout=WAIT) as done:
        hold.release.set()
    assert done.args[0].stopped
    assert dialog.status_label.text().startswith("Stopped: 0 runs found")
    assert dialog.search_button.text() == "Search"
    qtbot.keyClick(dialog.pattern_edit, Qt.Key.Key_Escape)  # nothing under way: Esc closes
    assert not dialog.isVisible()
