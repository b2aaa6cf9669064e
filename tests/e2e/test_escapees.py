"""A process that leaves its run every way at once (a new session, an empty environment, a
double fork) is still the run's: cancel, timeout and the end of the run stop it, the run is
recorded only once it is gone, and another run's processes are left alone."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from taskrun_gui.core.models import RunStatus
from taskrun_gui.engine import supervise
from tests.e2e.escapees import (
    PY,
    Tags,
    double_fork_code,
    escapee_argv,
    logged,
    pid_in,
    setsid_line,
    survivors,
    tags_for_a_test,
)
from tests.e2e.runs import run_task, start, wait_final
from tests.helpers import add_task, py_task, shell_task, wait_for


@pytest.fixture
def tags() -> Iterator[Tags]:
    yield from tags_for_a_test()


@pytest.fixture(autouse=True)
def _short_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKRUN_KILL_GRACE", "0.2")


@pytest.fixture
def never_sampled(monkeypatch: pytest.MonkeyPatch) -> None:
    """No tree sample ever: what is found was found as it appeared."""
    monkeypatch.setattr(supervise, "FIRST_SAMPLE", 3600.0)
    monkeypatch.setattr(supervise, "SAMPLE_EVERY", 3600.0)


def _escapee_task(store, name: str, shape: str, tag: str, pidfile: Path, tail: str, **kw):
    """`tail`: a shell line for the setsid shapes, Python for the double fork."""
    if shape in ("setsid", "subshell-setsid"):
        line = setsid_line(tag, pidfile, tail, sub=shape == "subshell-setsid")
        return add_task(store, shell_task(name, line, **kw))
    return add_task(store, py_task(name, double_fork_code(tag, pidfile, tail), **kw))


def _wait_escapee_logged(qtbot, log_path: str, pidfile: Path) -> int:
    qtbot.waitUntil(lambda: pidfile.exists(), timeout=20_000)
    pid = pid_in(pidfile)
    qtbot.waitUntil(lambda: f"escapee {pid}\n".encode() in logged(log_path), timeout=20_000)
    return pid


@pytest.mark.usefixtures("never_sampled")
@pytest.mark.parametrize("shape", ["setsid", "subshell-setsid", "double-fork"])
@pytest.mark.parametrize("end", ["cancel", "timeout"])
def test_cancel_and_timeout_stop_an_escapee_never_sampled(
    qtbot, service, store, tmp_path, tags, shape, end
):
    tag, pidfile = tags.new(), tmp_path / "escapee.pid"
    tail = "time.sleep(300)" if shape == "double-fork" else "sleep 300"
    timeout = 3.0 if end == "timeout" else None
    task = _escapee_task(store, f"esc-{end}", shape, tag, pidfile, tail, timeout=timeout)
    rec = start(service, task)
    escapee = _wait_escapee_logged(qtbot, rec.log_path, pidfile)
    tags.pids.add(escapee)
    if end == "cancel":
        assert service.cancel(rec.uid)
    final = wait_final(qtbot, service, rec.uid)
    assert final.status is (RunStatus.CANCELLED if end == "cancel" else RunStatus.TIMEOUT)
    assert survivors(tag) == []


@pytest.mark.parametrize("shape", ["setsid", "subshell-setsid", "double-fork"])
@pytest.mark.parametrize("code", [0, 3])
def test_an_escapee_holding_the_output_is_stopped_when_the_run_ends(
    qtbot, service, store, tmp_path, tags, shape, code
):
    tag, pidfile = tags.new(), tmp_path / "escapee.pid"
    if shape != "double-fork":
        tail = f"while [ ! -e {pidfile} ]; do sleep 0.01; done; exit {code}"
    else:
        tail = f"sys.exit({code})"
    task = _escapee_task(store, "esc-exit", shape, tag, pidfile, tail)
    final = run_task(qtbot, service, task)
    # what the main process's exit says, and recorded only once the escapee is gone
    assert final.status is (RunStatus.SUCCESS if code == 0 else RunStatus.FAILED)
    assert final.exit_code == code
    assert survivors(tag) == []
    assert f"escapee {pid_in(pidfile)}\n".encode() in logged(final.log_path)
    assert list(store.tmp_dir.glob("*.pids")) == []  # the crash-recovery file went with it


@pytest.mark.usefixtures("never_sampled")
def test_a_quiet_escapee_is_stopped_when_the_run_ends(qtbot, service, store, tmp_path, tags):
    tag, pidfile, go = tags.new(), tmp_path / "escapee.pid", tmp_path / "go"
    tail = (
        f"while [ ! -e {pidfile} ]; do sleep 0.01; done; echo escaped; "
        f"while [ ! -e {go} ]; do sleep 0.01; done"
    )
    line = setsid_line(tag, pidfile, tail, mode="quiet")
    rec = start(service, add_task(store, shell_task("esc-quiet", line)))
    qtbot.waitUntil(lambda: b"escaped\n" in logged(rec.log_path), timeout=20_000)
    escapee = pid_in(pidfile)
    tags.pids.add(escapee)
    assert psutil.Process(escapee).environ() == {}  # no marker to find it by
    go.write_text("")
    final = wait_final(qtbot, service, rec.uid)
    assert final.status is RunStatus.SUCCESS
    assert survivors(tag) == []


@pytest.mark.usefixtures("never_sampled")
def test_a_quiet_escapee_in_a_group_of_its_own_is_stopped_when_the_run_ends(
    qtbot, service, store, tmp_path, tags
):
    """GNU timeout moves to a group of its own (as job-control shells and parallel do);
    started from a subshell that exits at once, with an empty environment and its output
    let go, only the run's session still leads to it and to the escapee under it."""
    tag, pidfile, go = tags.new(), tmp_path / "escapee.pid", tmp_path / "go"
    job = shlex.join(["env", "-i", "timeout", "300", *escapee_argv(tag, pidfile, "quiet")])
    line = (
        f"( {job} >/dev/null 2>&1 & ) ; while [ ! -e {pidfile} ]; do sleep 0.01; done; "
        f"echo escaped; while [ ! -e {go} ]; do sleep 0.01; done"
    )
    rec = start(service, add_task(store, shell_task("esc-group", line)))
    qtbot.waitUntil(lambda: b"escaped\n" in logged(rec.log_path), timeout=20_000)
    escapee = psutil.Process(pid_in(pidfile))
    tags.pids.add(escapee.pid)
    assert os.getpgid(escapee.pid) == escapee.ppid()  # timeout's group, not the run's
    assert escapee.environ() == {}  # no marker to find it by
    go.write_text("")
    final = wait_final(qtbot, service, rec.uid)
    assert final.status is RunStatus.SUCCESS
    assert survivors(tag) == []


