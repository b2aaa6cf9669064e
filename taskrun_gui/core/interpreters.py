"""How a task's command or script becomes an argv: interpreters and argv placeholders."""

from __future__ import annotations

import os
import shlex
import shutil
import sys

from taskrun_gui.core.models import TaskKind

KNOWN_INTERPRETERS = ("bash", "sh", "python", "node", "pwsh")
SCRIPT_SUFFIX = {"bash": ".sh", "sh": ".sh", "python": ".py", "node": ".js", "pwsh": ".ps1"}


def interpreter_argv(interpreter: str) -> list[str] | None:
    """The argv prefix that runs a script file with `interpreter`, or None when not found."""
    name = interpreter.strip()
    if name == "python":
        python = shutil.which("python3") or shutil.which("python") or sys.executable
        return [python]
    if name == "pwsh":
        pwsh = shutil.which("pwsh") or shutil.which("powershell")
        return [pwsh, "-NoProfile", "-NonInteractive", "-File"] if pwsh else None
    if os.sep in name:
        return [name] if os.access(name, os.X_OK) and os.path.isfile(name) else None
    exe = shutil.which(name)
    return [exe] if exe else None


def interpreter_label(kind: TaskKind, interpreter: str, shell: bool) -> str:
    if kind is TaskKind.SCRIPT:
        return interpreter
    return "shell" if shell else "argv"


def script_suffix(interpreter: str) -> str:
    return SCRIPT_SUFFIX.get(interpreter, "")


def command_argv(command: str, shell: bool, params: dict[str, str]) -> list[str]:
    """A shell line goes to /bin/sh -c untouched (parameters reach it only as environment
    variables); an argv command is split first, then `{name}` placeholders are replaced inside
    each item, so a value can never become a second argument or shell syntax."""
    if shell:
        if os.name == "nt":
            return ["cmd.exe", "/c", command]
        return ["/bin/sh", "-c", command]
    items = shlex.split(command)
    out = []
    for item in items:
        for name, value in params.items():
            item = item.replace("{" + name + "}", value)
        out.append(item)
    return out
