"""validate_task: NUL bytes and sizes refused field by field, echoed values cut short; plan_steps
ends a stored definition the OS cannot take as an error instead of an exception."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.core import validation as v
from taskrun_gui.core.models import ErrorType, Param, Schedule, Step, TaskKind, TaskSpec
from taskrun_gui.core.params import ParamError, resolve
from taskrun_gui.core.text import shorten
from taskrun_gui.engine.plan import plan_steps


def _errors(spec: TaskSpec) -> list[str]:
    return [str(e) for e in v.validate_task(spec, check_environment=False)]


def _cmd(**kw: object) -> TaskSpec:
    return TaskSpec(name="t", command="echo hi", interpreter="sh", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (TaskSpec(name="t", command="echo a\0b", interpreter="sh"), "command: contains a NUL byte"),
        (
            TaskSpec(name="t", kind=TaskKind.SCRIPT, script="echo \0", interpreter="bash"),
            "script: contains a NUL byte",
        ),
        (_cmd(env={"FOO": "a\0b"}), "env.FOO: contains a NUL byte"),
        (_cmd(env={"F\0O": "x"}), "env: the name 'F\\x00O' contains a NUL byte"),
        (_cmd(cwd="/tmp\0x"), "cwd: contains a NUL byte"),
        (_cmd(params=[Param("p", default="a\0")]), "params[1].default: contains a NUL byte"),
        (
            _cmd(params=[Param("p", choices=["ok", "b\0"])]),
            "params[1].choices[2]: contains a NUL byte",
        ),
        (
            TaskSpec(name="t", command="true", interpreter="ba\0sh"),
            "interpreter: contains a NUL byte",
        ),
        (TaskSpec(name="t\0x", command="true", interpreter="sh"), "name: contains a NUL byte"),
        (
            _cmd(steps=[Step(name="s", command="echo \0", interpreter="sh")]),
            "steps[1].command: contains a NUL byte",
        ),
        (_cmd(description="d\0"), "description: contains a NUL byte"),
        (_cmd(tags=["a\0"]), "tags: the tag 'a\\x00' contains a NUL byte"),
    ],
)
def test_a_nul_byte_is_refused_by_its_path(spec: TaskSpec, expected: str) -> None:
    assert expected in _errors(spec)


def test_sizes_are_limited_per_field() -> None:
    assert _errors(_cmd(description="x" * 10_000)) == []
    assert _errors(_cmd(description="x" * 10_001)) == [
        "description: is 10,001 characters long; at most 10,000 characters"
    ]
    assert _errors(TaskSpec(name="t", command="x" * 102_401, interpreter="sh")) == [
        "command: is 102,401 bytes long; at most 102,400 bytes"
    ]
    # bytes, not characters: 40,000 'é' are 80,000 bytes
    assert _errors(_cmd(env={"E": "é" * 16_384})) == []
    assert _errors(_cmd(env={"E": "é" * 16_385})) == [
        "env.E: is 32,770 bytes long; at most 32,768 bytes"
    ]
    big_script = TaskSpec(name="t", kind=TaskKind.SCRIPT, script="#" * (1024 * 1024 + 1))
    assert _errors(big_script) == ["script: is 1,048,577 bytes long; at most 1,048,576 bytes"]
    assert _errors(_cmd(env={f"V{i}": "" for i in range(1001)})) == [
        "env: has 1,001 variables; at most 1,000"
    ]
    params = [Param(f"p{i}") for i in range(101)]
    assert _errors(_cmd(params=params)) == ["params: has 101 parameters; at most 100"]
    steps = [Step(name=f"s{i}", command="true", interpreter="sh") for i in range(101)]
    assert _errors(_cmd(steps=steps)) == ["steps: has 101 steps; at most 100"]
    assert _errors(_cmd(tags=[f"t{i}" for i in range(51)])) == ["tags: has 51 tags; at most 50"]
    assert _errors(_cmd(schedule=Schedule(cron="* " * 200))) == [
        "schedule.cron: is 400 characters long; at most 200 characters"
    ]


def test_every_echoed_value_is_cut_short() -> None:
    long = "a" * 10_000
    assert shorten(long) == "a" * 60 + "…"
    assert shorten("short") == "short"
    errors = _errors(TaskSpec(name=long + "!", command="true", interpreter="sh"))
    assert len(errors) == 1 and len(errors[0]) < 200, errors
    assert "a" * 60 + "…" in errors[0]
    env_errors = _errors(_cmd(env={"1" + long: "x"}))
    assert len(env_errors) == 1 and len(env_errors[0]) < 250
    with pytest.raises(ParamError) as raised:
        resolve([Param("p")], {long: "x"})
    assert len(str(raised.value)) < 200


def test_a_shell_line_needs_an_interpreter_that_runs_lines() -> None:
    assert _errors(TaskSpec(name="t", command="x", interpreter="ruby")) == [
        "interpreter: 'ruby' cannot run a command line: use sh, bash or another shell, python, "
        "node or pwsh (a name or a path), or make this a script"
    ]
    for ok in ("sh", "bash", "/bin/bash", "zsh", "python", "python3", "node", "pwsh"):
        assert _errors(TaskSpec(name="t", command="x", interpreter=ok)) == [], ok
    # an argv command runs no interpreter, so it names none that matters
    assert _errors(TaskSpec(name="t", command="x y", shell=False, interpreter="ruby")) == []


def _plan(spec: TaskSpec, tmp_path: Path, values: dict[str, str] | None = None) -> list:
    return plan_steps(spec, values or {}, "uid", tmp_path)


@pytest.mark.parametrize(
    ("spec", "where"),
    [
        (TaskSpec(name="t", command="echo a\0b", interpreter="sh"), "command: contains a NUL"),
        (_cmd(env={"FOO": "a\0b"}), "env.FOO: contains a NUL"),
        (_cmd(cwd="/tmp\0"), "cwd: contains a NUL"),
        (TaskSpec(name="t", kind=TaskKind.SCRIPT, script="x", interpreter="ba\0sh"), "interpreter"),
        (_cmd(env={"A=B": "x"}), "env: 'A=B' is not a valid environment variable name"),
    ],
)
def test_a_stored_definition_the_os_cannot_take_plans_an_error(
    spec: TaskSpec, where: str, tmp_path: Path
) -> None:
    [step] = _plan(spec, tmp_path)
    assert step.argv is None and step.error_type is ErrorType.INTERNAL
    assert step.error.startswith("the task definition cannot run: ") and where in step.error


def test_a_nul_in_a_parameter_value_plans_an_error(tmp_path: Path) -> None:
    [step] = _plan(_cmd(params=[Param("p")]), tmp_path, {"p": "a\0b"})
    assert step.argv is None and "parameter 'p': contains a NUL byte" in (step.error or "")


def test_shell_lines_run_under_the_named_interpreter(tmp_path: Path) -> None:
    [sh] = _plan(TaskSpec(name="t", command="echo 1", interpreter="sh"), tmp_path)
    assert sh.argv == ["/bin/sh", "-c", "echo 1"]
    [bash] = _plan(TaskSpec(name="t", command="echo 1", interpreter="bash"), tmp_path)
    assert (
        bash.argv is not None
        and bash.argv[0].endswith("/bash")
        and bash.argv[1:]
        == [
            "-c",
            "echo 1",
        ]
    )
    [py] = _plan(TaskSpec(name="t", command="print(1)", interpreter="python"), tmp_path)
    assert py.argv is not None and py.argv[1:] == ["-c", "print(1)"]
    [lost] = _plan(TaskSpec(name="t", command="x", interpreter="/no/such/sh"), tmp_path)
    assert (lost.argv, lost.error_type) == (None, ErrorType.NOT_FOUND)
    assert lost.error == "interpreter '/no/such/sh' was not found"


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["p", "p"], "params: parameter 'p' is declared twice"),
        (["p", "P"], "params: parameters 'p' and 'P' would share TASKRUN_PARAM_P"),
    ],
)
def test_two_parameters_with_one_environment_variable_are_refused(
    names: list[str], expected: str
) -> None:
    assert _errors(_cmd(params=[Param(n) for n in names])) == [expected]


@pytest.mark.parametrize("tag", ["a\nb", "\x1b]0;pwned\x07", "tab\there"])
def test_a_tag_with_control_characters_is_refused(tag: str) -> None:
    assert _errors(_cmd(tags=[tag])) == [f"tags: the tag {shorten(tag)!r} must be printable text"]
