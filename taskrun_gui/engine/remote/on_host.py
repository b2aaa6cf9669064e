"""The runner's seam for a run on another machine: find its host, plan its steps, run one."""

from __future__ import annotations

from collections.abc import Callable

from peewee import PeeweeException

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.core.models import ErrorType, RunStatus, TaskSpec
from taskrun_gui.engine.logsink import LogSink
from taskrun_gui.engine.plan import PlannedStep
from taskrun_gui.engine.process_outcome import ProcessOutcome
from taskrun_gui.engine.remote.plan import RemoteStep, plan_remote_steps, remote_env
from taskrun_gui.engine.supervise import RunControl
from taskrun_gui.storage import hosts_repo

plan = plan_remote_steps


def run_step(
    host: HostDef,
    step: RemoteStep,
    sink: LogSink,
    control: RunControl,
    run_uid: str,
    on_started: Callable[[], Callable[[], None] | None] | None = None,
    on_paused: Callable[[bool], None] | None = None,
) -> ProcessOutcome:
    """engine/remote/session.py's run_remote, imported here: SSH (asyncssh, cryptography) is
    loaded only by a process whose runs go to another machine, not by every `taskrun`."""
    from taskrun_gui.engine.remote.session import run_remote

    return run_remote(host, step, sink, control, run_uid, on_started, on_paused)


def target_of(name: str) -> HostDef | ProcessOutcome:
    """The inventory's host `name`, or the outcome of a run that cannot go there."""
    try:
        host = hosts_repo.get(name)
    except PeeweeException as exc:
        why = f"host {name}: the inventory cannot be read ({exc})"
        return ProcessOutcome(RunStatus.ERROR, error_type=ErrorType.CONNECTION, error_message=why)
    if host is None:
        why = f"host {name!r} is not in the inventory (see `taskrun host list`)"
        return ProcessOutcome(RunStatus.ERROR, error_type=ErrorType.CONNECTION, error_message=why)
    return host


def step_of(
    host: HostDef, step: PlannedStep, spec: TaskSpec, values: dict[str, str], run_uid: str
) -> RemoteStep:
    assert step.argv is not None
    env = remote_env(spec, values, run_uid, host.name)
    return RemoteStep(step.argv, env, spec.cwd, step.remote_script, step.timeout)
