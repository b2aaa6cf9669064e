"""Tasks as TOML files: export writes one file per task; import checks every field of every
file first and reports each problem by file and field, so a bad import writes nothing.

A file never holds a secret: a secret parameter's default reads "***" (params.MASK), which
the task store takes as "the default this task has" when the file is imported over it."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from taskrun_gui.core.models import (
    TaskKind,
    TaskSpec,
)
from taskrun_gui.core.params import MASK, masked_spec, secret_defaults
from taskrun_gui.core.spec_codec import SpecDecodeError, spec_from_data
from taskrun_gui.core.validation import validate_task

MAX_FILE_BYTES = 8 * 1024 * 1024  # a task at every size limit of validation fits
SECRET_NOTE = (
    f'# "{MASK}" stands for a secret default, which is never written to a file. Importing\n'
    "# this file over the same task (task import --replace) keeps the default it has.\n"
)


class TomlImportError(SpecDecodeError):
    """Every problem found, one line each: 'FILE: FIELD: problem'."""


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def spec_to_toml(spec: TaskSpec) -> str:
    """The file form of a task, also what `task show` prints: secret defaults masked, and no
    interpreter for a command run without a shell (nothing interprets it)."""
    data = _drop_none(masked_spec(spec).to_dict())
    if not spec.steps:
        data.pop("steps", None)
    if not spec.schedule.is_set:
        data.pop("schedule", None)
    if not spec.title:
        data.pop("title", None)  # files of untitled tasks read as they always did
    for key in ("notify", "then"):  # alert and chain rules: only when there are some
        if not data.get(key):
            data.pop(key, None)
    if not spec.targets:
        data.pop("targets", None)  # nor do those of tasks that run here
    if not spec.node:
        data.pop("node", None)  # nor those queued for the node that queues them
    for part in (data, *data.get("steps", [])):
        if part.get("kind") == TaskKind.COMMAND and not part.get("shell", True):
            part.pop("interpreter", None)
    note = SECRET_NOTE if secret_defaults(spec.params) else ""
    # a multi-line string loses its carriage returns (CRLF scripts came back LF): text
    # that has one is written escaped, on one line
    multiline = not _has_cr(data)
    return note + str(tomli_w.dumps(data, multiline_strings=multiline))


def _has_cr(value: Any) -> bool:
    if isinstance(value, str):
        return "\r" in value
    if isinstance(value, dict):
        return any(_has_cr(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_cr(v) for v in value)
    return False


def write_task_file(path: Path, text: str) -> None:
    """Write an exported task readable by its owner only (0600, whatever the umask): a
    definition can hold tokens in its env or command even when its secrets are masked.
    Encoded first: text that is not UTF-8 fails before the file is touched. Whole or not at
    all: written aside and renamed over the file (through a link, the file it names), so a
    full disk leaves the previous export as it was (it left a fragment that did not import);
    a pipe or a terminal is written to as it is. Errors name `path`."""
    data = text.encode("utf-8")
    try:
        mode: int | None = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        with open(path, "ab") as stream:
            stream.write(data)
        return
    target = Path(os.path.realpath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except PermissionError:
        if mode is None:
            raise OSError(errno.EACCES, os.strerror(errno.EACCES), str(path)) from None
        _write_in_place(path, data)  # a writable file in a folder we may not write in
        return
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with os.fdopen(fd, "wb") as fh:  # mkstemp: 0600 from the first byte
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # whole after a crash too, not only after a full disk
        os.replace(tmp, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(tmp)
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def _write_in_place(path: Path, data: bytes) -> None:
    """Tightened to 0600 before it is cut (a file that cannot be made ours is left whole)."""
    try:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.fchmod(fd, 0o600)  # an existing file keeps its mode otherwise
            os.ftruncate(fd, 0)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_task_file(path: Path) -> str:
    """The text of a task file; a file over MAX_FILE_BYTES is refused before it is read
    whole or parsed (TomlImportError naming the file and the limit)."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise TomlImportError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_FILE_BYTES:
        limit = MAX_FILE_BYTES // (1024 * 1024)
        raise TomlImportError([f"{path}: larger than {limit} MiB, the limit for a task file"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TomlImportError([f"{path}: cannot read: not UTF-8 text ({exc.reason})"]) from None


def file_name_for(spec: TaskSpec) -> str:
    return f"{spec.name}.toml"


def parse_task(text: str, source: str, check_environment: bool = True) -> TaskSpec:
    """Parse and validate one task file; raises TomlImportError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TomlImportError([f"{source}: not valid TOML: {exc}"]) from None
    try:
        spec = spec_from_data(data, source, unknown="report")
    except SpecDecodeError as exc:
        raise TomlImportError(exc.problems) from None
    problems = [
        f"{source}: {err.field}: {err.message}"
        for err in validate_task(spec, check_environment=check_environment, check_cwd=False)
    ]
    if problems:
        raise TomlImportError(problems)
    return spec


def read_tasks(path: Path, check_environment: bool = True) -> list[TaskSpec]:
    """All tasks of a file or a folder of *.toml files, validated together: either every
    task is good, or TomlImportError lists every problem (and nothing should be written)."""
    return [spec for _file, spec in read_task_files(path, check_environment)]


def read_task_files(path: Path, check_environment: bool = True) -> list[tuple[Path, TaskSpec]]:
    """read_tasks with the file each task came from, for messages that name it."""
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise TomlImportError([f"{path}: no .toml files found"])
    problems: list[str] = []
    read: list[tuple[Path, TaskSpec]] = []
    for f in files:
        try:
            read.append((f, parse_task(read_task_file(f), str(f), check_environment)))
        except TomlImportError as exc:
            problems += exc.problems
    names = [s.name for _f, s in read]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{path}: name: task {name!r} is defined in more than one file")
    if problems:
        raise TomlImportError(problems)
    return read
