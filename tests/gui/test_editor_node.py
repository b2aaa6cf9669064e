"""The editor's Node field (a task's own node on a shared history): it offers the nodes of
the history, saves what is chosen, refuses a node the history never had under the field, and
the window's Run queues the task for its node instead of running it here."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from taskrun_gui.core.models import RunStatus
from taskrun_gui.storage import runs_repo, tasks_repo
from taskrun_gui.storage.schema import Run
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.editor.editor_tab import EditorTab
from tests.gui import test_editor_definition_fields as fields
from tests.unit.test_trends_repo import History

WAIT = 20_000
ctx, editor = fields.ctx, fields.editor  # the editor tests' fixtures


def test_the_node_field_saves_the_tasks_node_and_run_queues_it_there(
    qtbot: QtBot,
    ctx: AppContext,
    editor: EditorTab,
) -> None:
    hist = History(ctx.store)
    task_id = hist.task("t")
    ran = hist.run(task_id, "success", 1_000, 1_700_000_000_000)
    Run.update(node="beta").where(Run.id == ran).execute()  # beta served this history
    with qtbot.waitSignal(editor.loaded, timeout=WAIT):
        editor.edit_task(task_id)
    field = editor.form.node
    assert field.value() == ""
    line = field.lineEdit()
    assert line is not None and line.placeholderText() == "the node that queues it"
    qtbot.waitUntil(lambda: field.findText("beta") >= 0, timeout=WAIT)
    assert [field.itemText(i) for i in range(field.count())][:2] == ["", "any"]

    field.setCurrentText("betta")  # a typo
    editor.save()  # checked with the history on the writer
    qtbot.waitUntil(lambda: editor.status.text().startswith("Not saved"), timeout=WAIT)
    assert editor.form.errors["node"].isVisible()
    assert "no such node 'betta' on this history" in editor.form.errors["node"].text()
    assert tasks_repo.get("t").spec.node == ""

    field.setCurrentIndex(field.findText("beta"))
    with qtbot.waitSignal(editor.saved, timeout=WAIT):
        assert editor.save()
    row = tasks_repo.get("t")
    assert row.spec.node == "beta"
    with qtbot.waitSignal(editor.loaded, timeout=WAIT):
        editor.edit_task(row.id)
    assert editor.form.node.value() == "beta"

    # the Run button's path: queued for beta, its row in the store, not run here
    [rec] = ctx.executor.enqueue(row.id, row.version, row.spec)
    assert rec.node == "beta"
    assert ctx.writer.flush(10)
    stored = runs_repo.get_by_uid(rec.uid)
    assert stored is not None
    assert (stored.status, stored.node) == (RunStatus.QUEUED, "beta")
    assert not ctx.executor.is_busy()


def test_a_chained_run_of_a_task_with_a_node_is_queued_there(qtbot: QtBot, ctx: AppContext) -> None:
    from taskrun_gui.storage.runs_repo import RunFilter
    from tests.helpers import add_task, shell_task

    hist = History(ctx.store)
    ran = hist.run(hist.task("seed"), "success", 1_000, 1_700_000_000_000)
    Run.update(node="beta").where(Run.id == ran).execute()  # beta served this history
    spec = shell_task("second", "echo chained")
    spec.node = "beta"
    second = add_task(ctx.store, spec)
    first = add_task(ctx.store, shell_task("first", "true", then=["success:second"]))
    with qtbot.waitSignal(ctx.executor.run_finished, timeout=WAIT):
        ctx.executor.enqueue(first.id, first.version, first.spec)

    def chained() -> list[object]:
        assert ctx.writer.flush(10)
        return list(runs_repo.page_before(RunFilter(task_id=second.id), None, 5))

    qtbot.waitUntil(lambda: bool(chained()), timeout=WAIT)
    (rec,) = runs_repo.page_before(RunFilter(task_id=second.id), None, 5)
    assert (rec.status, rec.node, rec.started_at) == (RunStatus.QUEUED, "beta", None)
    assert not ctx.executor.is_busy()
