"""Search all output from the Logs tab: real runs, their real logs; hits listed newest first,
and opening one shows that run's log at the match, selected and marked."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from tests.gui.test_history_tab import WAIT, Env, env, status_of  # noqa: F401
from tests.gui.test_widgets_log_view import note


def test_search_lists_runs_and_opens_the_log_at_the_match(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    code = "for n in range(30_000): print(f'line {n}')\nprint('FATAL: socket closed\\nbye')"
    task = env.task("noisy", code)
    quiet = env.task("quiet", "print('all fine')")
    first, other, last = env.run(task), env.run(quiet), env.run(task)
    for rec in (first, other, last):
        qtbot.waitUntil(lambda r=rec: status_of(env.tab, r.uid) == "success", timeout=WAIT)

    dialog = env.tab.open_output_search()
    dialog.pattern_edit.setText("fatal: SOCKET")
    with qtbot.waitSignal(dialog.search_finished, timeout=WAIT) as done:
        dialog.start()
    assert done.args[0].hits == 2 and done.args[0].runs == 3
    table = dialog.table
    assert [h.uid for h in dialog.hits()] == [last.uid, first.uid]  # newest first
    assert [table.item(r, 0).text() for r in range(2)] == [str(h.run_id) for h in dialog.hits()]
    assert table.item(0, 4).text() == "FATAL: socket closed"
    assert "2 runs found · 3 of 3 runs searched" in dialog.status_label.text()

    view = env.tab.log_view
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        table.cellActivated.emit(1, 0)  # the older run
    assert env.tab.details.record is not None
    assert env.tab.details.record.uid == first.uid
    assert view.text().startswith("FATAL: socket closed\n")  # 30,000 lines above: not loaded
    assert view.text_edit().textCursor().selectedText() == "FATAL: socket"
    assert "from the match on" in note(view).text() and "Load earlier" in note(view).text()

    view.search_bar().set_query("")
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        table.cellActivated.emit(1, 0)  # the run shown already: opened at its match again
    assert view.text_edit().textCursor().selectedText() == "FATAL: socket"
    with qtbot.waitSignal(view.loaded, timeout=WAIT):
        note(view).linkActivated.emit("whole-log")
    assert view.text().startswith("line 0\n") or "earlier output not shown" in note(view).text()


def test_a_bad_regex_is_said_and_not_searched(qtbot: QtBot, env: Env) -> None:  # noqa: F811
    dialog = env.tab.open_output_search()
    dialog.pattern_edit.setText("(unclosed")
    dialog.regex_check.setChecked(True)
    dialog.start()
    assert dialog.status_label.text().startswith("Pattern: not a valid regular expression")
    assert dialog.search_button.text() == "Search"
