"""The executor a window drives, whoever executes the runs: this process (ExecutorService,
when it serves the data dir) or the process that serves it (ClientExecutor, following a
`taskrun daemon`). The host switches between the two (a window takes over when its daemon
goes away); widgets connect to this object once and never see the switch.

Every request of `RunExecutor` is routed to the current implementation when it is made, by
members made from the protocol itself (`_route`), so the list of requests stands in one place.
A bound method taken early (`signal.connect(executor.cancel)`) follows the switch too."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QObject, Signal, SignalInstance

from taskrun_gui.executor.interface import SIGNAL_NAMES, RunExecutor, RunSignals

if TYPE_CHECKING:  # what it answers, for the type checker; at run time `_route` makes it so
    _Routed = RunExecutor
else:
    _Routed = object

C = TypeVar("C", bound=type)


def _route(cls: C) -> C:
    """Give `cls` each member of RunExecutor, asked of `self.current` at every use."""
    for name, member in vars(RunExecutor).items():
        if not name.startswith("_"):
            setattr(cls, name, _routed(name, member))
    return cls


def _routed(name: str, member: Any) -> Any:
    """A property read of, or a method calling, the current implementation's `name`."""
    if isinstance(member, property):
        return property(lambda self: getattr(self.current, name), doc=member.__doc__)

    @functools.wraps(member)
    def method(self: Executor, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.current, name)(*args, **kwargs)

    return method


@_route
class Executor(RunSignals, _Routed):
    """RunExecutor's requests, asked of the current implementation; its signals, relayed."""

    serving_changed = Signal(bool, str)  # runs execute here now?, what to tell the user

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: RunExecutor | None = None
        self.serving = False

    @property
    def current(self) -> RunExecutor:
        """The implementation every request goes to now."""
        assert self._current is not None, "the host has not attached an executor yet"
        return self._current

    def attach(self, executor: RunExecutor, serving: bool) -> RunExecutor | None:
        """Route everything to `executor` from now on; returns the one it replaces (the
        caller shuts that down)."""
        old = self._current
        for name in SIGNAL_NAMES:
            mine: SignalInstance = getattr(self, name)
            if old is not None:
                getattr(old, name).disconnect(mine)
            getattr(executor, name).connect(mine)
        self._current = executor
        self.serving = serving
        return old
