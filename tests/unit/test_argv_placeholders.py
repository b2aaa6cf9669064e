"""`{name}` placeholders of an argv command: each replaced by its value as given, in one
pass (a value holding `{other}` was replaced again, with other's value: a secret's could
reach the argv through a plain parameter)."""

from __future__ import annotations

from taskrun_gui.core.interpreters import command_argv


def test_a_value_is_put_in_as_given_whatever_it_holds() -> None:
    argv = command_argv("printf %s {a} {b}", False, {"a": "{b}", "b": "hunter2"})
    assert argv == ["printf", "%s", "{b}", "hunter2"]
    argv = command_argv("echo {b}{a}", False, {"b": "{a}", "a": "x"})
    assert argv == ["echo", "{a}x"]


def test_placeholders_inside_items_and_unknown_names() -> None:
    argv = command_argv("cp --to={dest}/{name}.bak {nope}", False, {"dest": "/d", "name": "n"})
    assert argv == ["cp", "--to=/d/n.bak", "{nope}"]
    assert command_argv("true {x}", False, {}) == ["true", "{x}"]
