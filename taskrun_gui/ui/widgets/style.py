"""Palette-derived colours and the fixed-pitch font shared by the text widgets.

Tints are blended from the current palette instead of hard-coded, so the same widget stays
readable under a light theme, a dark theme, and the system's high-contrast themes.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette

__all__ = ["blend", "fixed_font", "is_dark", "tint"]

#: Accent hues for tints; blended with the palette base, never used raw as backgrounds.
GREEN = QColor("#2ea043")
RED = QColor("#f85149")
AMBER = QColor("#d29922")


def fixed_font() -> QFont:
    """The system's fixed-pitch font: logs and code line up in columns."""
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def is_dark(palette: QPalette) -> bool:
    """True when the palette paints light text on a dark base."""
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


def blend(base: QColor, accent: QColor, amount: float) -> QColor:
    """Mix ``amount`` (0 to 1) of ``accent`` into ``base``; opaque, so it prints and copies."""
    keep = 1.0 - amount
    return QColor(
        round(base.red() * keep + accent.red() * amount),
        round(base.green() * keep + accent.green() * amount),
        round(base.blue() * keep + accent.blue() * amount),
    )


def tint(palette: QPalette, accent: QColor) -> QColor:
    """A line background for ``accent``: stronger on dark bases, where tints look faint."""
    amount = 0.32 if is_dark(palette) else 0.22
    return blend(palette.color(QPalette.ColorRole.Base), accent, amount)
