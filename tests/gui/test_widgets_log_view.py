"""LogView: replay of real log files, live batches, following, search and bounds."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import QLabel, QLineEdit, QToolButton
from pytestqt.qtbot import QtBot

from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.ui.widgets import log_view as log_view_module
from taskrun_gui.ui.widgets.log_view import LogView


def numbered(first: int, last: int) -> str:
    """Lines "line 00000" .. "line <last>", each ending in a newline (11 bytes each)."""
    return "".join(f"line {n:05d}\n" for n in range(first, last + 1))


def shown_numbers(view: LogView) -> list[int]:
    return [int(line.split()[1]) for line in view.text().splitlines() if line]


def make_view(qtbot: QtBot, max_lines: int = 20_000, tail_bytes: int = 2 << 20) -> LogView:
    view = LogView(max_lines=max_lines, tail_bytes=tail_bytes)
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    return view


def replay(qtbot: QtBot, view: LogView, path: Path | None, live: bool = False) -> None:
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show_file(None if path is None else str(path), live=live)


def note(view: LogView) -> QLabel:
    label = view.findChild(QLabel, "logNote")
    assert label is not None
    return label


def test_human_size() -> None:
    assert human_bytes(512) == "512 B"
    assert human_bytes(3 * 1024 + 400) == "3.4 KiB"  # IEC units, as everywhere (was KB)
    assert human_bytes(123 * 1024 * 1024) == "123 MiB"


def test_replays_tail_of_big_file_then_loads_earlier(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_text(numbered(0, 4999))  # 55,000 bytes
    view = make_view(qtbot, tail_bytes=20_000)

    replay(qtbot, view, log)

    numbers = shown_numbers(view)
    assert numbers[-1] == 4999
    assert numbers == list(range(numbers[0], 5000))  # starts on a whole line, no gaps
    assert len(numbers) < 20_000 // 11 + 1
    assert note(view).isVisible()
    earlier_bytes = numbers[0] * 11
    assert f"{human_bytes(earlier_bytes)} earlier output not shown" in note(view).text()
    assert "Load earlier" in note(view).text()

    while note(view).isVisible():
        with qtbot.waitSignal(view.earlier_loaded, timeout=10_000):
            view.load_earlier()
    assert view.text() == numbered(0, 4999)


def test_replay_renders_ansi_colours(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_bytes(b"\x1b[31mred\x1b[0m plain\n\x1b[1mbold\x1b[0m\n")
    view = make_view(qtbot)

    replay(qtbot, view, log)

    assert view.text() == "red plain\nbold\n"
    cursor = QTextCursor(view.text_edit().document())
    cursor.setPosition(1)
    assert cursor.charFormat().foreground().color() == QColor("#cd3131")
    cursor.setPosition(6)
    assert cursor.charFormat().foreground().color() != QColor("#cd3131")
    assert not note(view).isVisible()


def test_replay_of_missing_file_shows_nothing_and_takes_live_output(
    qtbot: QtBot, tmp_path: Path
) -> None:
    view = make_view(qtbot)
    replay(qtbot, view, tmp_path / "not-yet-written.log", live=True)
    view.append_output("first\n", end_offset=6)
    assert view.text() == "first\n"


def test_replay_of_deleted_file_says_so(qtbot: QtBot, tmp_path: Path) -> None:
    view = make_view(qtbot)
    replay(qtbot, view, tmp_path / "cleaned-up.log", live=False)
    assert view.text() == ""
    assert note(view).isVisible()
    assert "no longer exists" in note(view).text()


def test_stale_replay_is_ignored(qtbot: QtBot, tmp_path: Path) -> None:
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    first.write_text("from a\n")
    second.write_text("from b\n")
    view = make_view(qtbot)
    loaded: list[str] = []
    view.loaded.connect(lambda: loaded.append(view.text()))

    view.show_file(str(first), live=False)
    replay(qtbot, view, second)

    assert loaded == ["from b\n"]
    assert view.text() == "from b\n"


def test_batches_during_replay_are_neither_lost_nor_duplicated(
    qtbot: QtBot, tmp_path: Path
) -> None:
    log = tmp_path / "live.log"
    log.write_text(numbered(0, 1004))  # the executor has written this much so far
    view = make_view(qtbot)

    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show_file(str(log), live=True)
        # Batches the executor flushes while the replay is being read:
        view.append_output(numbered(990, 999), end_offset=1000 * 11)  # already in the file
        view.append_output(numbered(1000, 1009), end_offset=1010 * 11)  # half in the file
        view.append_output(numbered(1010, 1019), end_offset=1020 * 11)  # all new
    view.append_output(numbered(1015, 1019), end_offset=1020 * 11)  # a late repeat
    view.append_output(numbered(1020, 1024), end_offset=1025 * 11)

    assert shown_numbers(view) == list(range(1025))


def test_live_file_ending_mid_character(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "live.log"
    full = "caf\u00e9 ok\n".encode()
    log.write_bytes(full[:4])  # "caf" and the first byte of "é"
    view = make_view(qtbot)

    replay(qtbot, view, log, live=True)
    assert view.text() == "caf"
    view.append_output("\u00e9 ok\n", end_offset=len(full))

    assert view.text() == "caf\u00e9 ok\n"


def test_follows_only_at_the_bottom(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    bar = view.text_edit().verticalScrollBar()
    follow = view.findChild(QToolButton, "followButton")
    assert follow is not None
    view.append_output(numbered(0, 199))
    assert bar.maximum() > 50
    assert bar.value() == bar.maximum()

    bar.setValue(10)  # the user scrolls up to read something
    assert not follow.isChecked()
    view.append_output(numbered(200, 249))
    assert bar.value() == 10
    assert view.text_edit().document().lastBlock().previous().text() == "line 00249"

    bar.setValue(bar.maximum())  # back at the bottom: follow again
    assert follow.isChecked()
    view.append_output(numbered(250, 299))
    assert bar.value() == bar.maximum()


def test_follow_button_jumps_to_the_end(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    bar = view.text_edit().verticalScrollBar()
    follow = view.findChild(QToolButton, "followButton")
    assert follow is not None
    view.append_output(numbered(0, 199))
    bar.setValue(0)
    qtbot.mouseClick(follow, Qt.MouseButton.LeftButton)
    assert follow.isChecked()
    assert bar.value() == bar.maximum()


def test_search_finds_the_last_line(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.append_output(numbered(0, 499) + "the NEEDLE is here\n")
    view.text_edit().verticalScrollBar().setValue(0)
    search = view.search_bar()

    search.set_query("needle")
    assert search.match_text() == "1 match"
    assert view.find_next()

    assert view.text_edit().textCursor().selectedText() == "NEEDLE"
    assert search.match_text() == "1 of 1"
    assert view.text_edit().textCursor().blockNumber() == 500


def test_search_keys_and_wrapping(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.append_output("alpha\nbeta\nalpha again\n")
    query = view.search_bar().findChild(QLineEdit, "searchEdit")
    matches = view.search_bar().findChild(QLabel, "searchMatches")
    assert query is not None and matches is not None
    ctrl_f = QKeySequence(QKeySequence.StandardKey.Find)
    [find] = [s for s in view.findChildren(QShortcut) if s.key() == ctrl_f]

    find.activated.emit()  # Ctrl+F (offscreen windows never become active to take the key)
    assert view.focusWidget() is query
    qtbot.keyClicks(query, "ALPHA")
    assert matches.text() == "2 matches"

    qtbot.keyClick(query, Qt.Key.Key_Return)
    assert matches.text() == "1 of 2"
    qtbot.keyClick(query, Qt.Key.Key_Enter)
    assert matches.text() == "2 of 2"
    qtbot.keyClick(query, Qt.Key.Key_Return)  # wraps to the first
    assert matches.text() == "1 of 2"
    qtbot.keyClick(query, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # wraps back
    assert matches.text() == "2 of 2"
    assert view.text_edit().textCursor().blockNumber() == 2

    view.search_bar().set_query("gamma")
    assert matches.text() == "No matches"
    assert not view.find_next()


def test_memory_bound_holds(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    batch = 1000
    for first in range(0, 100_000, batch):
        view.append_output(numbered(first, first + batch - 1))

    document = view.text_edit().document()
    assert document.blockCount() <= 20_000
    assert document.lastBlock().previous().text() == "line 99999"
    assert "earlier output not shown" in note(view).text()


def test_trimmed_lines_can_be_loaded_again(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "live.log"
    log.write_text(numbered(0, 99))
    view = make_view(qtbot, max_lines=50)
    replay(qtbot, view, log, live=True)
    assert shown_numbers(view) == list(range(51, 100))

    more = numbered(100, 129)
    with log.open("a") as handle:
        handle.write(more)
    view.append_output(more, end_offset=130 * 11)
    assert shown_numbers(view)[0] > 51
    assert shown_numbers(view)[-1] == 129

    with qtbot.waitSignal(view.earlier_loaded, timeout=10_000):
        view.load_earlier()
    assert view.text() == numbered(0, 129)
    assert not note(view).isVisible()


def test_copy_and_open_raw_file(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []

    class FakeDesktopServices:
        @staticmethod
        def openUrl(url: QUrl) -> bool:
            opened.append(url)
            return True

    monkeypatch.setattr(log_view_module, "QDesktopServices", FakeDesktopServices)
    log = tmp_path / "run.log"
    log.write_text("one\ntwo\n")
    view = make_view(qtbot)
    open_raw = view.findChild(QToolButton, "openRawButton")
    copy = view.findChild(QToolButton, "copyButton")
    assert open_raw is not None and copy is not None
    assert not open_raw.isEnabled()

    replay(qtbot, view, log)
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "one\ntwo\n"
    qtbot.mouseClick(open_raw, Qt.MouseButton.LeftButton)
    assert opened == [QUrl.fromLocalFile(str(log))]


def test_clear_empties_the_view(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_text(numbered(0, 9))
    view = make_view(qtbot)
    replay(qtbot, view, log)
    view.clear()
    assert view.text() == ""
    view.append_output("after\n")
    assert view.text() == "after\n"
