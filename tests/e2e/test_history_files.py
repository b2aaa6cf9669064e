"""The history's files as a user handles them: a copied data dir's cleanup, a moved one's
logs, a truncated database, the CSV of its runs."""

from __future__ import annotations

import json
import shutil

from tests.e2e.cli import taskrun, taskrun_json


def test_a_cleanup_in_a_copied_data_dir_deletes_its_own_logs_not_the_originals(tmp_path):
    d = tmp_path / "data"
    taskrun(d, "task", "add", "k", "--command", "echo important")
    taskrun(d, "run", "k", "--repeat", "3", "--wait")
    originals = sorted((d / "logs").rglob("*.log"))
    assert len(originals) == 3
    copy = tmp_path / "copy"
    shutil.copytree(d, copy, symlinks=True)  # its rows keep the original's log paths
    res = taskrun_json(copy, "cleanup", "--keep-per-task", "1", "--json")
    assert res["runs_deleted"] == 2 and res["log_bytes_freed"] == 2 * len(b"important\n")
    assert all(p.read_bytes() == b"important\n" for p in originals)  # the original's: all
    assert len(list((copy / "logs").rglob("*.log"))) == 1  # the copy's: the one kept


def test_a_moved_data_dir_reads_its_own_logs(tmp_path):
    d = tmp_path / "data"
    taskrun(d, "task", "add", "k", "--command", "echo moved along")
    assert taskrun(d, "run", "k", "--wait").returncode == 0
    moved = tmp_path / "elsewhere"
    d.rename(moved)  # a new disk, a backup put back: its rows keep the old paths
    [run] = taskrun_json(moved, "runs", "--json")
    assert run["log_path"] == str(next((moved / "logs").rglob("*.log")))
    log = taskrun(moved, "log", str(run["id"]))
    assert log.returncode == 0 and log.stdout == "moved along\n", log.stderr
    found = taskrun(moved, "grep", "moved")
    assert found.returncode == 0 and "moved along" in found.stdout, found.stderr


def test_an_emptied_history_is_refused_not_taken_for_a_new_one(tmp_path):
    d = tmp_path / "data"
    assert taskrun(d, "task", "add", "k", "--command", "echo x").returncode == 0
    assert taskrun(d, "run", "k", "--wait").returncode == 0
    assert taskrun(d, "storage").returncode == 0  # its last connection gone: no -wal left
    (d / "taskrun.db").write_bytes(b"")  # truncated, as a failed copy leaves it
    for args in (["runs"], ["run", "k", "--wait"]):
        res = taskrun(d, *args)
        assert res.returncode == 1, args
        assert "is empty (0 bytes) but" in res.stderr and "Traceback" not in res.stderr
    assert (d / "taskrun.db").stat().st_size == 0  # nothing written over it
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "taskrun.db").write_bytes(b"")  # no logs beside it: a new history
    assert taskrun(fresh, "runs").returncode == 0


def test_csv_params_read_back_whatever_their_values_hold(tmp_path):
    import csv

    d = tmp_path / "data"
    add = ["task", "add", "p", "--command", "true", "--param", "v", "--param", "c"]
    assert taskrun(d, *add).returncode == 0
    run = ["run", "p", "--param", "v=x;c=9", "--param", "c=0", "--wait"]
    assert taskrun(d, *run).returncode == 0
    out = tmp_path / "runs.csv"
    assert taskrun(d, "export-runs", "--format", "csv", "--out", str(out)).returncode == 0
    with out.open(newline="") as fh:
        [row] = list(csv.DictReader(fh))
    assert json.loads(row["params"]) == {"c": "0", "v": "x;c=9"}  # was c=0;v=x;c=9
