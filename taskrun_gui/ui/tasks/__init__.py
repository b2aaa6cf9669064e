"""The Tasks tab: every task with its last status, the run queue, run and edit actions."""
