"""Export a task as a TOML file and import tasks from TOML files (core.toml_io's format).

An export is written on a worker through toml_io.write_task_file, so it is 0600 whatever the
umask, as `taskrun task export` writes it (secret defaults are masked in the text; the env or
the command may still hold a token). The file is read and checked on a worker; an import with
any problem writes nothing and shows every problem. When some of its tasks exist, the user
chooses for each, in a dialog naming its file: replace it, import it under a new name, or
skip it, with "apply to all" (storage.task_import, the CLI's importer); a good import creates
all its tasks in one write.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from taskrun_gui.core import toml_io
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.storage import task_import
from taskrun_gui.storage.task_import import Conflict, ImportResult, OnExisting
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.context import AppContext
from taskrun_gui.ui.tasks.import_conflict_dialog import ask_each

# what to do with each taken name (or one answer for all); None: the user cancelled
Choices = dict[str, OnExisting] | OnExisting
ChooseOnExisting = Callable[[list[Conflict]], Choices | None]
Read = tuple[list[TaskSpec], dict[str, str], list[Conflict]]


def _read(path: Path) -> Read:
    """On a worker: the specs, the file of each name, and the names that are taken."""
    read = [(str(f), spec) for f, spec in toml_io.read_task_files(path)]
    sources = {spec.name: f for f, spec in read}
    return [spec for _f, spec in read], sources, task_import.conflicts(read)


class TaskTransfer(QObject):
    written = Signal(object)  # id of a task to select, or None
    exported = Signal(str)  # the path of the file an export wrote
    failed = Signal(str)

    def __init__(
        self, ctx: AppContext, selected: Callable[[], TaskRow | None], parent: QWidget
    ) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._selected = selected
        self._parent = parent
        self.choose_on_existing: ChooseOnExisting = self._ask_on_existing  # tests replace it

    def export_selected(self) -> None:
        task = self._selected()
        if task is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self._parent, "Export task", toml_io.file_name_for(task.spec), "TOML (*.toml)"
        )
        if path:
            self.export_to(task, Path(path))

    def export_to(self, task: TaskRow, path: Path) -> None:
        """Write `task` to `path` on a worker; `exported` or a warning when done."""
        text = toml_io.spec_to_toml(task.spec)
        self._ctx.query.read(
            lambda: toml_io.write_task_file(path, text),
            lambda _none: self.exported.emit(str(path)),
            self._on_failed,
            self,
        )

    def import_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self._parent, "Import tasks", "", "TOML (*.toml)")
        if path:
            self.import_path(Path(path))

    def import_folder(self) -> None:
        """Every task file of a folder at once: tasks that chain to each other import
        together, as `taskrun task import DIR`."""
        path = QFileDialog.getExistingDirectory(self._parent, "Import a folder of tasks")
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> None:
        """Read, check and create every task of a file or folder; nothing if any is bad."""
        self._ctx.query.read(lambda: _read(path), self._on_read, self._on_failed, self)

    def _on_read(self, read: Read) -> None:
        specs, sources, taken = read
        choice = self.choose_on_existing(taken) if taken else OnExisting.FAIL
        if choice is None:
            return  # the user cancelled
        write = partial(task_import.import_specs, specs, choice, sources, self._ctx.store.data_dir)
        self._ctx.query.write(write, self._on_imported, self._on_failed, self)

    def _on_imported(self, result: ImportResult) -> None:
        self.written.emit(result.rows[0].id if result.rows else None)

    def _on_failed(self, exc: Exception) -> None:
        QMessageBox.warning(self._parent, "Import / export", str(exc))
        self.failed.emit(str(exc))

    def _ask_on_existing(self, taken: list[Conflict]) -> Choices | None:
        return ask_each(taken, self._parent)
