"""The locks of a data dir, as the engine and the front ends name them: the one executor host
of a data dir (a flock on locks/host.lock) and the per-task run slots (the store's backend
hands those out: on SQLite, flocks in the same folder). They live in storage.file_locks."""

from __future__ import annotations

from taskrun_gui.storage.file_locks import FileLock, TaskSlots, host_alive, host_lock, host_pid

__all__ = ["FileLock", "TaskSlots", "host_alive", "host_lock", "host_pid"]
