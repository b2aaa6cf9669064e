"""A secret typed in the window for a run that another node executes cannot go with it (a
secret value never enters the shared database): the window refuses it with the one-line
message the command line gives, and queues nothing. Not typed, the run is queued and that
node fills in its own value: the run dialog does not ask for it. Typed for a run here, it is
used."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.core.models import Param, TaskSpec
from taskrun_gui.core.nodes import node_name
from taskrun_gui.core.params import ParamError
from taskrun_gui.executor.host import Host
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.ui.tasks.run_params_dialog import RunParamsDialog
from tests.helpers import add_task


def test_a_secret_typed_for_a_run_on_another_node_is_refused(tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    store = Store(tmp_path / "data").open()
    host = Host(store, workers=1)
    try:
        assert host.try_serve()  # runs start once it serves
        params = [Param("token", secret=True, required=True)]
        there = add_task(store, TaskSpec(name="deploy", command="true", params=params, node="beta"))
        with pytest.raises(ParamError) as refused:
            host.executor.enqueue(there.id, there.version, there.spec, {"token": "hunter2"})
        assert str(refused.value) == (
            "token: a secret value cannot travel to node beta (it never goes into the "
            "database); set it there: `taskrun --node beta task secret deploy token`"
        )
        assert "hunter2" not in str(refused.value)
        host.writer.flush(10)
        assert runs_repo.count(runs_repo.RunFilter(task_id=there.id)) == 0
        # not typed: queued for beta, which fills in its own value (never required here)
        [queued] = host.executor.enqueue(there.id, there.version, there.spec, {})
        assert (queued.node, queued.params) == ("beta", {"token": "***"})
        dialog = RunParamsDialog(there.spec)
        qtbot.addWidget(dialog)
        field = dialog.editors["token"]
        assert not field.isEnabled() and "node beta's own value" in field.placeholderText()
        dialog.accept()  # nothing to type: the run is queued, no error shown
        assert dialog.result() == dialog.DialogCode.Accepted and dialog.values() == {}
        here = add_task(
            store, TaskSpec(name="local", command="true", params=params, node=node_name())
        )
        with qtbot.waitSignal(host.executor.run_finished, timeout=20_000) as done:
            host.executor.enqueue(here.id, here.version, here.spec, {"token": "hunter2"})
        assert done.args[0].status.value == "success"
    finally:
        host.close()
        store.close()