def test_one_runs_end_leaves_another_runs_escapee_alone(qtbot, service, store, tmp_path, tags):
    runs = []
    for name in ("first", "second"):  # the second's escapee starts while both run
        tag, pidfile, go = tags.new(), tmp_path / f"{name}.pid", tmp_path / f"{name}.go"
        tail = f"while not os.path.exists({str(go)!r}): time.sleep(0.01)"
        rec = start(service, _escapee_task(store, name, "double-fork", tag, pidfile, tail))
        escapee = _wait_escapee_logged(qtbot, rec.log_path, pidfile)
        tags.pids.add(escapee)
        runs.append((rec, tag, escapee, go))
    (first, first_tag, _, first_go), (second, second_tag, second_escapee, second_go) = runs
    first_go.write_text("")
    assert wait_final(qtbot, service, first.uid).status is RunStatus.SUCCESS
    assert survivors(first_tag) == []
    assert second_escapee in survivors(second_tag)  # the second run is still going
    second_go.write_text("")
    assert wait_final(qtbot, service, second.uid).status is RunStatus.SUCCESS
    assert survivors(second_tag) == []


def test_adopted_orphans_are_reaped_but_never_the_hosts_own_children(
    qtbot, service, store, tmp_path, tags
):
    # children of this process that have exited and that Popen will wait for
    mine = [
        subprocess.Popen([PY, "-c", "raise SystemExit(7)"]),
        subprocess.Popen([PY, "-c", "raise SystemExit(8)"], start_new_session=True),
    ]
    for child in mine:
        wait_for(lambda c=child: psutil.Process(c.pid).status() == psutil.STATUS_ZOMBIE)
    go, pidfile = tmp_path / "go", tmp_path / "escapee.pid"
    wait_go = f"while not os.path.exists({str(go)!r}): time.sleep(0.01)"
    task = _escapee_task(store, "esc-zombie", "double-fork", tags.new(), pidfile, wait_go)
    rec = start(service, task)
    escapee = _wait_escapee_logged(qtbot, rec.log_path, pidfile)
    assert psutil.Process(escapee).ppid() == os.getpid()  # adopted: not init's
    os.kill(escapee, signal.SIGKILL)  # it ends on its own, a zombie of this process
    qtbot.waitUntil(lambda: not psutil.pid_exists(escapee), timeout=20_000)  # run still going
    go.write_text("")
    assert wait_final(qtbot, service, rec.uid).status is RunStatus.SUCCESS
    assert [child.wait(5) for child in mine] == [7, 8]


