"""The per-user launcher install writes icons and a .desktop file that points at a real file."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

import pytest

from taskrun_gui import desktop_install
from taskrun_gui.resources import ICON_SIZES


def _entry(path: Path) -> dict[str, str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if "=" in line)


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "share"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.setattr("shutil.which", lambda _name: None)  # no update-desktop-database
    return home


def test_installs_icons_and_launcher(data_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert desktop_install.main() == 0

    for size in ICON_SIZES:
        png = data_home / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "taskrun.png"
        assert png.read_bytes().startswith(b"\x89PNG")
    svg = data_home / "icons" / "hicolor" / "scalable" / "apps" / "taskrun.svg"
    assert b"<svg" in svg.read_bytes()

    desktop = data_home / "applications" / "taskrun-gui.desktop"
    entry = _entry(desktop)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "TaskRun"
    assert entry["Icon"] == "taskrun"
    assert entry["Terminal"] == "false"
    program = shlex.split(entry["Exec"])[0]
    assert Path(program).is_absolute() and Path(program).is_file()

    printed = capsys.readouterr().out
    assert str(desktop) in printed and str(svg) in printed


def test_exec_uses_gui_script_next_to_python(
    data_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "venv dir" / "bin"
    bin_dir.mkdir(parents=True)
    script = bin_dir / "taskrun-gui"
    script.write_text("#!/bin/sh\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(sys, "executable", str(bin_dir / "python"))

    assert desktop_install.main() == 0
    entry = _entry(data_home / "applications" / "taskrun-gui.desktop")
    assert shlex.split(entry["Exec"]) == [str(script)]
    assert entry["TryExec"] == str(script)
    assert "Path" not in entry


def test_exec_falls_back_to_module_run(data_home: Path) -> None:
    script = Path(sys.executable).parent / "taskrun-gui"
    assert desktop_install.main() == 0
    entry = _entry(data_home / "applications" / "taskrun-gui.desktop")
    args = shlex.split(entry["Exec"])
    if script.is_file():
        assert args == [str(script)]
    else:
        assert args == [sys.executable, "-m", "taskrun_gui.app"]
        assert os.path.isfile(args[0])


def test_exec_quoting_follows_the_spec() -> None:
    assert desktop_install.quote_exec_arg("/usr/bin/taskrun-gui") == "/usr/bin/taskrun-gui"
    assert desktop_install.quote_exec_arg("/a b/x") == '"/a b/x"'
    assert desktop_install.quote_exec_arg('/a"b$c') == '"/a\\\\"b\\\\$c"'
    assert desktop_install.quote_exec_arg("/50%") == "/50%%"


def test_relative_xdg_data_home_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    assert desktop_install.data_home() == Path.home() / ".local" / "share"
