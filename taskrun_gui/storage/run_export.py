"""Writing runs of the history to a file: the one exporter of the window and the CLI.

The runs are streamed page by page with the keyset query, so exporting a million runs holds one
page in memory, never the whole set; the shape is `core.run_json`'s, the same as
`taskrun --json`. The file appears complete or not at all (storage.atomic_file), 0600.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from taskrun_gui.core.models import RunRecord
from taskrun_gui.core.run_json import run_to_json, runs_to_csv
from taskrun_gui.storage import runs_repo
from taskrun_gui.storage.atomic_file import atomic_text_file
from taskrun_gui.storage.runs_repo import RunFilter

EXPORT_PAGE = 1000


class ExportFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def iter_runs(flt: RunFilter, page_size: int = EXPORT_PAGE) -> Iterator[RunRecord]:
    """Every run matching `flt`, newest first, one keyset page at a time."""
    before: int | None = None
    while True:
        page = runs_repo.page_before(flt, before, page_size)
        yield from page
        if len(page) < page_size:
            return
        before = page[-1].id


def export_runs(flt: RunFilter, path: str | Path, fmt: ExportFormat) -> int:
    """Write the runs of `flt` to `path`; returns how many were written."""
    # a value kept from before bytes that were not UTF-8 were refused: in CSV its bytes, as
    # given; in JSON a \udcff escape (raw bytes would make the whole file unreadable JSON)
    errors = "surrogateescape" if fmt is ExportFormat.CSV else "backslashreplace"
    with atomic_text_file(path, errors=errors) as out:
        return write_runs(flt, out, fmt)


def write_runs(flt: RunFilter, out: TextIO, fmt: ExportFormat) -> int:
    """Write the runs of `flt` to the stream `out`; returns how many were written."""
    if fmt is ExportFormat.CSV:
        return runs_to_csv(iter_runs(flt), out)
    count = 0
    out.write("[")
    for rec in iter_runs(flt):
        out.write(",\n" if count else "\n")
        out.write(json.dumps(run_to_json(rec), ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count
