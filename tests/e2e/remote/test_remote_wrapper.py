"""What the remote wrapper makes of odd values and odd ends: a parameter that reads like its
script placeholder, the wrapper itself killed by a signal."""

from __future__ import annotations

import json
from pathlib import Path

from taskrun_gui.core.models import Param, TaskSpec
from tests.e2e.remote.test_remote_runs import _run
from tests.helpers import add_task, shell_task


def test_a_value_reading_like_the_script_placeholder_arrives_verbatim(
    tmp_path, store, hosts, ssh_home
):
    out = tmp_path / "argv.out"
    writer = f"import sys; open({str(out)!r}, 'w').write(sys.argv[1])"
    spec = TaskSpec("v", command=f'python3 -c "{writer}" {{v}}', shell=False, params=[Param("v")])
    add_task(store, spec)
    res = _run(hosts, ssh_home, "v", "--on", "web1", "--param", "v=$TASKRUN_SCRIPT", "--wait")
    assert res.returncode == 0, res.stderr
    assert out.read_text() == "$TASKRUN_SCRIPT"


def test_a_wrapper_killed_by_a_signal_is_a_signal_not_a_lost_connection(store, hosts, ssh_home):
    add_task(store, shell_task("kills", "kill -KILL $PPID; sleep 1", retries=0))
    res = _run(hosts, ssh_home, "kills", "--on", "web2", "--wait", "--json")
    [run] = json.loads(res.stdout)
    assert (run["status"], run["error_type"]) == ("failed", "signal"), run
    assert run["error_message"] == "on web2: the run was killed by signal SIGKILL"
    assert Path(run["log_path"]).read_bytes() == b""
