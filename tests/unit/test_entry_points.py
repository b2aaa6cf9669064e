"""The entry points run only as __main__: a log search's worker processes import the main
module again as __mp_main__ (multiprocessing's spawn and fork server), and must not start a
second window or command there."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("path", ["main.py", "taskrun_gui/cli/__main__.py"])
def test_importing_an_entry_point_as_mp_main_runs_nothing(path: str) -> None:
    names = runpy.run_path(str(ROOT / path), run_name="__mp_main__")
    assert callable(names["main"])  # imported, not run (running would raise SystemExit)
