"""Export a task as a TOML file and import tasks from TOML files (core.toml_io's format).

An export is written on a worker through toml_io.write_task_file, so it is 0600 whatever the
umask, as `taskrun task export` writes it (secret defaults are masked in the text; the env or
the command may still hold a token). The file is read and checked on a worker; an import with
any problem writes nothing and shows every problem; a good one creates all its tasks in one
write.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from taskrun_gui.core import toml_io
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.storage import tasks_repo
from taskrun_gui.storage.tasks_repo import TaskRow
from taskrun_gui.ui.context import AppContext


def _create_all(specs: list[TaskSpec]) -> list[TaskRow]:
    return [tasks_repo.create(spec) for spec in specs]


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

    def import_path(self, path: Path) -> None:
        """Read, check and create every task of a file or folder; nothing if any is bad."""
        self._ctx.query.read(lambda: toml_io.read_tasks(path), self._on_read, self._on_failed, self)

    def _on_read(self, specs: list[TaskSpec]) -> None:
        self._ctx.query.write(lambda: _create_all(specs), self._on_created, self._on_failed, self)

    def _on_created(self, rows: list[TaskRow]) -> None:
        self.written.emit(rows[0].id if rows else None)

    def _on_failed(self, exc: Exception) -> None:
        QMessageBox.warning(self._parent, "Import / export", str(exc))
        self.failed.emit(str(exc))
