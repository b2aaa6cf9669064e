"""The Editor tab: a task's definition and script, validation, versions, diff and rollback."""
