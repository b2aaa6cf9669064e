"""A task's own log cap (log_cap_bytes): None (the data dir's cap), 0 (no cap) or 4096 bytes
up to 1 TiB; anything else is refused by validation and by a TOML import, naming the field,
and a good one goes through an export and an import unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskrun_gui.core import toml_io
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.policy import MAX_LOG_CAP, MIB
from taskrun_gui.core.validation import validate_task


def _spec(cap: object) -> TaskSpec:
    return TaskSpec(name="t", command="true", interpreter="sh", log_cap_bytes=cap)  # type: ignore[arg-type]


@pytest.mark.parametrize("cap", [None, 0, 4096, 100 * MIB, MAX_LOG_CAP])
def test_usable_caps_pass(cap: int | None) -> None:
    assert validate_task(_spec(cap), check_environment=False) == []


@pytest.mark.parametrize(
    ("cap", "message"),
    [
        (100, "log_cap_bytes: must be at least 4096 bytes (or 0 for no cap), not 100"),
        (-1, f"log_cap_bytes: must be 0 (no cap) or a number of bytes up to {MAX_LOG_CAP}, not -1"),
        (True, "log_cap_bytes: must be a whole number of bytes, not True"),
        (1.5, "log_cap_bytes: must be a whole number of bytes, not 1.5"),
    ],
)
def test_unusable_caps_are_refused_by_name(cap: object, message: str) -> None:
    assert [str(e) for e in validate_task(_spec(cap), check_environment=False)] == [message]


def _toml(value: str) -> str:
    return f'name = "t"\ncommand = "true"\nlog_cap_bytes = {value}\n'


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("100", "must be at least 4096 bytes (or 0 for no cap), not 100"),
        (
            str(2**70),
            f"must be 0 (no cap) or a number of bytes up to {MAX_LOG_CAP}, not {2**70}",
        ),
        (
            '"100 MiB"',
            "must be a whole number of bytes (0: no cap; leave it out for the data dir's cap), "
            "not str '100 MiB'",
        ),
        (
            "false",
            "must be a whole number of bytes (0: no cap; leave it out for the data dir's cap), "
            "not bool False",
        ),
    ],
)
def test_an_import_names_the_file_and_the_field(value: str, problem: str) -> None:
    with pytest.raises(toml_io.TomlImportError) as caught:
        toml_io.parse_task(_toml(value), "t.toml", check_environment=False)
    assert caught.value.problems == [f"t.toml: log_cap_bytes: {problem}"]


def test_a_long_bad_value_is_cut_in_the_message() -> None:
    with pytest.raises(toml_io.TomlImportError) as caught:
        toml_io.parse_task(_toml(f'"{"x" * 10_000}"'), "t.toml", check_environment=False)
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize("cap", [None, 0, 5000, 3 * MIB])
def test_a_cap_goes_through_export_and_import(tmp_path: Path, cap: int | None) -> None:
    path = tmp_path / "t.toml"
    toml_io.write_task_file(path, toml_io.spec_to_toml(_spec(cap)))
    (spec,) = toml_io.read_tasks(path, check_environment=False)
    assert spec.log_cap_bytes == cap
    assert ("log_cap_bytes" in path.read_text()) is (cap is not None)
