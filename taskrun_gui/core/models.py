"""Task and run value types shared by every layer (no Qt, no database)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    """Where a run is. The categories below are the only place that groups statuses: every
    layer asks a status what it is rather than keeping its own tuple.

    Interrupted (the host died under the run) is a failure: the run did not do its work, its
    task's owner is told (as for failed, timed-out and unstartable runs), and it counts against
    the success rate. Cancelled is final but neither a success nor a failure: the user asked."""

    QUEUED = "queued"
    RUNNING = "running"
    PAUSED = "paused"
    SUCCESS = "success"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    ERROR = "error"  # could not start: missing interpreter, bad cwd, permission
    INTERRUPTED = "interrupted"  # the host died while the run was going

    @property
    def is_final(self) -> bool:
        """Over: nothing will change the run's status again."""
        return self not in ACTIVE_STATUSES

    @property
    def is_live(self) -> bool:
        """Running or paused: a process exists (or existed) for this run."""
        return self in (RunStatus.RUNNING, RunStatus.PAUSED)

    @property
    def is_failure(self) -> bool:
        """Final and not what the task should do: notified, and the "what changed before it
        broke" question applies. Interrupted is one (see the class docstring)."""
        return self in _FAILURES

    @property
    def is_retried(self) -> bool:
        """The failures an attempt is retried on (within the task's retries): the ones the
        task's own program caused. An unstartable or interrupted run is not retried."""
        return self in (RunStatus.FAILED, RunStatus.TIMEOUT)

    @property
    def counts_for_success_rate(self) -> bool:
        """The runs a success rate (and flakiness) is taken over: successes and failures; a
        cancelled run says nothing about the task's health."""
        return self is RunStatus.SUCCESS or self.is_failure

    @property
    def is_timed(self) -> bool:
        """The runs whose duration describes the task: they ran until they ended (or were
        stopped at their timeout). Errors never started; cancelled and interrupted runs were
        cut short."""
        return self in (RunStatus.SUCCESS, RunStatus.FAILED, RunStatus.TIMEOUT)

    @property
    def is_judged_for_slowness(self) -> bool:
        """The runs a "slow run" flag is given to: a timeout is already flagged by its own
        status, and a run that never started or was cut short took no telling time."""
        return self in (RunStatus.SUCCESS, RunStatus.FAILED)


# The statuses of a run not over yet; a frozenset for SQL `IN (...)` filters.
ACTIVE_STATUSES = frozenset({RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.PAUSED})
_FAILURES = frozenset({RunStatus.FAILED, RunStatus.TIMEOUT, RunStatus.ERROR, RunStatus.INTERRUPTED})


class ErrorType(StrEnum):
    NOT_FOUND = "not_found"
    PERMISSION = "permission"
    BAD_CWD = "bad_cwd"
    TIMEOUT = "timeout"
    SIGNAL = "signal"
    EXIT_CODE = "exit_code"
    CANCELLED = "cancelled"
    INTERNAL = "internal"
    INTERRUPTED = "interrupted"
    CONNECTION = "connection"  # a run on another machine: its SSH connection failed or dropped


class Trigger(StrEnum):
    MANUAL = "manual"
    SCHEDULE = "schedule"
    RETRY = "retry"
    CLI = "cli"
    CHAIN = "chain"  # started by another task's run (TaskSpec.then)


class TaskKind(StrEnum):
    COMMAND = "command"
    SCRIPT = "script"


class OverlapPolicy(StrEnum):
    SKIP = "skip"
    QUEUE = "queue"
    ALLOW = "allow"


class MissedPolicy(StrEnum):
    SKIP = "skip"
    ONCE = "once"


class Control(StrEnum):
    """A request recorded on a run by any process and carried out by the host."""

    CANCEL = "cancel"
    PAUSE = "pause"
    RESUME = "resume"


@dataclass
class Param:
    name: str
    default: str | None = None
    required: bool = False
    secret: bool = False
    choices: list[str] = field(default_factory=list)
    description: str = ""


@dataclass
class Step:
    """One step of a multi-step task; the task's env, cwd and parameters apply to it."""

    name: str
    kind: TaskKind = TaskKind.COMMAND
    command: str = ""
    shell: bool = True
    script: str = ""
    interpreter: str = "bash"
    timeout: float | None = None
    continue_on_error: bool = False


@dataclass
class Schedule:
    cron: str | None = None
    every_seconds: int | None = None
    at: str | None = None  # ISO 8601 date-time, local time when no offset is given
    enabled: bool = True
    overlap: OverlapPolicy = OverlapPolicy.SKIP
    missed: MissedPolicy = MissedPolicy.SKIP

    @property
    def is_set(self) -> bool:
        return bool(self.cron or self.every_seconds or self.at)


