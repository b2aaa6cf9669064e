"""A task's default targets: set with `task add/edit --on`, checked against the inventory at
save, kept in TOML and JSON, and used by `taskrun run` when no --on is given (`--on local`
runs it here). Against the real sshd: the hosts are aliases of it."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.e2e.cli import popen_taskrun, taskrun, taskrun_json
from tests.helpers import wait_for


def _env(home: Path) -> dict[str, str]:
    return {"HOME": str(home), "TASKRUN_SSH_KEEPALIVE": "1"}


def _one_line_error(res, code: int, text: str) -> None:
    assert res.returncode == code, res.stdout
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert text in res.stderr


def test_targets_are_set_shown_exported_and_cleared(tmp_path, hosts):
    add = taskrun(hosts, "task", "add", "t", "--command", "true", "--on", "tag:web", "--on", "db1")
    assert add.returncode == 0, add.stderr
    show = taskrun(hosts, "task", "show", "t")
    assert "# runs on: tag:web, db1" in show.stdout
    assert 'targets = [\n    "tag:web",\n    "db1",\n]' in show.stdout
    [listed] = taskrun_json(hosts, "task", "list", "--json")
    assert listed["targets"] == ["tag:web", "db1"]
    shown = taskrun_json(hosts, "task", "show", "t", "--json")
    assert shown["definition"]["targets"] == ["tag:web", "db1"]
    out = tmp_path / "t.toml"
    assert taskrun(hosts, "task", "export", "t", "--out", str(out)).returncode == 0
    assert 'targets = [\n    "tag:web",\n    "db1",\n]' in out.read_text()
    assert taskrun(hosts, "task", "edit", "t", "--on", "none").returncode == 0
    assert taskrun_json(hosts, "task", "show", "t", "--json")["definition"]["targets"] == []
    assert "runs on" not in taskrun(hosts, "task", "show", "t").stdout
    assert taskrun(hosts, "task", "import", str(out), "--replace").returncode == 0
    shown = taskrun_json(hosts, "task", "show", "t", "--json")
    assert shown["definition"]["targets"] == ["tag:web", "db1"]


def test_targets_that_name_no_host_are_refused_with_nothing_written(tmp_path, hosts):
    res = taskrun(hosts, "task", "add", "t", "--command", "true", "--on", "nope")
    _one_line_error(res, 1, "targets: nope: no such host")
    res = taskrun(hosts, "task", "add", "t", "--command", "true", "--on", "tag:zzz")
    _one_line_error(res, 1, "targets: tag:zzz: no host has the tag 'zzz'")
    res = taskrun(hosts, "task", "add", "t", "--command", "true", "--on", "bad/name")
    _one_line_error(res, 1, "targets: target 'bad/name'")
    res = taskrun(hosts, "task", "add", "t", "--command", "true", "--on", "none", "--on", "db1")
    _one_line_error(res, 2, "--on none: clears the targets")
    assert taskrun_json(hosts, "task", "list", "--json") == []
    toml = tmp_path / "x.toml"
    toml.write_text('name = "x"\ncommand = "true"\ntargets = ["ghost"]\n')
    res = taskrun(hosts, "task", "import", str(toml))
    assert res.returncode == 1 and "targets: ghost: no such host" in res.stderr
    assert taskrun_json(hosts, "task", "list", "--json") == []


def test_run_goes_to_the_task_targets_and_local_runs_it_here(hosts, ssh_home):
    line = 'echo "on ${TASKRUN_HOST:-here}"'
    assert taskrun(hosts, "task", "add", "t", "--command", line, "--on", "tag:web").returncode == 0
    res = taskrun(hosts, "run", "t", "--wait", "--json", timeout=120, **_env(ssh_home))
    assert res.returncode == 0, res.stderr
    runs = {r["host"]: r for r in json.loads(res.stdout)}
    assert set(runs) == {"web1", "web2"}
    assert len({r["batch"] for r in runs.values()}) == 1
    for name, run in runs.items():
        assert Path(run["log_path"]).read_bytes() == f"on {name}\n".encode()
    res = taskrun(hosts, "run", "t", "--on", "db1", "--wait", "--json", **_env(ssh_home))
    assert [r["host"] for r in json.loads(res.stdout)] == ["db1"]
    res = taskrun(hosts, "run", "t", "--on", "local", "--wait", "--json", **_env(ssh_home))
    assert res.returncode == 0, res.stderr
    [here] = json.loads(res.stdout)
    assert here["host"] is None and Path(here["log_path"]).read_bytes() == b"on here\n"
    res = taskrun(hosts, "run", "t", "--on", "local", "--on", "db1", **_env(ssh_home))
    _one_line_error(res, 2, "--on local: runs here only")
    res = taskrun(hosts, "host", "add", "local", "--ssh", "127.0.0.1", **_env(ssh_home))
    _one_line_error(res, 2, "host name 'local' is reserved")


def test_a_scheduled_task_runs_on_its_targets(hosts, ssh_home):
    """Nobody chose a place for a scheduled run: it goes where the task's targets say."""
    line = 'echo "on ${TASKRUN_HOST:-here}"'
    res = taskrun(hosts, "task", "add", "tick", "--command", line, "--on", "db1", "--every", "1s")
    assert res.returncode == 0, res.stderr
    daemon = popen_taskrun(hosts, "daemon", **_env(ssh_home))
    try:

        def scheduled() -> list[dict[str, object]]:
            runs = taskrun_json(hosts, "runs", "--json")
            return [r for r in runs if r["trigger"] == "schedule" and r["status"] == "success"]

        wait_for(lambda: bool(scheduled()), timeout=60)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=60)
    run = scheduled()[0]
    assert run["host"] == "db1"
    assert Path(str(run["log_path"])).read_bytes() == b"on db1\n"


def test_a_task_for_other_hosts_may_name_a_folder_only_they_have(tmp_path, hosts, ssh_home):
    folder = tmp_path / "only-on-the-target"
    res = taskrun(hosts, "task", "add", "here", "--command", "pwd", "--cwd", str(folder))
    _one_line_error(res, 1, "cwd: the working directory")  # this machine's: checked
    add = ["task", "add", "there", "--command", "pwd", "--cwd", str(folder), "--on", "web1"]
    assert taskrun(hosts, *add).returncode == 0
    folder.mkdir()  # the target is this machine: the folder appears there
    res = taskrun(hosts, "run", "there", "--wait", "--json", timeout=120, **_env(ssh_home))
    assert res.returncode == 0, res.stderr
    [run] = json.loads(res.stdout)
    assert Path(run["log_path"]).read_bytes() == f"{folder}\n".encode()
    folder.rmdir()
    res = taskrun(hosts, "task", "edit", "there", "--on", "none")  # it would run here now
    _one_line_error(res, 1, "cwd: the working directory")


def test_removing_a_host_names_the_tasks_that_still_target_it(hosts):
    add = ["task", "add", "dep", "--command", "true", "--on", "web2", "--on", "tag:web"]
    assert taskrun(hosts, *add).returncode == 0
    res = taskrun(hosts, "host", "rm", "web2")
    assert res.returncode == 0 and res.stdout == "host web2 removed\n", res.stderr
    assert res.stderr == (
        "taskrun: warning: task 'dep' still names it in --on: its runs fail until edited "
        "(task edit NAME --on …)\n"
    )
    res = taskrun(hosts, "host", "rm", "db1")  # no task names it
    assert (res.returncode, res.stderr) == (0, "")
