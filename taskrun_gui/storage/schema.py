"""The history store's tables. Times are integer epoch milliseconds."""

from __future__ import annotations

from peewee import (
    SQL,
    AutoField,
    BigIntegerField,
    BlobField,
    BooleanField,
    CompositeKey,
    DatabaseProxy,
    DoubleField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

database_proxy = DatabaseProxy()


class BaseModel(Model):
    class Meta:
        database = database_proxy
        legacy_table_names = False


class Task(BaseModel):
    id = AutoField()
    name = TextField()
    spec_json = TextField()  # the current version's snapshot, for fast listing
    current_version = IntegerField(default=1)
    enabled = BooleanField(default=True)
    priority = IntegerField(default=0)
    tags = TextField(default="")  # comma separated, for LIKE filtering
    created_at = BigIntegerField()
    updated_at = BigIntegerField()
    deleted_at = BigIntegerField(null=True)
    next_fire_at = BigIntegerField(null=True)
    last_fire_at = BigIntegerField(null=True)


class TaskVersion(BaseModel):
    id = AutoField()
    task = ForeignKeyField(Task, backref="versions", on_delete="CASCADE")
    task_id: int
    number = IntegerField()
    spec_json = TextField()
    content_hash = TextField()
    created_at = BigIntegerField()

    class Meta:
        indexes = ((("task", "number"), True),)


class Run(BaseModel):
    id = AutoField()
    uid = TextField(unique=True)
    task = ForeignKeyField(Task, backref="runs", on_delete="CASCADE")
    task_id: int
    task_name = TextField()
    version = IntegerField()
    status = TextField()
    trigger = TextField()
    attempt = IntegerField(default=1)
    first_uid = TextField(null=True)
    params_json = TextField(default="{}")
    priority = IntegerField(default=0)
    queued_at = BigIntegerField()
    started_at = BigIntegerField(null=True)
    finished_at = BigIntegerField(null=True)
    duration_ms = BigIntegerField(null=True)
    exit_code = IntegerField(null=True)
    signal = IntegerField(null=True)
    error_type = TextField(null=True)
    error_message = TextField(null=True)
    pid = IntegerField(null=True)
    pgid = IntegerField(null=True)
    proc_create_time = DoubleField(null=True)  # PostgreSQL's REAL would cut it to 128 s
    peak_rss = BigIntegerField(null=True)
    cpu_seconds = DoubleField(null=True)
    log_path = TextField(default="")
    log_bytes = BigIntegerField(default=0)
    # output not in the log: cut by the cap, lost to a full disk. DEFAULT 0 in the table as
    # well, as in databases where migration 3 added the column
    log_dropped = BigIntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    control = TextField(null=True)
    host_pid = IntegerField(null=True)
    slow = BooleanField(default=False)
    not_before = BigIntegerField(null=True)
    # time spent paused: duration_ms is the active time, the wall time adds this
    paused_ms = BigIntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    # a run on another machine: the host's name (NULL: this machine), the batch of one
    # `run --on` invocation it belongs to, and at most how many of that batch run at once
    host = TextField(null=True)
    batch = TextField(null=True)
    batch_limit = IntegerField(null=True)
    triggered_by = IntegerField(null=True)  # the run whose end started this one (a chain)
    node = TextField(null=True)  # where it executes, or will (migration 5)
    # queued for any node, and `node` is the one that claimed it: the claim is released to
    # the others if that node dies before it runs (migration 11)
    any_node = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])


class RunStep(BaseModel):
    run = ForeignKeyField(Run, backref="step_rows", on_delete="CASCADE")
    idx = IntegerField()
    name = TextField()
    status = TextField()
    started_at = BigIntegerField(null=True)
    finished_at = BigIntegerField(null=True)
    exit_code = IntegerField(null=True)
    log_start = BigIntegerField(default=0)
    log_end = BigIntegerField(default=0)

    class Meta:
        primary_key = CompositeKey("run", "idx")


class TaskDay(BaseModel):
    """Per task and local day: counts per final status and what p50/p95 need (a histogram)."""

    task = ForeignKeyField(Task, on_delete="CASCADE")
    task_id: int
    day = TextField()
    success = IntegerField(default=0)
    failed = IntegerField(default=0)
    timeout = IntegerField(default=0)
    cancelled = IntegerField(default=0)
    error = IntegerField(default=0)
    interrupted = IntegerField(default=0)
    duration_count = IntegerField(default=0)
    total_ms = BigIntegerField(default=0)
    min_ms = BigIntegerField(null=True)
    max_ms = BigIntegerField(null=True)
    hist = TextField(default="")

    class Meta:
        primary_key = CompositeKey("task", "day")


class Host(BaseModel):
    """A machine runs go to over SSH. No password or passphrase is ever kept: keys (a file or
    the agent) authenticate; `host_key` is the server key pinned when the host was added."""

    id = AutoField()
    name = TextField(unique=True)
    address = TextField()  # a host name, an IP or an alias of ~/.ssh/config
    user = TextField(null=True)  # None: ~/.ssh/config's, else the local user's
    port = IntegerField(null=True)  # None: ~/.ssh/config's, else 22
    identity = TextField(null=True)  # a private key file; None: the config's and the agent
    tags = TextField(default="")  # comma separated
    host_key = TextField()  # OpenSSH public key line of the server
    created_at = BigIntegerField()
    updated_at = BigIntegerField()
    tested_at = BigIntegerField(null=True)
    latency_ms = DoubleField(null=True)
    remote_os = TextField(null=True)
    test_error = TextField(null=True)


class Node(BaseModel):
    """A TaskRun host (a window or `taskrun daemon`) on this history, by name, with the
    server-clock time of its last heartbeat (migration 5)."""

    name = TextField(primary_key=True)
    heartbeat_at = BigIntegerField()
    started_at = BigIntegerField()
    pid = IntegerField(null=True)
    boot_id = TextField(null=True)  # with pid, the host process (core.nodes.boot_id)


class HistoryLimit(BaseModel):
    """A limit that holds for the whole history, over every node (migration 12): by name,
    e.g. "max_running", the runs executing at once; no row: no such limit."""

    name = TextField(primary_key=True)
    value = IntegerField()


class RunOutput(BaseModel):
    """A chunk of the output of a run, shipped by the node executing it so that the other
    nodes of a shared history can read and follow it (migration 10): `byte_offset` is where
    `data` stands in the run's log; a run keeps only its newest chunks (engine/log_ship.py)."""

    id = AutoField()
    run_uid = TextField()
    seq = IntegerField()
    byte_offset = BigIntegerField()
    data = BlobField()
    created_at = BigIntegerField()

    class Meta:
        indexes = ((("run_uid", "seq"), True),)


ALL_TABLES: list[type[BaseModel]] = [
    Task,
    TaskVersion,
    Run,
    RunStep,
    TaskDay,
    Host,
    Node,
    HistoryLimit,
    RunOutput,
]
