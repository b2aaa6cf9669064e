"""What the Tasks tab shows before the first task exists: how to begin, and a shortcut."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from taskrun_gui.ui.widgets.view_message import title_label


class EmptyState(QWidget):
    new_requested = Signal()
    examples_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title = title_label("No tasks yet")
        text = QLabel(
            "A task is a shell line or a script (bash, sh, Python, Node, PowerShell) that "
            "TaskRun runs for you — by hand or on a schedule — and whose every run it keeps.\n\n"
            "Create your first task with New task (Ctrl+N), or add four examples to try: "
            "one that succeeds, a Python script, one that fails and a slow one."
        )
        text.setWordWrap(True)
        # a wrapped label in an aligned layout item gets no height-for-width: give it both
        text.setFixedWidth(560)
        text.setMinimumHeight(text.heightForWidth(560))
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.new_button = QPushButton("New task")
        self.examples_button = QPushButton("Add example tasks")
        self.examples_button.setDefault(True)
        self.new_button.clicked.connect(self.new_requested)
        self.examples_button.clicked.connect(self.examples_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.examples_button)
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(text, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addSpacing(16)
        layout.addLayout(buttons)
        layout.addStretch(2)
