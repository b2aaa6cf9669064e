"""Find the files in resources/ (icons, the .desktop launcher) wherever TaskRun runs from.

A source checkout or an editable install has them next to the package; a wheel does not ship
them, so lookups fall back to an installed share/taskrun folder and finally to the icon theme
(where ``python -m taskrun_gui.desktop_install`` puts the icon).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtGui import QIcon

ICON_NAME = "taskrun"
ICON_SIZES = (16, 32, 48, 64, 128, 256)

_CANDIDATE_ROOTS = (
    Path(__file__).resolve().parent.parent / "resources",
    Path(sys.prefix) / "share" / "taskrun",
)


def resources_root() -> Path:
    """The first resources folder that exists; the checkout location when none does."""
    return next((root for root in _CANDIDATE_ROOTS if root.is_dir()), _CANDIDATE_ROOTS[0])


def resource_path(*parts: str) -> Path:
    """Path of a file under resources/; it may not exist in a bare install."""
    return resources_root().joinpath(*parts)


def app_icon() -> QIcon:
    """The TaskRun icon with every PNG size plus the SVG, or the themed icon as a fallback."""
    # Imported here so the Qt-free installer can use resource_path().
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for size in ICON_SIZES:
        png = resource_path("icons", f"{ICON_NAME}-{size}.png")
        if png.is_file():
            icon.addFile(str(png))
    svg = resource_path("icons", f"{ICON_NAME}.svg")
    if svg.is_file():
        icon.addFile(str(svg))
    if icon.isNull():
        icon = QIcon.fromTheme(ICON_NAME)
    return icon
