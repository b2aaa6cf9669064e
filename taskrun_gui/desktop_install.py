"""Install the TaskRun launcher and icons for the current user (``make install-desktop``).

Files go under $XDG_DATA_HOME (default ~/.local/share), so no root is needed. The launcher's
Exec= is an absolute path, because desktop sessions do not see a virtualenv's bin/ on PATH.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from taskrun_gui.resources import ICON_NAME, ICON_SIZES, resource_path

DESKTOP_FILE_NAME = "taskrun-gui.desktop"
GUI_SCRIPT = "taskrun-gui"

# Characters that force an Exec= argument into double quotes (Desktop Entry Spec, "Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def data_home() -> Path:
    value = os.environ.get("XDG_DATA_HOME", "")
    # The spec says a relative value is invalid and must be ignored.
    return Path(value) if os.path.isabs(value) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The taskrun-gui script beside this interpreter, else ``python -m taskrun_gui.app``."""
    script = Path(sys.executable).parent / GUI_SCRIPT
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-m", "taskrun_gui.app"]


def working_directory(command: list[str]) -> Path | None:
    """The checkout root when ``-m`` must import a package that is not installed."""
    package_root = Path(__file__).resolve().parent.parent
    if len(command) == 1 or "site-packages" in package_root.parts:
        return None
    return package_root


def quote_exec_arg(arg: str) -> str:
    """Quote one argument for Exec=: spec quoting, then the string-value backslash escape."""
    if any(ch in _RESERVED for ch in arg):
        inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
        arg = f'"{inner}"'
    return arg.replace("\\", "\\\\").replace("%", "%%")


def render_desktop_entry(template: str, command: list[str], workdir: Path | None = None) -> str:
    """The template with Exec= (TryExec= for a script, Path= if given) set for ``command``."""
    exec_line = "Exec=" + " ".join(quote_exec_arg(arg) for arg in command)
    lines = []
    for line in template.splitlines():
        if line.startswith(("TryExec=", "Path=")):
            continue
        if line.startswith("Exec="):
            lines.append(exec_line)
            if len(command) == 1:
                lines.append("TryExec=" + command[0].replace("\\", "\\\\"))
            if workdir is not None:
                lines.append("Path=" + str(workdir).replace("\\", "\\\\"))
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def install_icons(target_root: Path) -> list[Path]:
    installed = []
    hicolor = target_root / "icons" / "hicolor"
    for size in ICON_SIZES:
        source = resource_path("icons", f"{ICON_NAME}-{size}.png")
        if not source.is_file():
            print(f"skipped: {source} not found", file=sys.stderr)
            continue
        target = hicolor / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        installed.append(target)
    svg = resource_path("icons", f"{ICON_NAME}.svg")
    if svg.is_file():
        target = hicolor / "scalable" / "apps" / f"{ICON_NAME}.svg"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(svg, target)
        installed.append(target)
    return installed


def install_desktop_entry(target_root: Path) -> Path:
    template = resource_path(DESKTOP_FILE_NAME).read_text(encoding="utf-8")
    target = target_root / "applications" / DESKTOP_FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    command = launch_command()
    entry = render_desktop_entry(template, command, working_directory(command))
    target.write_text(entry, encoding="utf-8")
    return target


def update_desktop_database(applications: Path) -> None:
    """Refresh the MIME/launcher cache when the tool exists; a failure only delays pickup."""
    tool = shutil.which("update-desktop-database")
    if tool is None:
        return
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        subprocess.run([tool, str(applications)], check=False, capture_output=True, timeout=30)


def main() -> int:
    if not resource_path(DESKTOP_FILE_NAME).is_file():
        print(f"cannot install: {resource_path(DESKTOP_FILE_NAME)} not found", file=sys.stderr)
        return 1
    root = data_home()
    for path in install_icons(root):
        print(f"installed {path}")
    entry = install_desktop_entry(root)
    print(f"installed {entry}")
    update_desktop_database(entry.parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
