"""What changed between two task versions reads setting by setting (setting, before, after)
with the script as its own highlighted diff, in "What changed before it broke" and in the
editor's version list; with nothing to compare the dialog is a short message, not a big box."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import Param, TaskKind, TaskSpec
from taskrun_gui.core.spec_diff import compare_specs
from taskrun_gui.storage.trends_repo import RunRef, WhatChanged
from taskrun_gui.ui.trends.what_changed_dialog import SAME_VERSION, WhatChangedDialog
from taskrun_gui.ui.widgets.diff_view import DiffLine, classify_diff_lines

S = " \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} "

OLD = TaskSpec(
    name="deploy",
    kind=TaskKind.SCRIPT,
    script="set -e\nmake build\nmake deploy\n",
    env={"STAGE": "test"},
    params=[Param(name="token", default="s3cret-one", secret=True)],
)
NEW = TaskSpec(
    name="deploy",
    kind=TaskKind.SCRIPT,
    script="set -e\nmake build\nmake deploy --force\n",
    env={"STAGE": "prod"},
    timeout=30,
    params=[Param(name="token", default="s3cret-two", secret=True)],
)


def test_compare_specs_lists_the_changed_settings_and_the_script_diff() -> None:
    changes = compare_specs(OLD, NEW, "v1", "v2")
    fields = {c.field: (c.old, c.new) for c in changes.fields}
    assert fields["env.STAGE"] == ("test", "prod")
    assert fields["timeout"] == ("(none)", "30")
    assert fields["params[token].default"] == ("***", "*** (changed)")
    assert "script" not in fields
    assert "-make deploy\n+make deploy --force\n" in changes.script
    assert '"env"' not in changes.script  # the script diff is the script alone
    assert "s3cret" not in changes.unified + changes.script + repr(changes.fields)


def _found(old_version: int, new_version: int) -> WhatChanged:
    changes = compare_specs(OLD, NEW, f"v{old_version}", f"v{new_version}")
    failed = RunRef(9, new_version, "failed", 1_764_590_400_000)
    success = RunRef(8, old_version, "success", 1_764_590_000_000)
    same = old_version == new_version
    return WhatChanged(failed, success, "" if same else changes.unified, None if same else changes)


def test_what_changed_shows_settings_and_script(qtbot: QtBot) -> None:
    dialog = WhatChangedDialog("deploy", _found(1, 2))
    qtbot.addWidget(dialog)
    dialog.show()
    view = dialog.changes_view
    rows = view.rows()
    assert (f"Env{S}STAGE", "test", "prod") in rows
    assert ("Timeout", "(none)", "30") in rows
    assert (f"Params{S}token{S}default", "***", "*** (changed)") in rows
    assert view.summary_label.text() == "3 settings changed · script changed"
    script = view.script_view.diff().splitlines()
    kinds = dict(zip(script, classify_diff_lines(script), strict=True))
    assert kinds["+make deploy --force"] is DiffLine.ADDED
    assert kinds["-make deploy"] is DiffLine.REMOVED
    assert view.script_view.isVisible() and view.table.isVisible()
    assert view.script_view.verticalScrollBar().maximum() == 0  # all of it, no scrolling
    assert dialog.height() <= 660


def test_nothing_to_compare_is_a_short_message(qtbot: QtBot) -> None:
    dialog = WhatChangedDialog("deploy", _found(2, 2))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.message_label.text() == SAME_VERSION
    assert not dialog.changes_view.isVisible()
    assert dialog.height() < 250  # not two lines floating in an 820x560 box


def test_the_editors_version_list_shows_settings_and_script(qtbot: QtBot, tmp_path) -> None:
    from dataclasses import replace

    from taskrun_gui.storage import tasks_repo
    from taskrun_gui.ui.editor.versions_panel import VersionsPanel
    from tests.helpers import add_task, app_context

    with app_context(tmp_path, schedules=False) as ctx:
        task = add_task(ctx.store, OLD)
        with ctx.store.db.atomic():
            row = tasks_repo.save(task.id, replace(NEW))
        panel = VersionsPanel(ctx)
        qtbot.addWidget(panel)
        panel.load(task.id, row.version)
        qtbot.waitUntil(lambda: panel.list.count() == 2, timeout=5000)
        with qtbot.waitSignal(panel.diff_shown, timeout=5000):
            panel.select_numbers([1, 2])
        assert (f"Env{S}STAGE", "test", "prod") in panel.changes_view.rows()
        assert "+make deploy --force" in panel.changes_view.script_view.diff()
        assert '+  "timeout": 30' in panel.diff_view.diff()  # the whole diff, one tab away
        ctx.query.wait_idle()
