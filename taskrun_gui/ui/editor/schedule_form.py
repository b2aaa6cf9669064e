"""A task's schedule: none, a cron expression, an interval or a one-off time; plus what to do
with overlapping and missed runs. Only the chosen kind's field is enabled, because the
schedule accepts exactly one of them."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QLineEdit, QSpinBox, QWidget

from taskrun_gui.core.models import MissedPolicy, OverlapPolicy, Schedule

MODES = ("Not scheduled", "Cron", "Every", "Once at")
MODE_NONE, MODE_CRON, MODE_EVERY, MODE_AT = range(4)


class ScheduleForm(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.cron = QLineEdit()
        self.cron.setPlaceholderText("minute hour day month weekday, e.g. 0 3 * * *")
        self.every = QSpinBox()
        self.every.setRange(1, 10_000_000)
        self.every.setValue(3600)
        self.every.setSuffix(" s")
        self.at = QLineEdit()
        self.at.setPlaceholderText("2026-11-22T10:00")
        self.enabled = QCheckBox("Schedule enabled")
        self.enabled.setChecked(True)
        self.overlap = QComboBox()
        self.overlap.addItems([str(p) for p in OverlapPolicy])
        self.overlap.setToolTip("When a run is due while the previous one still runs")
        self.missed = QComboBox()
        self.missed.addItems([str(p) for p in MissedPolicy])
        self.missed.setToolTip("Runs missed while TaskRun was closed: skip them, or run once")
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Kind", self.mode)
        form.addRow("Cron", self.cron)
        form.addRow("Every", self.every)
        form.addRow("At", self.at)
        form.addRow("", self.enabled)
        form.addRow("If still running", self.overlap)
        form.addRow("Missed runs", self.missed)
        self.mode.currentIndexChanged.connect(self._on_mode_current_index_changed)
        for line in (self.cron, self.at):
            line.textChanged.connect(self.changed)
        self.every.valueChanged.connect(self.changed)
        self.enabled.toggled.connect(self.changed)
        self.overlap.currentIndexChanged.connect(self.changed)
        self.missed.currentIndexChanged.connect(self.changed)
        self._update_enabled()

    def set_schedule(self, s: Schedule) -> None:
        mode = MODE_NONE
        if s.cron:
            mode = MODE_CRON
        elif s.every_seconds is not None:
            mode = MODE_EVERY
        elif s.at:
            mode = MODE_AT
        self.mode.setCurrentIndex(mode)
        self.cron.setText(s.cron or "")
        self.every.setValue(s.every_seconds or 3600)
        self.at.setText(s.at or "")
        self.enabled.setChecked(s.enabled)
        self.overlap.setCurrentText(str(s.overlap))
        self.missed.setCurrentText(str(s.missed))
        self._update_enabled()

    def schedule(self) -> Schedule:
        mode = self.mode.currentIndex()
        return Schedule(
            cron=self.cron.text().strip() or None if mode == MODE_CRON else None,
            every_seconds=self.every.value() if mode == MODE_EVERY else None,
            at=self.at.text().strip() or None if mode == MODE_AT else None,
            enabled=self.enabled.isChecked(),
            overlap=OverlapPolicy(self.overlap.currentText()),
            missed=MissedPolicy(self.missed.currentText()),
        )

    def _update_enabled(self) -> None:
        mode = self.mode.currentIndex()
        self.cron.setEnabled(mode == MODE_CRON)
        self.every.setEnabled(mode == MODE_EVERY)
        self.at.setEnabled(mode == MODE_AT)
        for w in (self.enabled, self.overlap, self.missed):
            w.setEnabled(mode != MODE_NONE)

    def _on_mode_current_index_changed(self, _index: int) -> None:
        self._update_enabled()
        self.changed.emit()
