"""Task definitions as the `taskrun` command takes them: NUL bytes and oversized fields
refused in one line, long names echoed short, shell lines run under the interpreter named."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

from taskrun_gui.core.models import TaskSpec
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from tests.e2e.cli import one_line_refusal as _one_line_refusal
from tests.e2e.cli import taskrun, taskrun_json
from tests.e2e.v1_store import make_v1_store, v1_definition


def _no_tasks(d: Path) -> None:
    assert taskrun_json(d, "task", "list", "--json") == []


def test_a_nul_byte_is_refused_on_import_and_add(tmp_path):
    d = tmp_path / "data"
    f = tmp_path / "nul.toml"
    f.write_text('name = "n"\ncommand = "true"\nenv = {FOO = "a\\u0000b"}\n')
    res = taskrun(d, "task", "import", str(f))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert f"{f}: env.FOO: contains a NUL byte" in res.stderr
    f.write_text('name = "n"\ncommand = "echo a\\u0000b"\n')
    assert f"{f}: command: contains a NUL byte" in taskrun(d, "task", "import", str(f)).stderr
    res = taskrun(d, "task", "add", "n", "--from-toml", str(f))
    _one_line_refusal(res, "command: contains a NUL byte")
    _no_tasks(d)


def test_a_stored_task_with_a_nul_ends_its_run_as_an_error(tmp_path):
    d = tmp_path / "data"
    store = Store(d).open()
    try:
        with store.db.atomic():  # as a definition from before the check would be stored
            tasks_repo.create(TaskSpec(name="n", command="echo a\0b", interpreter="sh"))
    finally:
        store.close()
    res = taskrun(d, "run", "n", "--wait", "--json")
    assert res.returncode != 0 and "Traceback" not in res.stderr, res.stderr
    [run] = json.loads(res.stdout)
    assert run["status"] == "error"
    assert run["error_message"] == "the task definition cannot run: command: contains a NUL byte"


def test_a_huge_description_and_a_huge_task_file_are_refused(tmp_path):
    d = tmp_path / "data"
    res = taskrun(d, "task", "add", "t", "--command", "true", "--description", "x" * 10_001)
    _one_line_refusal(res, "description: is 10,001 characters long; at most 10,000 characters")
    f = tmp_path / "big.toml"
    with open(f, "w") as fh:
        fh.write('name = "big"\ncommand = "true"\ndescription = """')
        fh.write("x" * (9 * 1024 * 1024))
        fh.write('"""\n')
    res = taskrun(d, "task", "import", str(f))
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert f"{f}: larger than 8 MiB, the limit for a task file" in res.stderr
    assert len(res.stderr) < 500
    _one_line_refusal(taskrun(d, "task", "add", "big", "--from-toml", str(f)), "larger than 8 MiB")
    _no_tasks(d)


def test_a_long_name_is_echoed_short(tmp_path):
    d = tmp_path / "data"
    name = "a" * 10_000
    res = taskrun(d, "task", "show", name)
    _one_line_refusal(res, f"no task named '{'a' * 60}…'")
    assert len(res.stderr) < 200
    res = taskrun(d, "task", "add", name, "--command", "true")
    _one_line_refusal(res, f"'{'a' * 60}…' is not a valid name")
    assert len(res.stderr) < 300
    res = taskrun(d, "run", name + "b")
    _one_line_refusal(res, "no task named")
    assert len(res.stderr) < 200


