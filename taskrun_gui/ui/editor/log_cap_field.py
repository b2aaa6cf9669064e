"""A task's own log cap (TaskSpec.log_cap_bytes): the data dir's cap (None), no cap (0), or a
number of MiB.

The spin box counts MiB because that is the size people think in; a cap set in bytes
elsewhere (a TOML file, the CLI) that is not a whole number of MiB is kept exactly as long as
the spin box is not touched, so opening and saving such a task changes nothing.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QSpinBox, QWidget

from taskrun_gui.core.policy import DEFAULT_LOG_CAP, MAX_LOG_CAP, MIB

MODES = ("Data dir default", "No cap", "Cap at")
MODE_DEFAULT, MODE_NONE, MODE_CAP = range(3)


class LogCapField(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = QComboBox()
        self.mode.addItems(MODES)
        self.mode.setToolTip(
            "The most output a run of this task keeps in its log file (its head and its "
            "newest tail). The data dir's cap is set in Settings and also applies to "
            "`taskrun daemon`."
        )
        self.mib = QSpinBox()
        self.mib.setRange(1, MAX_LOG_CAP // MIB)
        self.mib.setSuffix(" MiB")
        self.mib.setValue(DEFAULT_LOG_CAP // MIB)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.mode)
        layout.addWidget(self.mib, 1)
        self._exact: int | None = None  # a loaded cap, while the spin box shows it
        self._shown_mib = self.mib.value()
        self.mode.currentIndexChanged.connect(self._on_mode_current_index_changed)
        self.mib.valueChanged.connect(self._on_mib_value_changed)
        self._update_enabled()

    def set_value(self, cap: int | None) -> None:
        blocked = self.mode.blockSignals(True), self.mib.blockSignals(True)
        mode = MODE_DEFAULT if cap is None else MODE_NONE if cap == 0 else MODE_CAP
        self.mode.setCurrentIndex(mode)
        self._exact = cap if mode == MODE_CAP else None
        self.mib.setValue(max(1, round(cap / MIB)) if cap else DEFAULT_LOG_CAP // MIB)
        self._shown_mib = self.mib.value()
        self.mib.setToolTip(f"{cap:,} bytes" if cap else "")
        self.mode.blockSignals(blocked[0])
        self.mib.blockSignals(blocked[1])
        self._update_enabled()

    def value(self) -> int | None:
        mode = self.mode.currentIndex()
        if mode == MODE_DEFAULT:
            return None
        if mode == MODE_NONE:
            return 0
        if self._exact is not None and self.mib.value() == self._shown_mib:
            return self._exact
        return self.mib.value() * MIB

    def _update_enabled(self) -> None:
        self.mib.setEnabled(self.mode.currentIndex() == MODE_CAP)

    def _on_mode_current_index_changed(self, _index: int) -> None:
        self._update_enabled()
        self.changed.emit()

    def _on_mib_value_changed(self, _value: int) -> None:
        self.changed.emit()
