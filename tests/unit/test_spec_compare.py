"""core.spec_diff.compare_specs: what changed, setting by setting, as the What-changed view and
the editor's version list show it."""

from __future__ import annotations

from taskrun_gui.core.models import Step, TaskKind, TaskSpec
from taskrun_gui.core.spec_diff import compare_specs


def _steps(*commands: str) -> TaskSpec:
    steps = [Step(name="x", kind=TaskKind.COMMAND, command=c) for c in commands]
    return TaskSpec(name="t", command="true", steps=steps)


def test_an_edit_in_one_of_two_steps_of_the_same_name_is_shown() -> None:
    """Steps may share a name: they are told apart by position, so no edit hides behind
    its namesake."""
    changes = compare_specs(_steps("echo a", "echo b"), _steps("echo A", "echo b"), "v1", "v2")
    assert [(f.field, f.old, f.new) for f in changes.fields] == [
        ("steps[1 x].command", "echo a", "echo A")
    ]


def test_steps_with_their_own_names_are_named() -> None:
    old = TaskSpec(name="t", steps=[Step(name="build", command="make"), Step(name="ship")])
    new = TaskSpec(name="t", steps=[Step(name="build", command="make -j4"), Step(name="ship")])
    [change] = compare_specs(old, new, "v1", "v2").fields
    assert change.field == "steps[build].command"
