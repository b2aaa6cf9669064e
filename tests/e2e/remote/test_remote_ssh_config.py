"""Remote runs whatever the user's ~/.ssh/config asks of interactive sessions: a forced
terminal (`RequestTTY force`) or environment (`SetEnv`) must not reach the wrapper's channel,
or the terminal echoes the job (secrets in it) into the log and rewrites its line ends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from taskrun_gui.core.models import Param
from tests.e2e.cli import popen_taskrun, reaped, taskrun, taskrun_json
from tests.e2e.remote.test_remote_runs import (
    _env,
    _run,
    _started,
    _survivors,
    _tree_line,
    token,  # noqa: F401  (the fixture)
)
from tests.helpers import add_task, shell_task, wait_for


@pytest.fixture
def tty_config(ssh_home: Path) -> Path:
    cfg = ssh_home / ".ssh" / "config"
    cfg.write_text("Host *\n  RequestTTY force\n  SetEnv TASKRUN_FROM_CONFIG=leaked\n")
    return cfg


def test_a_forced_tty_in_ssh_config_keeps_secrets_masked(
    tmp_path, store, hosts, ssh_home, tty_config
):
    params = [Param("token", secret=True)]
    line = 'echo "token=$TASKRUN_PARAM_TOKEN"; echo "env=${TASKRUN_FROM_CONFIG:-none}"; exit 2'
    add_task(store, shell_task("secret", line, params=params))
    res = _run(
        hosts,
        ssh_home,
        "secret",
        "--on",
        "web2",
        "--param",
        "token=s3cr\nt-v4lue",
        "--wait",
        "--json",
    )
    runs = json.loads(res.stdout)
    run = runs[-1]
    assert (run["status"], run["exit_code"]) == ("failed", 2), res.stderr
    log = Path(run["log_path"]).read_bytes()
    assert b"s3cr" not in log and b"v4lue" not in log
    assert b"\r" not in log and b"TASKRUN" not in log.replace(b"TASKRUN_FROM", b"")
    assert log.endswith(b"env=none\n")


def test_a_forced_tty_in_ssh_config_still_cancels_the_whole_tree(
    tmp_path,
    store,
    hosts,
    ssh_home,
    tty_config,
    token,  # noqa: F811
):
    add_task(store, shell_task("long", _tree_line(tmp_path, token)))
    with reaped(
        popen_taskrun(hosts, "run", "long", "--on", "web1", "--wait", "--json", **_env(ssh_home))
    ) as proc:
        wait_for(lambda: _started(tmp_path) and len(_survivors(token)) >= 3, timeout=30)
        [run] = taskrun_json(hosts, "runs", "--json")
        assert taskrun(hosts, "cancel", str(run["id"])).returncode == 0
        out, err = proc.communicate(timeout=60)
    [run] = json.loads(out)
    assert (run["status"], run["error_type"]) == ("cancelled", "cancelled"), err
    wait_for(lambda: not _survivors(token), timeout=10)
