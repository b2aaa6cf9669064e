"""The `taskrun grep` options, for the parser apart from the command: `taskrun --help`
builds every parser and must not import the search engine or the store (cli/grep_cmd.py
does)."""

from __future__ import annotations

import argparse

from taskrun_gui.cli.options import whole_number

JOBS = whole_number(1, 64)
LIMIT = whole_number(1, 10_000_000)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """What `grep` adds to the history filters (--task, --status, --since ...)."""
    p.add_argument("pattern", metavar="PATTERN")
    p.add_argument("--regex", "-E", action="store_true", help="PATTERN is a regular expression")
    p.add_argument("--ignore-case", "-i", action="store_true")
    p.add_argument("--limit", type=LIMIT, help="stop after N matching runs")
    p.add_argument("--jobs", type=JOBS, help="worker processes (default: by the number of runs)")
    p.add_argument("--json", action="store_true", help="a JSON array, one object per run")
