"""Light and dark palettes on the Fusion style, and the run-status colours used everywhere.

Fusion draws every control from the palette, so one palette gives the same dark mode on every
desktop. Widgets that paint status colours should call ``is_dark(self.palette())`` when they
paint (they get a PaletteChange event when the theme switches) rather than cache a colour.
"""

from __future__ import annotations

import functools
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QProxyStyle,
    QStyle,
    QStyleFactory,
    QStyleOption,
    QToolButton,
    QWidget,
)

from taskrun_gui.ui.settings_keys import THEME_MODES

_Role = QPalette.ColorRole
_Group = QPalette.ColorGroup

_LIGHT = {
    _Role.Window: "#F3F4F6",
    _Role.WindowText: "#1F2328",
    _Role.Base: "#FFFFFF",
    _Role.AlternateBase: "#F6F8FA",
    _Role.ToolTipBase: "#FFFFFF",
    _Role.ToolTipText: "#1F2328",
    _Role.PlaceholderText: "#6E7781",
    _Role.Text: "#1F2328",
    _Role.Button: "#F6F8FA",
    _Role.ButtonText: "#1F2328",
    _Role.BrightText: "#CF222E",
    _Role.Light: "#FFFFFF",
    _Role.Midlight: "#EAEEF2",
    _Role.Mid: "#C9D1D9",
    _Role.Dark: "#8C959F",
    _Role.Shadow: "#57606A",
    _Role.Highlight: "#D0E2FF",  # a soft selection: the row stays readable, chips keep colour
    _Role.HighlightedText: "#0A2540",
    _Role.Link: "#0969DA",
    _Role.LinkVisited: "#8250DF",
}

_DARK = {
    _Role.Window: "#1E1F22",
    _Role.WindowText: "#DFE1E5",
    _Role.Base: "#16171A",
    _Role.AlternateBase: "#202226",
    _Role.ToolTipBase: "#2B2D31",
    _Role.ToolTipText: "#DFE1E5",
    _Role.PlaceholderText: "#7D8590",
    _Role.Text: "#DFE1E5",
    _Role.Button: "#2B2D31",
    _Role.ButtonText: "#DFE1E5",
    _Role.BrightText: "#FF7B72",
    _Role.Light: "#3C3F44",
    _Role.Midlight: "#313338",
    _Role.Mid: "#26282C",
    _Role.Dark: "#111214",
    _Role.Shadow: "#000000",
    _Role.Highlight: "#264F78",
    _Role.HighlightedText: "#FFFFFF",
    _Role.Link: "#58A6FF",
    _Role.LinkVisited: "#BC8CFF",
}

_DISABLED_TEXT = {"light": "#8C959F", "dark": "#6E7681"}

# The accent of the primary action (Run): (light, dark) for its tonal button and icon.
ACCENT = ("#1D4ED8", "#60A5FA")
_ACCENT_FILL = ("#DBE7FE", "#1E3A66")

_UNKNOWN_STATUS = ("#57606A", "#8B949E")

# The outline of a check box or radio button, (light, dark): at least 3:1 against the window,
# the base and the Settings dialog's panels of its palette (Fusion's own outline, the window
# colour a little darker, is nearly invisible on the dark window).
INDICATOR_BORDER = ("#6E7781", "#8B949E")
_INDICATORS = (
    QStyle.PrimitiveElement.PE_IndicatorCheckBox,
    QStyle.PrimitiveElement.PE_IndicatorRadioButton,
)

_FOLLOWER_NAME = "taskrun_theme_follower"


def status_color(status: str, dark: bool) -> QColor:
    """Text colour for a run status, readable on the light or the dark palette."""
    light_hex, dark_hex = _status_colors().get(str(status), _UNKNOWN_STATUS)
    return QColor(dark_hex if dark else light_hex)


@functools.cache
def _status_colors() -> dict[str, tuple[str, str]]:
    """(light palette, dark palette); each at least 4.5:1 against Base and Window of its
    palette. Made on first use: the window's frame shows without the core models."""
    from taskrun_gui.core.models import RunStatus

    return {
        RunStatus.QUEUED: ("#0E7490", "#22D3EE"),
        RunStatus.RUNNING: ("#1D4ED8", "#60A5FA"),
        RunStatus.PAUSED: ("#854D0E", "#FACC15"),
        RunStatus.SUCCESS: ("#15803D", "#4ADE80"),
        RunStatus.FAILED: ("#B91C1C", "#F87171"),
        RunStatus.TIMEOUT: ("#C2410C", "#FB923C"),
        RunStatus.CANCELLED: ("#57534E", "#A8A29E"),
        RunStatus.ERROR: ("#A21CAF", "#E879F9"),
        RunStatus.INTERRUPTED: ("#6D28D9", "#A78BFA"),
    }


def is_dark(palette: QPalette) -> bool:
    """True when the window background is darker than its text."""
    return palette.color(_Role.Window).lightness() < palette.color(_Role.WindowText).lightness()


