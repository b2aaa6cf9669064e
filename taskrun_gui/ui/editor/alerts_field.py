"""A task's alert rules, chains and late grace in the editor (TaskSpec.notify, .then,
.grace_seconds), written as the CLI takes them: `ops:failure,late; desktop:finish` and
`success:deploy; failure:cleanup`; plus the chain the task is part of, read off the UI thread.

What the rules name (channels, tasks, a cycle) is checked where the save is written, on the
store's writer (`checked_write`): a refused save comes back as LinkError, shown under the
field, and nothing is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QWidget

from taskrun_gui.core import notify_rules
from taskrun_gui.core.models import TaskSpec
from taskrun_gui.core.validation import FieldError
from taskrun_gui.storage import task_links
from taskrun_gui.ui.context import AppContext

MAX_GRACE_S = 3650 * 86_400


class LinkError(ValueError):
    """The rules name what does not exist, or close a cycle: one FieldError each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.errors = [FieldError(*p.split(": ", 1)) for p in problems]


def checked_write(
    data_dir: Path, task_id: int | None, spec: TaskSpec, write: Callable[[], Any]
) -> Any:
    """On the writer: refuse (LinkError) what task_links refuses, else `write()`."""
    problems = task_links.problems(data_dir, spec, task_id)
    if problems:
        raise LinkError(problems)
    return write()


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


class AlertsField(QWidget):
    """Not a layout of its own: the form lays out its parts (`rows`)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notify = QLineEdit()
        self.notify.setPlaceholderText("channel:event,event; …  e.g. ops:failure,recovery,late")
        self.notify.setToolTip(
            f"Events: {', '.join(notify_rules.EVENTS)}. Empty: each channel's default events. "
            "Channels are set in Settings > Channels (or `taskrun channel add`)."
        )
        self.then = QLineEdit()
        self.then.setPlaceholderText("success:TASK; failure:TASK; finish:TASK")
        self.then.setToolTip(
            "Tasks to run after this one: they get TRIGGER_RUN_ID, TRIGGER_STATUS and "
            "TRIGGER_TASK in their environment"
        )
        self.grace = QSpinBox()
        self.grace.setRange(0, MAX_GRACE_S)
        self.grace.setSuffix(" s")
        self.grace.setSpecialValueText("from the schedule")
        self.grace.setToolTip(
            "A scheduled task is late when it has not succeeded within its period plus this"
        )
        self.chain = QLabel("")
        self.chain.setObjectName("chainLabel")
        self.chain.setWordWrap(True)
        for line in (self.notify, self.then):
            line.textChanged.connect(self.changed)
        self.grace.valueChanged.connect(self.changed)

    def rows(self) -> list[tuple[str, QWidget, str | None]]:
        return [
            ("Notify", self.notify, "notify"),
            ("Then run", self.then, "then"),
            ("Late grace", self.grace, "grace_seconds"),
            ("Chain", self.chain, None),
        ]

    def set_spec(self, spec: TaskSpec) -> None:
        self.notify.setText("; ".join(spec.notify))
        self.then.setText("; ".join(spec.then))
        self.grace.setValue(spec.grace_seconds or 0)
        self.chain.setText("")

    def values(self) -> dict[str, Any]:
        """The TaskSpec fields this widget holds."""
        return {
            "notify": _split(self.notify.text()),
            "then": _split(self.then.text()),
            "grace_seconds": self.grace.value() or None,
        }

    def load_chain(self, ctx: AppContext, name: str) -> None:
        """Show what starts this task and what it starts (read on a worker)."""
        # the label, not this object, is the owner: the form holds the label in its own rows
        ctx.query.read(lambda: task_links.chain_of(name), self._on_chain_loaded, None, self.chain)

    def _on_chain_loaded(self, lines: list[str]) -> None:
        self.chain.setText("\n".join(lines) if lines else "none")
