"""core.spec_codec: one decoder for a task file's table and a row's stored JSON."""

from __future__ import annotations

import pytest

from taskrun_gui.core import toml_io
from taskrun_gui.core.models import Param, Schedule, Step, TaskKind, TaskSpec
from taskrun_gui.core.spec_codec import SpecDecodeError, spec_from_data, to_data
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Task


def _full_spec() -> TaskSpec:
    return TaskSpec(
        "nightly",
        kind=TaskKind.SCRIPT,
        script="echo hi",
        env={"A": "1"},
        params=[Param("who", default="me")],
        timeout=2.5,
        tags=["x", "y"],
        schedule=Schedule(cron="0 3 * * *"),
        steps=[
            Step("one", command="true", interpreter="sh"),
            Step("two", kind=TaskKind.SCRIPT, script="ls"),
        ],
        log_cap_bytes=0,
    )


def test_stored_data_reads_back_to_the_same_spec() -> None:
    spec = _full_spec()
    assert spec_from_data(to_data(spec), "row", unknown="ignore") == spec
    # and the file form reads back to it too, through the same decoder
    assert toml_io.parse_task(toml_io.spec_to_toml(spec), "f.toml", check_environment=False) == spec


def test_every_wrong_field_is_named_by_its_path() -> None:
    data = to_data(_full_spec())
    data["steps"][1]["kind"] = "bogus"
    data["timeout"] = "soon"
    data["params"][0] = 7
    with pytest.raises(SpecDecodeError) as raised:
        spec_from_data(data, "task 3 version 2", unknown="ignore")
    assert raised.value.problems == [
        "task 3 version 2: timeout: expected float | None, got str 'soon'",
        "task 3 version 2: params[1]: must be a table",
        "task 3 version 2: steps[2].kind: 'bogus' is not one of command, script",
    ]


def test_an_unknown_field_is_reported_from_a_file_and_ignored_from_a_row() -> None:
    data = {**to_data(_full_spec()), "colour": "red"}
    assert spec_from_data(data, "row", unknown="ignore").name == "nightly"
    with pytest.raises(SpecDecodeError) as raised:
        spec_from_data(data, "a.toml", unknown="report")
    assert raised.value.problems == ["a.toml: colour: unknown field"]


def test_a_damaged_row_names_its_task_version_and_field(store: Store) -> None:
    with store.db.atomic():
        row = tasks_repo.create(TaskSpec("backup", command="echo"))
    Task.update(spec_json='{"name": "backup", "kind": "shell"}').where(Task.id == row.id).execute()
    with pytest.raises(SpecDecodeError) as raised:
        tasks_repo.get("backup")
    assert str(raised.value) == (
        f"task {row.id} version 1: kind: 'shell' is not one of command, script"
    )


def test_carriage_returns_survive_an_export_and_import() -> None:
    crlf = "#!/bin/bash\r\necho hi  \r\n"
    spec = TaskSpec(
        name="crlf",
        kind=TaskKind.SCRIPT,
        script=crlf,
        steps=[Step(name="s", kind=TaskKind.SCRIPT, script="a\rb\r\n")],
        env={"EOL": "\r\n"},
    )
    back = toml_io.parse_task(toml_io.spec_to_toml(spec), "crlf.toml")
    assert (back.script, back.steps[0].script, back.env) == (crlf, "a\rb\r\n", {"EOL": "\r\n"})
    plain = TaskSpec(name="lf", kind=TaskKind.SCRIPT, script="echo one\necho two\n")
    assert '"""' in toml_io.spec_to_toml(plain)  # readable as lines when nothing is lost