def build_palette(dark: bool) -> QPalette:
    palette = QPalette()
    for role, hex_color in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(hex_color))
    disabled = QColor(_DISABLED_TEXT["dark" if dark else "light"])
    for role in (_Role.WindowText, _Role.Text, _Role.ButtonText, _Role.PlaceholderText):
        palette.setColor(_Group.Disabled, role, disabled)
    palette.setColor(_Group.Disabled, _Role.Highlight, QColor("#4B5563" if dark else "#9CA3AF"))
    return palette


def accent(dark: bool) -> QColor:
    return QColor(ACCENT[1] if dark else ACCENT[0])


def mark_primary(button: QWidget | None, retint: Callable[[QColor], None] | None = None) -> None:
    """Make `button` the screen's clear primary action: a tonal accent button (accent text on a
    light accent fill). Its palette is set now and again on every theme change, and
    `retint` (e.g. setting its action's icon) is called with the theme's accent colour."""
    if isinstance(button, QAbstractButton):
        follower = _PrimaryFollower(button, retint)
        _PRIMARY.add(follower)
        follower.apply()


class _PrimaryFollower(QObject):
    """Re-styles its button when apply_theme changes the palette (widgets with a palette of
    their own are not sent the application's palette change, so the theme calls us)."""

    def __init__(
        self, button: QAbstractButton, retint: Callable[[QColor], None] | None = None
    ) -> None:
        super().__init__(button)
        self._button = button
        self._retint = retint
        button.setObjectName(button.objectName() or "primaryAction")
        button.setAutoFillBackground(False)
        font = button.font()
        font.setBold(True)
        button.setFont(font)

    def apply(self) -> None:
        app_palette = QApplication.palette()
        dark = is_dark(app_palette)
        palette = QPalette(app_palette)
        fill = QColor(_ACCENT_FILL[1] if dark else _ACCENT_FILL[0])
        for group in (_Group.Active, _Group.Inactive):  # disabled stays as every button
            palette.setColor(group, _Role.Button, fill)
            palette.setColor(group, _Role.Window, fill)
            palette.setColor(group, _Role.ButtonText, accent(dark))
        self._button.setPalette(palette)
        if isinstance(self._button, QToolButton):
            self._button.setAutoRaise(False)
        if self._retint is not None:
            self._retint(accent(dark))


# the primary buttons of every window, re-styled on each theme change (weak: a closed window's
# buttons go with it)
_PRIMARY: weakref.WeakSet[_PrimaryFollower] = weakref.WeakSet()


def _set_palette(app: QApplication, dark: bool) -> None:
    app.setPalette(build_palette(dark))
    for follower in list(_PRIMARY):
        follower.apply()


def system_prefers_dark(app: QApplication) -> bool:
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


class _Style(QProxyStyle):
    """Fusion, its check box and radio button outlines in INDICATOR_BORDER. Fusion draws them
    in the option's window colour made darker (140 % for a box, 150 % for a radio): the
    indicator is drawn with a window colour that darkens to the border, nothing else changed
    (fill, check mark, focus outline)."""

    def __init__(self) -> None:
        super().__init__(QStyleFactory.create("Fusion"))

    def name(self) -> str:
        return str(self.baseStyle().name())

    def drawPrimitive(
        self,
        element: QStyle.PrimitiveElement,
        option: QStyleOption,
        painter: QPainter,
        widget: QWidget | None = None,
    ) -> None:
        if element not in _INDICATORS or option is None:
            super().drawPrimitive(element, option, painter, widget)
            return
        saved = QPalette(option.palette)
        palette = QPalette(saved)
        border = QColor(INDICATOR_BORDER[1] if is_dark(saved) else INDICATOR_BORDER[0])
        factor = 140 if element == QStyle.PrimitiveElement.PE_IndicatorCheckBox else 150
        palette.setColor(_Role.Window, border.lighter(factor))
        option.palette = palette
        try:
            super().drawPrimitive(element, option, painter, widget)
        finally:
            option.palette = saved


def apply_theme(app: QApplication, mode: str) -> None:
    """Use Fusion with the light or dark palette; "system" also follows later OS changes."""
    if mode not in THEME_MODES:
        raise ValueError(f"theme mode must be one of {THEME_MODES}, not {mode!r}")
    if not isinstance(app.style(), _Style):
        app.setStyle(_Style())
    follower = app.findChild(_SystemSchemeFollower, _FOLLOWER_NAME)
    if mode == "system":
        if follower is None:
            _SystemSchemeFollower(app)
        dark = system_prefers_dark(app)
    else:
        if follower is not None:
            follower.stop()
        dark = mode == "dark"
    _set_palette(app, dark)


class _SystemSchemeFollower(QObject):
    """Re-applies the palette when the desktop switches light/dark; lives as a child of app."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.setObjectName(_FOLLOWER_NAME)
        self._app = app
        app.styleHints().colorSchemeChanged.connect(self._on_color_scheme_changed)

    def stop(self) -> None:
        """Disconnect; unparenting leaves Python as the owner, so the caller's last ref frees it."""
        self._app.styleHints().colorSchemeChanged.disconnect(self._on_color_scheme_changed)
        self.setParent(None)

    def _on_color_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        _set_palette(self._app, scheme == Qt.ColorScheme.Dark)
