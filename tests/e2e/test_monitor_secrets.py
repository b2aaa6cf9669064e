"""The Monitor tab's command lines of a run's processes: an argv placeholder puts a secret
parameter's value there, and the tab showed it in clear (the log, the history and every
export mask it)."""

from __future__ import annotations

import os
import shlex
import sys

import psutil

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


def test_a_run_another_process_hosts_is_masked_as_that_host_found_its_secrets(
    qtbot, service, store
):
    """(after review) a window following a daemon read only the run's secrets file, which a
    scheduled or chained run has none of: its secret default showed in clear."""
    spec = TaskSpec(
        name="secret-default",
        command="true",
        params=[Param("token", secret=True, default="DefaultSecret9"), Param("who")],
    )
    rec = start(service, add_task(store, spec), given={"who": "me"})
    assert service.writer.flush(10)  # its row: what a follower reads
    assert records.stored_run_secrets(rec.uid, store.secrets_dir) == ["DefaultSecret9"]
    assert records.stored_run_secrets("no-such-run", store.secrets_dir) is None
    rows = RunProcessSampler().sample([("u", "t", os.getpid(), None)])  # not known
    assert rows[0].cmdline == psutil.Process().name()  # its arguments are not shown
