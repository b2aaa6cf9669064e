"""Reusable text widgets: log viewer, code editor, syntax highlighter and diff views.

Each lives in its own module; import from there (``taskrun_gui.ui.widgets.log_view``) or
from this package.
"""

from taskrun_gui.ui.widgets.ansi import AnsiParser, Span, Style
from taskrun_gui.ui.widgets.code_editor import CodeEditor
from taskrun_gui.ui.widgets.diff_view import DiffView
from taskrun_gui.ui.widgets.highlighter import PygmentsHighlighter
from taskrun_gui.ui.widgets.log_view import LogView
from taskrun_gui.ui.widgets.search_bar import SearchBar
from taskrun_gui.ui.widgets.side_by_side import SideBySideDiff

__all__ = [
    "AnsiParser",
    "CodeEditor",
    "DiffView",
    "LogView",
    "PygmentsHighlighter",
    "SearchBar",
    "SideBySideDiff",
    "Span",
    "Style",
]
