"""Reusable text widgets: log viewer, code editor, syntax highlighter and diff views, one
per module (import from the module: importing this package loads none of them, so the
window does not pay for pygments before the editor is opened)."""
