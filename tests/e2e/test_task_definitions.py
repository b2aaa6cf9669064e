"""What `task add/edit` make of a script file and of a task with steps: the interpreter a
script's `#!` line names (a Python script without a suffix ran under bash), and no command
given to a task whose steps would never run it (the window's editor keeps one beside steps:
they replace it)."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.e2e.cli import one_line_refusal, taskrun, taskrun_json


def _interpreter(data: Path, name: str) -> str:
    return str(taskrun_json(data, "task", "show", name, "--json")["interpreter"])


def test_a_scripts_interpreter_is_the_one_its_first_line_names(tmp_path: Path) -> None:
    data = tmp_path / "data"
    tool = tmp_path / "tool"  # no suffix to go by
    tool.write_text('#!/usr/bin/env python3\nimport sys\nprint("py", sys.version_info[0])\n')
    assert taskrun(data, "task", "add", "t", "--script", str(tool)).returncode == 0
    assert _interpreter(data, "t") == "python"
    run = taskrun(data, "run", "t", "--follow")
    assert run.returncode == 0 and run.stdout.startswith("py 3\n"), run.stdout + run.stderr
    shell = tmp_path / "b.sh"
    shell.write_text("echo from sh\n")
    assert taskrun(data, "task", "edit", "t", "--script", str(shell)).returncode == 0
    assert _interpreter(data, "t") == "bash"  # it kept python, and the run failed
    plain = tmp_path / "notes"
    plain.write_text("echo plain\n")  # neither a #! line nor a suffix: as it was
    assert taskrun(data, "task", "edit", "t", "--script", str(plain)).returncode == 0
    assert _interpreter(data, "t") == "bash"
    # an interpreter the user named stays, whatever the new script's #! line (after review)
    mine = ["task", "add", "v", "--script", str(tool), "--interpreter", sys.executable]
    assert taskrun(data, *mine).returncode == 0
    assert taskrun(data, "task", "edit", "v", "--script", str(tool)).returncode == 0
    assert _interpreter(data, "v") == sys.executable


def test_no_command_is_saved_beside_steps(tmp_path: Path) -> None:
    data = tmp_path / "data"
    steps = tmp_path / "steps.toml"
    steps.write_text('name = "ms"\n[[steps]]\nname = "a"\ncommand = "echo a"\n')
    assert taskrun(data, "task", "add", "ms", "--from-toml", str(steps)).returncode == 0
    edit = taskrun(data, "task", "edit", "ms", "--command", "echo single")
    one_line_refusal(edit, "--command: task 'ms' runs its steps, not a command of its own")
    assert taskrun_json(data, "task", "show", "ms", "--json")["version"] == 1  # nothing saved
