"""A secret default reads "***" wherever a definition is shown or exported; such a definition
must pass validation again, also when the parameter has choices ("***" stands for the default
the task has, which the store puts back), or it could never be imported over the task."""

from __future__ import annotations

from pathlib import Path

from taskrun_gui.core import toml_io
from taskrun_gui.core.models import Param, TaskSpec
from taskrun_gui.core.params import MASK
from taskrun_gui.core.validation import validate_task
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.db import Store
from tests.helpers import add_task


def _spec(default: str, secret: bool = True) -> TaskSpec:
    stage = Param("stage", default=default, secret=secret, choices=["prod", "dev"])
    return TaskSpec(name="deploy", command="true", interpreter="sh", params=[stage])


def test_a_masked_secret_default_passes_its_choices() -> None:
    assert validate_task(_spec(MASK), check_environment=False) == []
    problems = [str(e) for e in validate_task(_spec("test"), check_environment=False)]
    assert problems == ["params: default of 'stage' is not one of its choices"]
    problems = [str(e) for e in validate_task(_spec(MASK, secret=False), check_environment=False)]
    assert problems == ["params: default of 'stage' is not one of its choices"]


def test_an_export_imports_over_its_task_and_keeps_the_secret(store: Store, tmp_path: Path) -> None:
    task_id = add_task(store, _spec("dev")).id
    path = tmp_path / "deploy.toml"
    toml_io.write_task_file(path, toml_io.spec_to_toml(tasks_repo.get(task_id).spec))
    assert 'default = "***"' in path.read_text()
    (spec,) = toml_io.read_tasks(path, check_environment=False)
    with store.db.atomic():
        row = tasks_repo.save(task_id, spec)
    assert row.version == 1  # nothing changed
    assert row.spec.params[0].default == "dev"
