"""The Monitor tab's command lines of a run's processes: an argv placeholder puts a secret
parameter's value there, and the tab showed it in clear (the log, the history and every
export mask it)."""

from __future__ import annotations

import shlex
import sys

from taskrun_gui.core.models import Param, TaskSpec
from taskrun_gui.engine import records
from taskrun_gui.monitor.system import RunProcessSampler
from tests.e2e.runs import start
from tests.helpers import add_task

SECRET = "MonitorSecret42"


def test_a_secret_in_a_runs_command_line_is_masked_in_the_monitor(qtbot, service, store):
    code = "import time; time.sleep(30)"
    spec = TaskSpec(
        name="argv-secret",
        command=shlex.join([sys.executable, "-c", code, "--token={token}"]),
        shell=False,
        params=[Param("token", secret=True)],
    )
    rec = start(service, add_task(store, spec), given={"token": SECRET})
    try:
        qtbot.waitUntil(lambda: any(r.pid for r in service.running()), timeout=30_000)
        [running] = service.running()
        assert running.pid is not None
        refs = [(running.uid, running.task_name, running.pid, service.shown_secrets(rec.uid))]
        qtbot.waitUntil(lambda: "--token=" in RunProcessSampler().sample(refs)[0].cmdline)
        [row] = RunProcessSampler().sample(refs)  # what the Monitor tab's worker samples
        assert row.cmdline.endswith("--token=***") and SECRET not in row.cmdline
    finally:
        service.cancel(rec.uid)


def test_a_run_another_process_hosts_is_masked_from_its_secrets_file(tmp_path):
    spec = TaskSpec(name="t", command="true", params=[Param("token", secret=True)])
    records.save_secret_values(tmp_path, "uid-1", spec, {"token": SECRET})
    assert records.shown_secrets(None, None, tmp_path, "uid-1") == [SECRET]
    assert records.shown_secrets(None, None, tmp_path, "uid-2") == []