@dataclass
class TaskSpec:
    """Everything a user defines about a task; one snapshot of it is one version."""

    name: str
    kind: TaskKind = TaskKind.COMMAND
    command: str = ""
    shell: bool = True  # True: a shell line for /bin/sh -c; False: split into argv items
    script: str = ""
    interpreter: str = "bash"  # bash, sh, python, node, pwsh, or a path
    cwd: str = ""
    env: dict[str, str] = field(default_factory=dict)
    params: list[Param] = field(default_factory=list)
    timeout: float | None = None
    retries: int = 0
    retry_backoff: float = 2.0  # seconds before the first retry, doubled each attempt
    max_concurrent: int = 1
    priority: int = 0
    tags: list[str] = field(default_factory=list)
    enabled: bool = True
    description: str = ""
    schedule: Schedule = field(default_factory=Schedule)
    steps: list[Step] = field(default_factory=list)
    log_cap_bytes: int | None = None  # None: the data dir's policy; 0: no cap
    # A free display title ("Nightly backup of photos") beside the name. The name stays one
    # shell-safe word because people type it: `taskrun run nightly-photos` works unquoted in
    # every shell, in cron lines and in scripts, and a name with spaces would need quoting
    # everywhere it is typed (and would break `xargs`-style pipelines over `task list`). What a
    # user wanted spaces for is how the task reads in the window: that is the title.
    title: str = ""
    # Where `taskrun run` and the Run button send the task when not told: host names and
    # `tag:T` (core/hosts.py). Empty: this machine, as before.
    targets: list[str] = field(default_factory=list)
    # The node (core/nodes.py) `taskrun run` and the window send a run of it to when not
    # told: a node's name, or "any" for the first with a free slot. Empty: the node that
    # queues it, as before.
    node: str = ""

    @property
    def display_name(self) -> str:
        """How the window names the task: its title when it has one, else its name."""
        return self.title or self.name

    # alerts and chains (core.notify_rules): "CHANNEL:event,event"; "EVENT:TASK"
    notify: list[str] = field(default_factory=list)
    then: list[str] = field(default_factory=list)
    grace_seconds: int | None = None  # late after period + grace; None: from the schedule

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskSpec:
        """Build from a dict made by to_dict (a stored version); unknown keys are ignored,
        a value of the wrong type raises spec_codec.SpecDecodeError naming its field."""
        from taskrun_gui.core.spec_codec import spec_from_data  # it builds these classes

        return spec_from_data(data, "definition", unknown="ignore")

    def secret_names(self) -> set[str]:
        return {p.name for p in self.params if p.secret}


STEP_SKIPPED = "skipped"  # a step status beside the run statuses: never ran after a failure


@dataclass
class StepRecord:
    index: int
    name: str
    status: str  # a RunStatus value, or STEP_SKIPPED
    started_at: int | None = None  # epoch ms
    finished_at: int | None = None
    exit_code: int | None = None
    log_start: int = 0  # byte offsets of the step's output in the run's log file
    log_end: int = 0


@dataclass
class RunRecord:
    """One run as the history store keeps it. Times are epoch milliseconds (UTC)."""

    uid: str
    task_id: int
    task_name: str
    version: int
    status: RunStatus = RunStatus.QUEUED
    trigger: Trigger = Trigger.MANUAL
    attempt: int = 1
    first_uid: str | None = None  # the first run of a retry chain
    params: dict[str, str] = field(default_factory=dict)  # secrets already masked
    priority: int = 0
    queued_at: int = 0
    started_at: int | None = None
    finished_at: int | None = None
    duration_ms: int | None = None  # active: paused time left out (what statistics compare)
    exit_code: int | None = None
    signal: int | None = None
    error_type: ErrorType | None = None
    error_message: str | None = None
    pid: int | None = None
    pgid: int | None = None
    proc_create_time: float | None = None
    peak_rss: int | None = None
    cpu_seconds: float | None = None
    log_path: str = ""
    log_bytes: int = 0
    log_dropped: int = 0  # output bytes not in the log file: cut by the cap or lost to the disk
    log_error: str | None = None  # why the disk refused output, e.g. 'No space left on device'
    # (not stored: told once per kind, see cli/log_notice.py and the main window)
    control: Control | None = None
    id: int | None = None
    steps: list[StepRecord] = field(default_factory=list)
    not_before: int | None = None  # a retry waits for its backoff: epoch ms it may start
    slow: bool = False  # much slower than the task's recent successful runs
    paused_ms: int = 0  # time spent paused, not in duration_ms
    host: str | None = None  # the machine it runs on (a `taskrun host` name); None: this one
    batch: str | None = None  # the `run --on` invocation it is one target of
    batch_limit: int | None = None  # at most this many runs of its batch at once
    triggered_by: int | None = None  # the run (id) whose end started this one (a chain)
    # the node (core.nodes) it executes on, or will: the one that queued it (None: a run
    # recorded before nodes were kept)
    node: str | None = None

    def copied(self) -> RunRecord:
        """A shallow copy, as copy.copy makes, at a fifth of its cost (a run copies its
        record each time it reports a state)."""
        twin = object.__new__(RunRecord)
        twin.__dict__.update(self.__dict__)
        return twin

    @property
    def duration_seconds(self) -> float | None:
        """The wall time from start to end, pauses included: what every view shows as a run's
        duration (a run paused 5 s of 12.7 s shows 12.7 s). Statistics read duration_ms, the
        active time, so a pause never makes a task look slower."""
        return None if self.duration_ms is None else (self.duration_ms + self.paused_ms) / 1000.0

    @property
    def active_seconds(self) -> float | None:
        """The time the run's process was let run: its wall time less its pauses."""
        return None if self.duration_ms is None else self.duration_ms / 1000.0


def retry_due(rec: RunRecord, spec: TaskSpec) -> bool:
    """Whether the engine retries this finished run: it failed or timed out (an error to
    start, a cancel or an interruption is not retried, see RunStatus.is_retried) within the
    retries of `spec`, the version it ran. The one place the rule is written: the engine's
    next attempt and the alert decisions (core.alerts) both ask it."""
    return rec.status.is_retried and rec.attempt <= spec.retries