def test_a_process_the_host_started_itself_is_not_a_runs(qtbot, service, store, tmp_path, tags):
    go = tmp_path / "go"
    wait_go = f"while [ ! -e {go} ]; do sleep 0.01; done"
    rec = start(service, add_task(store, shell_task("plain", f"echo started; {wait_go}")))
    qtbot.waitUntil(lambda: b"started\n" in logged(rec.log_path), timeout=20_000)
    # what the window does to open a log viewer: a double fork into a new session, here
    # while a run goes on, so the viewer is adopted by this process and was created in the
    # run's time span
    tag, pidfile = tags.new(), tmp_path / "viewer.pid"
    launcher = subprocess.Popen([PY, "-c", double_fork_code(tag, pidfile, "")])
    assert launcher.wait(20) == 0
    viewer = pid_in(pidfile)
    tags.pids.add(viewer)
    assert psutil.Process(viewer).ppid() == os.getpid()
    go.write_text("")
    assert wait_final(qtbot, service, rec.uid).status is RunStatus.SUCCESS
    assert survivors(tag) == [viewer]


# told to stop, it starts a clean-up job (the same program, one generation less) and exits
TERM_TRAP = (
    "import os, signal, subprocess, sys, time\n"
    "tag, depth, pidfile = sys.argv[1], int(sys.argv[2]), sys.argv[3]\n"
    "def on_term(*_):\n"
    "    if depth:\n"
    "        again = 'CODE = ' + repr(CODE) + chr(10) + CODE\n"
    "        subprocess.Popen([sys.executable, '-c', again, tag, str(depth - 1), pidfile])\n"
    "    os._exit(0)\n"
    "signal.signal(signal.SIGTERM, on_term)\n"
    "if depth == 2:\n"
    "    open(pidfile, 'w').write(str(os.getpid()))\n"
    "while True: time.sleep(0.05)\n"
)


@pytest.mark.parametrize("end", ["exit", "timeout"])
def test_what_a_term_trap_starts_while_the_run_is_stopped_is_stopped_too(
    qtbot, service, store, tmp_path, tags, end
):
    tag, pidfile = tags.new(), tmp_path / "trap.pid"
    code = f"CODE = {TERM_TRAP!r}\n" + TERM_TRAP
    trap = shlex.join(["setsid", PY, "-c", code, tag, "2", str(pidfile)])
    wait = f"while [ ! -e {pidfile} ]; do sleep 0.01; done"
    line = f"{trap} </dev/null >/dev/null 2>&1 & {wait}; " + (
        "exit 0" if end == "exit" else "sleep 300"
    )
    task = add_task(
        store, shell_task(f"trap-{end}", line, timeout=5.0 if end == "timeout" else None)
    )
    final = run_task(qtbot, service, task)
    tags.pids.add(pid_in(pidfile))
    assert final.status is (RunStatus.SUCCESS if end == "exit" else RunStatus.TIMEOUT)
    assert survivors(tag) == []  # the trap's process, and the job it started as it stopped
