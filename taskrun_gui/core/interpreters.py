"""How a task's command or script becomes an argv: interpreters and argv placeholders."""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import sys

from taskrun_gui.core.models import TaskKind
from taskrun_gui.core.text import shorten

KNOWN_INTERPRETERS = ("bash", "sh", "python", "node", "pwsh")
SCRIPT_SUFFIX = {"bash": ".sh", "sh": ".sh", "python": ".py", "node": ".js", "pwsh": ".ps1"}
COMMAND_INTERPRETER = "sh"  # what a command task runs under unless it names another
SHELLS = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish"})
# the options that make each family run one line given as the next argument
LINE_OPTIONS = {
    "shell": ["-c"],
    "python": ["-c"],
    "node": ["-e"],
    "pwsh": ["-NoProfile", "-NonInteractive", "-Command"],
}
_PYTHON_RE = re.compile(r"^python[0-9.]*$")


def _family(interpreter: str) -> str | None:
    """Which LINE_OPTIONS family an interpreter (a name or a path) belongs to, if any."""
    base = os.path.basename(interpreter.strip()).lower().removesuffix(".exe")
    if base in SHELLS:
        return "shell"
    if _PYTHON_RE.match(base):
        return "python"
    if base in ("node", "nodejs"):
        return "node"
    if base in ("pwsh", "powershell"):
        return "pwsh"
    return None


def line_family(interpreter: str) -> str | None:
    """The LINE_OPTIONS key of an interpreter that runs one line given on its argv."""
    return _family(interpreter)


def runs_command_lines(interpreter: str) -> bool:
    """A shell, python, node or pwsh: something that can run one line given on its argv."""
    return _family(interpreter) is not None


def _find(name: str) -> str | None:
    if "\0" in name:
        return None
    if name == "python":
        return shutil.which("python3") or shutil.which("python") or sys.executable
    if name == "pwsh":
        return shutil.which("pwsh") or shutil.which("powershell")
    if os.sep in name:
        return name if os.access(name, os.X_OK) and os.path.isfile(name) else None
    return shutil.which(name)


def interpreter_argv(interpreter: str) -> list[str] | None:
    """The argv prefix that runs a script file with `interpreter`, or None when not found."""
    name = interpreter.strip()
    exe = _find(name)
    if exe is None:
        return None
    if name == "pwsh":
        return [exe, "-NoProfile", "-NonInteractive", "-File"]
    return [exe]


def line_argv(interpreter: str, line: str) -> list[str] | None:
    """The argv that runs one command line under `interpreter` (`bash -c`, `python -c`,
    `node -e`, `pwsh -Command`...), or None when it is not installed. Plain "sh" is /bin/sh
    itself, which every shell line ran under before a task's interpreter was honoured.
    Raises ValueError for an interpreter that cannot run a line (validation refuses it)."""
    name = interpreter.strip()
    family = _family(name)
    if family is None:
        raise ValueError(f"interpreter {shorten(name)!r} cannot run a command line")
    if name == COMMAND_INTERPRETER:
        return ["cmd.exe", "/c", line] if os.name == "nt" else ["/bin/sh", "-c", line]
    exe = _find(name)
    return None if exe is None else [exe, *LINE_OPTIONS[family], line]


def interpreter_label(kind: TaskKind, interpreter: str, shell: bool) -> str:
    """What runs the task: its interpreter, or "argv" for a command run without a shell."""
    if kind is TaskKind.SCRIPT or shell:
        return interpreter
    return "argv"


_BY_SUFFIX = {".py": "python", ".js": "node", ".mjs": "node", ".ps1": "pwsh", ".sh": "bash"}
_BY_PROGRAM = {"python": "python", "node": "node", "nodejs": "node", "pwsh": "pwsh"}
_BY_PROGRAM |= {"powershell": "pwsh", "bash": "bash", "sh": "sh", "dash": "sh"}


def guess_interpreter(filename: str, text: str) -> str | None:
    """The interpreter a script file asks for: its `#!` line's program (`/usr/bin/env
    python3`, `/bin/sh`), else its name's suffix; None when neither tells."""
    first = text.split("\n", 1)[0]
    if first.startswith("#!"):
        words = first[2:].split()
        if words and os.path.basename(words[0]) == "env":  # env [-S] [VAR=x] PROGRAM
            words = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        program = os.path.basename(words[0]) if words else ""
        program = re.sub(r"[\d.]+$", "", program)  # python3.11, node18
        if program in _BY_PROGRAM:
            return _BY_PROGRAM[program]
    return _BY_SUFFIX.get(os.path.splitext(filename)[1].lower())


def script_suffix(interpreter: str) -> str:
    return SCRIPT_SUFFIX.get(interpreter, "")


def command_argv(
    command: str, shell: bool, params: dict[str, str], interpreter: str = COMMAND_INTERPRETER
) -> list[str] | None:
    """A shell line goes to `interpreter` untouched (parameters reach it only as environment
    variables; None: the interpreter is not installed); an argv command is split first, then
    `{name}` placeholders are replaced inside each item, so a value can never become a second
    argument or shell syntax."""
    if shell:
        return line_argv(interpreter, command)
    items = _split(command)
    if not params:
        return list(items)
    # one pass over each item: a value that holds `{other}` stays as it was given
    names = re.compile("|".join(re.escape("{" + name + "}") for name in params))
    return [names.sub(lambda m: params[m.group(0)[1:-1]], item) for item in items]


@functools.lru_cache(maxsize=512)
def _split(command: str) -> tuple[str, ...]:
    """shlex's split of an argv command, once per command text (every run of a task splits
    the same text; a burst of a thousand paid it a thousand times)."""
    return tuple(shlex.split(command))