def test_a_command_runs_under_the_interpreter_its_task_shows(tmp_path):
    d = tmp_path / "data"
    probe = 'if [ -n "$BASH_VERSION" ]; then echo bash; else echo not-bash; fi'
    assert taskrun(d, "task", "add", "plain", "--command", probe).returncode == 0
    res = taskrun(d, "task", "add", "b", "--command", probe, "--interpreter", "bash")
    assert res.returncode == 0, res.stderr
    res = taskrun(d, "task", "add", "py", "--command", "print(6 * 7)", "--interpreter", "python")
    assert res.returncode == 0, res.stderr
    assert 'interpreter = "sh"' in taskrun(d, "task", "show", "plain").stdout
    assert 'interpreter = "bash"' in taskrun(d, "task", "show", "b").stdout
    assert taskrun_json(d, "task", "show", "plain", "--json")["interpreter"] == "sh"
    assert taskrun_json(d, "task", "show", "b", "--json")["interpreter"] == "bash"
    for name, out in (("plain", "not-bash\n"), ("b", "bash\n"), ("py", "42\n")):
        [run] = taskrun_json(d, "run", name, "--wait", "--json")
        assert run["status"] == "success", run
        assert Path(run["log_path"]).read_text() == out, name
    res = taskrun(d, "task", "add", "r", "--command", "puts 1", "--interpreter", "ruby")
    _one_line_refusal(res, "interpreter: 'ruby' cannot run a command line")
    res = taskrun(d, "task", "add", "argv", "--command", "echo x", "--argv")
    assert res.returncode == 0
    assert taskrun_json(d, "task", "show", "argv", "--json")["interpreter"] is None
    assert "interpreter" not in taskrun(d, "task", "show", "argv").stdout


def test_exported_files_are_0600_whatever_the_umask(tmp_path):
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "t", "--command", "true").returncode == 0
    f = tmp_path / "t.toml"
    f.write_text("old")
    os.chmod(f, 0o644)  # an existing file is tightened too
    old = os.umask(0)
    try:
        assert taskrun(d, "task", "export", "t", "--out", str(f)).returncode == 0
        assert taskrun(d, "task", "export", "--out", str(tmp_path / "all")).returncode == 0
    finally:
        os.umask(old)
    assert os.stat(f).st_mode & 0o777 == 0o600
    assert os.stat(tmp_path / "all" / "t.toml").st_mode & 0o777 == 0o600
    assert f.read_text().startswith('name = "t"')


def test_the_migration_keeps_old_command_tasks_on_sh_and_adds_log_dropped(tmp_path):
    d = tmp_path / "data"
    probe = 'if [ -n "$BASH_VERSION" ]; then echo bash; else echo not-bash; fi'
    make_v1_store(d, {"old": v1_definition("old", probe, None)})
    shown = taskrun_json(d, "task", "show", "old", "--json")  # the first command migrates
    assert shown["interpreter"] == "sh" and shown["definition"]["interpreter"] == "sh"
    with sqlite3.connect(d / "taskrun.db") as con:
        stored = [
            json.loads(s)["interpreter"]
            for (s,) in con.execute("SELECT spec_json FROM task_version")
        ]
        columns = {row[1]: row for row in con.execute("PRAGMA table_info(run)")}
    assert stored == ["sh"]
    assert columns["log_dropped"][3] == 1 and columns["log_dropped"][4] == "0"  # NOT NULL 0
    [run] = taskrun_json(d, "run", "old", "--wait", "--json")
    assert Path(run["log_path"]).read_text() == "not-bash\n"
    with sqlite3.connect(d / "taskrun.db") as con:
        assert con.execute("SELECT log_dropped FROM run").fetchall() == [(0,)]


def test_a_new_store_has_log_dropped_with_a_default(tmp_path):
    store = Store(tmp_path / "data").open()
    try:
        columns = {r[1]: r for r in store.db.execute_sql("PRAGMA table_info(run)").fetchall()}
    finally:
        store.close()
    assert columns["log_dropped"][3] == 1 and columns["log_dropped"][4] == "0"


