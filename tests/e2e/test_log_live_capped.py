"""`taskrun log ID` of a capped run still going: past the head, the newest output is in the
log's tail segments until the run ends; the command shows it (and --tail takes the last lines
of it), not only the head."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli import popen_taskrun, taskrun
from tests.helpers import wait_for


def test_log_of_a_live_capped_run_shows_its_newest_output(tmp_path: Path) -> None:
    data, done, gate = tmp_path / "data", tmp_path / "done", tmp_path / "gate"
    line = (
        'echo HEADMARK; i=0; while [ $i -lt 20000 ]; do i=$((i+1)); echo "l $i"; done; '
        f"echo ENDMARK; touch {done}; while [ ! -e {gate} ]; do sleep 0.05; done"
    )
    add = ("task", "add", "big", "--command", line, "--log-cap", "16K")
    assert taskrun(data, *add).returncode == 0
    waiting = popen_taskrun(data, "run", "big", "--wait")
    try:
        wait_for(lambda: done.exists() or waiting.poll() is not None, timeout=60)
        assert waiting.poll() is None, waiting.communicate()
        shown = taskrun(data, "log", "1")
        assert shown.returncode == 0, shown.stderr
        assert shown.stdout.startswith("HEADMARK\n") and shown.stdout.endswith("l 20000\nENDMARK\n")
        tail = taskrun(data, "log", "1", "--tail", "2")
        assert tail.stdout == "l 20000\nENDMARK\n", tail.stdout
    finally:
        gate.touch()
        waiting.communicate(timeout=60)
    assert taskrun(data, "log", "1", "--tail", "2").stdout == "l 20000\nENDMARK\n"
