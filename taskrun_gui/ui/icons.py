"""One icon set for the whole window: line icons of one family (24 px grid, 2 px round strokes,
drawn after Lucide, ISC licence), tinted from the palette so they follow light and dark.

The SVG sources live here rather than in resources/: a wheel does not ship resources/, and an
icon is a few dozen bytes of path data. Icons are rendered on demand by a QIconEngine at the
size and mode asked for (a toolbar at start-up asks for a handful of 20 px pixmaps, nothing
more), and no icon library is imported at start-up.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

__all__ = ["PATHS", "icon", "icon_pixmap", "svg_text"]

PATHS: dict[str, str] = {
    "play": '<polygon points="6 3 20 12 6 21 6 3"/>',
    "stop": '<rect x="5" y="5" width="14" height="14" rx="2"/>',
    "pause": '<rect x="6" y="4" width="4" height="16" rx="1"/>'
    '<rect x="14" y="4" width="4" height="16" rx="1"/>',
    "plus": '<path d="M5 12h14M12 5v14"/>',
    "edit": '<path d="M17 3a2.85 2.85 0 1 1 4 4L7.5 20.5 2 22l1.5-5.5Z"/>',
    "copy": '<rect x="8" y="8" width="14" height="14" rx="2"/>'
    '<path d="M4 16c-1.1 0-2-.9-2-2V4c0-1.1.9-2 2-2h10c1.1 0 2 .9 2 2"/>',
    "trash": '<path d="M3 6h18M19 6v14a2 2 0 0 1-2 2H7a2 2 0 0 1-2-2V6'
    'M8 6V4a2 2 0 0 1 2-2h4a2 2 0 0 1 2 2v2"/>',
    "import": '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M7 10l5 5 5-5M12 15V3"/>',
    "export": '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4M17 8l-5-5-5 5M12 3v12"/>',
    "history": '<path d="M3 12a9 9 0 1 0 9-9 9.75 9.75 0 0 0-6.74 2.74L3 8"/>'
    '<path d="M3 3v5h5M12 7v5l4 2"/>',
    "repeat": '<path d="m17 2 4 4-4 4M3 11v-1a4 4 0 0 1 4-4h14M7 22l-4-4 4-4'
    'M21 13v1a4 4 0 0 1-4 4H3"/>',
    "close": '<path d="M18 6 6 18M6 6l12 12"/>',
    # run statuses (the status chips)
    "success": '<path d="M20 6 9 17l-5-5"/>',
    "failed": '<path d="M18 6 6 18M6 6l12 12"/>',
    "timeout": '<circle cx="12" cy="12" r="10"/><path d="M12 6v6l4 2"/>',
    "cancelled": '<circle cx="12" cy="12" r="10"/><path d="m4.9 4.9 14.2 14.2"/>',
    "error": '<path d="m21.73 18-8-14a2 2 0 0 0-3.48 0l-8 14A2 2 0 0 0 4 21h16'
    'a2 2 0 0 0 1.73-3Z"/><path d="M12 9v4M12 17h.01"/>',
    "interrupted": '<path d="M13 2 3 14h9l-1 8 10-12h-9l1-8z"/>',
    "queued": '<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>',
    "running": '<path d="M21 12a9 9 0 1 1-6.22-8.56"/>',
    "paused": '<rect x="6" y="4" width="4" height="16" rx="1"/>'
    '<rect x="14" y="4" width="4" height="16" rx="1"/>',
}


def svg_text(name: str, color: QColor) -> str:
    """The icon as an SVG document in one colour."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" '
        f'stroke="{color.name()}" stroke-width="2" stroke-linecap="round" '
        f'stroke-linejoin="round">{PATHS[name]}</svg>'
    )


_CACHE: dict[tuple[str, str, int], QPixmap] = {}


def icon_pixmap(name: str, color: QColor, size: int) -> QPixmap:
    """The icon at `size` device pixels in `color`, rendered once and kept."""
    key = (name, color.name(QColor.NameFormat.HexArgb), size)
    pixmap = _CACHE.get(key)
    if pixmap is None:
        # QSvgRenderer directly: loading the SVG image plugin costs several times more
        renderer = QSvgRenderer(QByteArray(svg_text(name, color).encode()))
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter)
        painter.end()
        _CACHE[key] = pixmap
    return pixmap


class _Engine(QIconEngine):
    """Renders the named icon at paint time, in the palette's colour for the mode (so a theme
    switch recolours every icon without anyone re-setting it), or in a fixed colour."""

    def __init__(self, name: str, color: QColor | None) -> None:
        super().__init__()
        self._name = name
        self._color = color

    def _color_for(self, mode: QIcon.Mode) -> QColor:
        palette = QGuiApplication.palette()
        if mode == QIcon.Mode.Disabled:
            return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)
        if self._color is not None:
            return self._color
        return palette.color(QPalette.ColorRole.ButtonText)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        side = max(min(size.width(), size.height()), 1)
        return icon_pixmap(self._name, self._color_for(mode), side)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        side = min(rect.width(), rect.height())
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        pixmap = icon_pixmap(self._name, self._color_for(mode), max(round(side * ratio), 1))
        pixmap.setDevicePixelRatio(ratio)
        offset = QPoint(
            rect.x() + (rect.width() - side) // 2, rect.y() + (rect.height() - side) // 2
        )
        painter.drawPixmap(offset, pixmap)

    def clone(self) -> QIconEngine:
        return _Engine(self._name, self._color)


def icon(name: str, color: QColor | str | None = None) -> QIcon:
    """A QIcon of the set; `color` fixes the colour (the primary action's accent), otherwise
    it is the palette's button text."""
    fixed = None if color is None else QColor(color)
    return QIcon(_Engine(name, fixed))