def test_flags_beside_from_toml_apply_over_the_file(tmp_path):
    d = tmp_path / "data"
    f = tmp_path / "t.toml"
    f.write_text('name = "x"\ncommand = "echo from file"\ntimeout = 9\n')
    flags = ("--retries", "2", "--cron", "0 3 * * *", "--tag", "nightly", "--title", "Nightly")
    res = taskrun(d, "task", "add", "ft", "--from-toml", str(f), *flags)
    assert res.returncode == 0, res.stderr
    (task,) = taskrun_json(d, "task", "list", "--json")
    shown = taskrun(d, "task", "show", "ft").stdout
    assert 'command = "echo from file"' in shown and "timeout = 9\n" in shown
    assert "retries = 2" in shown and 'cron = "0 3 * * *"' in shown and '"nightly"' in shown
    assert task["name"] == "ft" and 'title = "Nightly"' in shown
    res = taskrun(d, "task", "edit", "ft", "--from-toml", str(f), "--retries", "3")
    assert res.returncode == 0 and "version 2" in res.stdout, res.stdout + res.stderr
    assert "retries = 3" in taskrun(d, "task", "show", "ft").stdout


def test_an_import_is_held_to_the_chain_and_channel_checks_of_task_add(tmp_path):
    folder = tmp_path / "defs"
    folder.mkdir()
    (folder / "a.toml").write_text('name = "a"\ncommand = "echo"\nthen = ["success:b"]\n')
    (folder / "b.toml").write_text('name = "b"\ncommand = "echo"\nthen = ["success:a"]\n')
    data = tmp_path / "data"
    res = taskrun(data, "task", "import", str(folder))
    assert res.returncode == 1
    assert res.stderr.startswith("taskrun: nothing imported: ") and "a -> b -> a is a cycle" in (
        res.stderr
    )
    assert taskrun_json(data, "task", "list", "--json") == []  # a cycle would run for ever
    (folder / "b.toml").write_text('name = "b"\ncommand = "echo"\nnotify = ["nochan:failure"]\n')
    res = taskrun(data, "task", "import", str(folder))
    assert res.returncode == 1 and "no channel named 'nochan'" in res.stderr
    (folder / "b.toml").write_text('name = "b"\ncommand = "echo"\n')
    res = taskrun(data, "task", "import", str(folder))
    assert res.returncode == 0, res.stderr  # a chains to b, imported with it
    assert {t["name"] for t in taskrun_json(data, "task", "list", "--json")} == {"a", "b"}


def test_a_definition_with_items_that_are_not_text_is_refused_naming_them(tmp_path):
    data = tmp_path / "data"
    cases = {
        "tags = [1]\n": "tags[1]: expected a string, got int 1",
        '[[params]]\nname = "p"\nchoices = [1, 2]\n': "params[1].choices[1]: expected a string",
        "[env]\nA = { B = 1 }\n": "env.A: expected a string, got dict",
        "[env]\nB = true\n": "env.B: expected a string, got bool True",
        'then = ["success:a", 3]\n': "then[2]: expected a string",
    }
    for body, said in cases.items():
        path = tmp_path / "t.toml"
        path.write_text(f'name = "t"\ncommand = "true"\n{body}')
        res = taskrun(data, "task", "import", str(path))
        assert res.returncode == 1, body
        assert said in res.stderr and "Traceback" not in res.stderr, (body, res.stderr)
    assert taskrun_json(data, "task", "list", "--json") == []


def test_an_export_that_cannot_be_written_whole_leaves_the_previous_one(tmp_path):
    import resource
    import signal
    import subprocess
    import sys

    from tests.e2e.cli import cli_env

    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "t", "--command", "true").returncode == 0
    out = tmp_path / "t.toml"
    assert taskrun(d, "task", "export", "t", "--out", str(out)).returncode == 0
    good = out.read_bytes()
    long = "x" * 5000
    assert taskrun(d, "task", "edit", "t", "--description", long).returncode == 0

    def small_files() -> None:  # as a full disk: no file over 1 KiB
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    res = subprocess.run(
        [sys.executable, "-m", "taskrun_gui.cli", "task", "export", "t", "--out", str(out)],
        env=cli_env(d),
        capture_output=True,
        text=True,
        preexec_fn=small_files,
    )
    assert res.returncode == 1 and str(out) in res.stderr, res.stderr
    assert out.read_bytes() == good  # it was cut to a fragment that did not import
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "t.toml"]
