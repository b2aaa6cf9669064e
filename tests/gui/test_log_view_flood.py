"""After following a flood live (output skipped live, the file has it all), the "earlier
output not shown" figure is the file offset of the first shown line, and "Load earlier"
brings exactly the bytes before it."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from taskrun_gui.core.timefmt import human_bytes
from taskrun_gui.engine.logsink import MAX_BATCH_BYTES, LogSink
from tests.gui.test_widgets_log_view import make_view, note


def test_note_and_load_earlier_after_a_live_flood(qtbot: QtBot, tmp_path: Path) -> None:
    log = tmp_path / "flood.log"
    view = make_view(qtbot, max_lines=3000, tail_bytes=64 * 1024)
    view.show_file(str(log), live=True)
    qtbot.waitUntil(lambda: not view._replaying)
    sink = LogSink(log, [], on_output=view.append_output)
    line = 0
    for _ in range(40):  # each write is 4 batches' worth: most of it is skipped live
        block = "".join(f"line {n:07d} {'x' * 50}\n" for n in range(line, line + 2200))
        line += 2200
        sink.write(block.encode())
        sink.tick(force=True)
    sink.close()
    data = log.read_bytes()
    assert len(data) > 40 * 4 * MAX_BATCH_BYTES
    first = view.text_edit().first_offset
    shown = view.text().split("\n")
    # the first shown line is the file's line at that offset
    assert data[first:].startswith(shown[0].encode()) and data[first - 1 : first] == b"\n"
    assert human_bytes(first) in note(view).text()
    with qtbot.waitSignal(view.earlier_loaded, timeout=10_000):
        view.load_earlier()
    now_first = view.text_edit().first_offset
    assert 0 < now_first < first
    prepended = view.text().encode()[: first - now_first]
    assert prepended == data[now_first:first]
