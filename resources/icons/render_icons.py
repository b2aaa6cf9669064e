"""Render taskrun.svg to the PNG sizes the desktop and the window icon use.

Run from anywhere after editing the SVG:
    QT_QPA_PLATFORM=offscreen .venv/bin/python resources/icons/render_icons.py
The PNGs are committed so that no SVG plugin is needed at run time.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

SIZES = (16, 32, 48, 64, 128, 256)
HERE = Path(__file__).resolve().parent


def render(svg: Path, size: int, out: Path) -> None:
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {svg}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    if not image.save(str(out)):  # format from the .png suffix
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    svg = HERE / "taskrun.svg"
    for size in SIZES:
        out = HERE / f"taskrun-{size}.png"
        render(svg, size, out)
        print(f"wrote {out}")
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
