"""Progress bars drawn with carriage returns read as one updating line, as in a terminal:
live (in batches that split "\\r" from "\\n" or a colour sequence) and when replayed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QTextCursor
from pytestqt.qtbot import QtBot

from tests.gui.test_widgets_log_view import make_view, replay

BAR = "".join(f"\r\x1b[32m{pct:3d}%\x1b[0m |{'#' * (pct // 10):<10}|" for pct in range(0, 101, 5))
OUTPUT = "downloading\n" + BAR + "\r\ndone\r\nnext\n"


def test_live_progress_bar_is_one_updating_line(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_file(None, live=True)
    # every split point: between "\r" and "\n", inside a colour sequence, mid-number
    for i in range(0, len(OUTPUT), 7):
        view.append_output(OUTPUT[i : i + 7])
        lines = view.text().split("\n")
        assert all(len(line) <= len("100% |##########|") for line in lines), lines
    assert view.text() == "downloading\n100% |##########|\ndone\nnext\n"
    assert not view.text_edit().horizontalScrollBar().maximum()  # no ever-growing line


def test_live_bar_keeps_its_colour(qtbot: QtBot) -> None:
    view = make_view(qtbot)
    view.show_file(None, live=True)
    view.append_output("\r\x1b[31m 10%\x1b[0m")
    view.append_output("\r\x1b[32m 20%\x1b[0m")
    assert view.text() == " 20%"
    cursor = QTextCursor(view.text_edit().document())
    cursor.setPosition(2)
    assert cursor.charFormat().foreground().color().name() == "#0dbc79"


def test_replayed_log_shows_the_last_state_of_each_bar(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_bytes(OUTPUT.encode())
    view = make_view(qtbot)
    replay(qtbot, view, log)
    assert view.text() == "downloading\n100% |##########|\ndone\nnext\n"
    assert log.read_bytes() == OUTPUT.encode()  # the file keeps every byte
    view.append_output("\r 50%", end_offset=len(OUTPUT) + 5)
    view.append_output("\r 99%", end_offset=len(OUTPUT) + 10)
    assert view.text().endswith("next\n 99%")
