"""Runs end the way a user expects: right status, right bytes in the log, no process left."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from taskrun_gui.core.models import ErrorType, RunStatus
from tests.e2e.runs import run_task, start, wait_final
from tests.helpers import add_task, gone, py_task, script_task, shell_task, tree_code


def _children(pidfile: Path) -> list[int]:
    return [int(p) for p in pidfile.read_text().split()]


def test_success_records_output_and_kills_leftover_children(qtbot, service, store, tmp_path):
    pidfile = tmp_path / "pids"
    task = add_task(store, py_task("tree-ok", tree_code(pidfile, "print('done')")))
    rec = run_task(qtbot, service, task)
    assert rec.status is RunStatus.SUCCESS
    assert rec.exit_code == 0
    assert Path(rec.log_path).read_bytes() == b"children started\ndone\n"
    assert rec.log_bytes == len(b"children started\ndone\n")
    assert rec.duration_ms is not None and rec.started_at is not None
    assert rec.cpu_seconds is not None and rec.cpu_seconds > 0
    qtbot.waitUntil(lambda: all(gone(p) for p in _children(pidfile)), timeout=5000)


def test_failure_keeps_exit_code_and_kills_the_tree(qtbot, service, store, tmp_path):
    pidfile = tmp_path / "pids"
    task = add_task(store, py_task("tree-fail", tree_code(pidfile, "sys.exit(3)")))
    rec = run_task(qtbot, service, task)
    assert rec.status is RunStatus.FAILED
    assert rec.exit_code == 3
    assert rec.error_type is ErrorType.EXIT_CODE
    qtbot.waitUntil(lambda: all(gone(p) for p in _children(pidfile)), timeout=5000)


def test_timeout_stops_the_whole_tree(qtbot, service, store, tmp_path):
    pidfile = tmp_path / "pids"
    task = add_task(store, py_task("tree-slow", tree_code(pidfile, "time.sleep(60)"), timeout=1.0))
    rec = run_task(qtbot, service, task)
    assert rec.status is RunStatus.TIMEOUT
    assert rec.error_type is ErrorType.TIMEOUT
    assert rec.duration_ms is not None and rec.duration_ms >= 1000  # not stopped early
    assert all(gone(p) for p in _children(pidfile))
    assert gone(rec.pid)  # type: ignore[arg-type]


def test_cancel_stops_the_run_and_its_children(qtbot, service, store, tmp_path):
    pidfile = tmp_path / "pids"
    task = add_task(store, py_task("tree-cancel", tree_code(pidfile, "time.sleep(60)")))
    rec = start(service, task)
    with qtbot.waitSignal(service.run_output, timeout=10_000):
        pass
    assert service.cancel(rec.uid)
    final = wait_final(qtbot, service, rec.uid)
    assert final.status is RunStatus.CANCELLED
    assert all(gone(p) for p in _children(pidfile))


def test_cancel_a_queued_run(qtbot, service, store):
    service.set_queue_paused(True)
    task = add_task(store, shell_task("queued", "echo never"))
    rec = start(service, task)
    assert [r.uid for r in service.queue()] == [rec.uid]
    with qtbot.waitSignal(service.run_finished, timeout=5000):
        assert service.cancel(rec.uid)
    assert service.writer.flush(10)
    from taskrun_gui.storage import runs_repo

    final = runs_repo.get_by_uid(rec.uid)
    assert final is not None
    assert final.status is RunStatus.CANCELLED
    assert final.started_at is None
    assert service.queue() == []


def test_pause_and_resume_the_tree(qtbot, service, store, tmp_path):
    import psutil

    marker = tmp_path / "go"
    code = (
        "import time, pathlib\n"
        "print('ready', flush=True)\n"
        f"p = pathlib.Path({str(marker)!r})\n"
        "while not p.exists(): time.sleep(0.02)\n"
        "print('resumed', flush=True)\n"
    )
    task = add_task(store, py_task("pausable", code))
    rec = start(service, task)
    with qtbot.waitSignal(service.run_output, timeout=10_000):
        pass
    states: list[RunStatus] = []
    service.run_state_changed.connect(lambda r: states.append(r.status))
    assert service.pause(rec.uid)
    qtbot.waitUntil(lambda: RunStatus.PAUSED in states, timeout=5000)
    pid = service.running()[0].pid
    assert psutil.Process(pid).status() == psutil.STATUS_STOPPED
    marker.write_text("x")
    assert service.resume(rec.uid)
    final = wait_final(qtbot, service, rec.uid)
    assert final.status is RunStatus.SUCCESS
    assert Path(final.log_path).read_bytes() == b"ready\nresumed\n"


def test_retries_are_new_runs_linked_to_the_first(qtbot, service, store):
    task = add_task(store, shell_task("flaky", "echo try; exit 2", retries=2, retry_backoff=0.05))
    first = start(service, task)
    with qtbot.waitSignal(service.idle, timeout=20_000):
        pass
    assert service.writer.flush(10)
    from taskrun_gui.storage import runs_repo
    from taskrun_gui.storage.runs_repo import RunFilter

    runs = list(reversed(runs_repo.page_before(RunFilter(task_id=task.id), None, 10)))
    assert [r.attempt for r in runs] == [1, 2, 3]
    assert [str(r.trigger) for r in runs] == ["manual", "retry", "retry"]
    assert runs[0].uid == first.uid
    assert all(r.first_uid == first.uid for r in runs[1:])
    assert all(r.status is RunStatus.FAILED for r in runs)
    assert runs[2].queued_at >= runs[1].finished_at  # type: ignore[operator]


def test_parameters_reach_argv_items_and_env_never_a_shell(qtbot, service, store, tmp_path):
    out = tmp_path / "argv.txt"
    code = (
        "import sys, os, json\n"
        f"open({str(out)!r}, 'w').write(json.dumps([sys.argv[1:], "
        "os.environ['TASKRUN_PARAM_TARGET']]))"
    )
    import shlex

    from taskrun_gui.core.models import Param, TaskSpec

    spec = TaskSpec(
        name="argv-params",
        command=shlex.join([sys.executable, "-c", code, "--target", "{target}"]),
        shell=False,
        params=[Param("target", default="x")],
    )
    task = add_task(store, spec)
    nasty = "a b; rm -rf / $(whoami)"
    rec = run_task(qtbot, service, task, given={"target": nasty})
    assert rec.status is RunStatus.SUCCESS
    import json

    assert json.loads(out.read_text()) == [["--target", nasty], nasty]
    assert rec.params == {"target": nasty}


def test_secrets_are_masked_in_log_db_and_json(qtbot, service, store):
    from taskrun_gui.core.models import Param
    from taskrun_gui.core.run_json import run_to_json

    spec = shell_task(
        "secretive",
        'echo "token=$TASKRUN_PARAM_TOKEN"; printf "%s" "$TASKRUN_PARAM_TOKEN" | cut -c1-4;'
        ' echo "$TASKRUN_PARAM_TOKEN" >&2; exit 1',
        params=[Param("token", secret=True, required=True)],
    )
    task = add_task(store, spec)
    secret = "s3cr3t-VALUE-42"
    rec = run_task(qtbot, service, task, given={"token": secret})
    log = Path(rec.log_path).read_bytes()
    assert secret.encode() not in log
    assert log == b"token=***\ns3cr\n***\n"
    assert rec.params == {"token": "***"}
    assert secret not in str(run_to_json(rec))
    raw = store.db.execute_sql("select params_json, error_message from run").fetchall()
    assert secret not in str(raw)


def test_a_short_secret_masks_the_output_not_taskruns_own_words(qtbot, service, store):
    """A secret `9` or `x` made the error "exited with code ***" (or "e***ited with code 3")
    in the history and every alert: wrong, and beside the exit code it told the value."""
    from taskrun_gui.core.models import Param

    spec = shell_task("short-secret", "echo v9x; exit 9", params=[Param("pw", secret=True)])
    task = add_task(store, spec)
    for secret in ("9", "x"):
        rec = run_task(qtbot, service, task, given={"pw": secret})
        assert rec.error_message == "exited with code 9"
        assert Path(rec.log_path).read_bytes() == b"v9x\n".replace(secret.encode(), b"***")


def test_non_utf8_and_binary_output_is_kept_exactly(qtbot, service, store):
    payload = bytes(range(256)) * 4 + b"\xff\xfe\xc3(\xe2\x82"
    code = f"import sys; sys.stdout.buffer.write({payload!r}); sys.stdout.flush()"
    task = add_task(store, py_task("binary", code))
    texts: list[str] = []
    service.run_output.connect(lambda uid, text, off: texts.append(text))
    rec = run_task(qtbot, service, task)
    assert rec.status is RunStatus.SUCCESS
    assert Path(rec.log_path).read_bytes() == payload
    assert "\ufffd" in "".join(texts)  # shown with replacement characters, never a crash


def test_a_10_mb_line_without_newline(qtbot, service, store):
    code = "import sys; sys.stdout.write('x' * (10 * 1024 * 1024)); sys.stdout.flush()"
    task = add_task(store, py_task("long-line", code))
    batches: list[str] = []
    service.run_output.connect(lambda uid, text, off: batches.append(text))
    rec = run_task(qtbot, service, task)
    assert rec.status is RunStatus.SUCCESS
    assert os.path.getsize(rec.log_path) == 10 * 1024 * 1024
    assert rec.log_bytes == 10 * 1024 * 1024
    assert max(len(b) for b in batches) <= 33 * 1024  # the UI gets bounded batches


def test_missing_interpreter_is_an_error_not_a_crash(qtbot, service, store, tmp_path):
    fake = tmp_path / "myinterp"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    task = add_task(store, script_task("lost-interp", "print(1)", interpreter=str(fake)))
    fake.unlink()
    rec = run_task(qtbot, service, task)
    assert rec.status is RunStatus.ERROR
    assert rec.error_type is ErrorType.NOT_FOUND
    assert "not found" in (rec.error_message or "")


def test_missing_command_is_not_found(qtbot, service, store):
    task = add_task(store, py_task("x", "pass"))
    from dataclasses import replace

    from taskrun_gui.storage import tasks_repo

    with store.db.atomic():
        task = tasks_repo.save(task.id, replace(task.spec, command="/no/such/program --x"))
    rec = run_task(qtbot, service, task)
    assert (rec.status, rec.error_type) == (RunStatus.ERROR, ErrorType.NOT_FOUND)


def test_bad_cwd(qtbot, service, store, tmp_path):
    task = add_task(store, shell_task("bad-cwd", "pwd", cwd=str(tmp_path / "nowhere")))
    rec = run_task(qtbot, service, task)
    assert (rec.status, rec.error_type) == (RunStatus.ERROR, ErrorType.BAD_CWD)
    assert "nowhere" in (rec.error_message or "")


def test_permission_denied(qtbot, service, store, tmp_path):
    prog = tmp_path / "not-executable"
    prog.write_text("#!/bin/sh\necho hi\n")
    prog.chmod(stat.S_IRUSR | stat.S_IWUSR)  # even root cannot exec a file with no x bit
    task = add_task(store, py_task("x", "pass"))
    from dataclasses import replace

    from taskrun_gui.storage import tasks_repo

    with store.db.atomic():
        task = tasks_repo.save(task.id, replace(task.spec, command=str(prog)))
    rec = run_task(qtbot, service, task)
    assert (rec.status, rec.error_type) == (RunStatus.ERROR, ErrorType.PERMISSION)


def test_scripts_in_each_available_language(qtbot, service, store):
    import shutil

    langs = {"bash": 'echo "bash $((1+2))"', "sh": "echo sh", "python": "print('py', 1 + 2)"}
    if shutil.which("node"):
        langs["node"] = "console.log('node', 1 + 2)"
    for lang, script in langs.items():
        task = add_task(store, script_task(f"lang-{lang}", script, interpreter=lang))
        rec = run_task(qtbot, service, task)
        assert rec.status is RunStatus.SUCCESS, (lang, rec.error_message)
        assert Path(rec.log_path).read_bytes().startswith(lang.encode()[:2])


def test_default_working_directory_is_home(qtbot, service, store):
    rec = run_task(qtbot, service, add_task(store, shell_task("where", "pwd")))
    assert Path(rec.log_path).read_text().strip() == os.path.expanduser("~")


def test_a_much_slower_run_is_flagged_slow(qtbot, service, store):
    from dataclasses import replace

    from taskrun_gui.storage import tasks_repo

    task = add_task(store, py_task("steady", "pass"))
    for _ in range(10):
        assert not run_task(qtbot, service, task).slow
    with store.db.atomic():
        task = tasks_repo.save(task.id, replace(task.spec, command=shlex_join_sleep(1.5)))
    slow = run_task(qtbot, service, task)
    assert slow.status is RunStatus.SUCCESS and slow.slow


def shlex_join_sleep(seconds: float) -> str:
    import shlex

    return shlex.join([sys.executable, "-c", f"import time; time.sleep({seconds})"])


def test_a_child_that_leaves_at_once_is_stopped_too(qtbot, service, store):
    import psutil

    line = "setsid -f sleep 7771 >/dev/null 2>&1 </dev/null; echo left"
    rec = run_task(qtbot, service, add_task(store, shell_task("escaper", line)))
    assert rec.status is RunStatus.SUCCESS

    def survivors() -> list[int]:
        out = []
        for p in psutil.process_iter(["cmdline", "status"]):
            if p.info["cmdline"] == ["sleep", "7771"] and p.info["status"] != "zombie":
                out.append(p.pid)
        return out

    qtbot.waitUntil(lambda: survivors() == [], timeout=5000)
