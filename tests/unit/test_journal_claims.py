"""What the next process replays from the spool: only this user's own files in this user's
own folders, never a run that would log outside the store's logs folder, and a claimed file
stays until what it holds is committed (a refused or interrupted replay loses nothing)."""

from __future__ import annotations

import logging
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from taskrun_gui.core.models import RunRecord, TaskSpec, Trigger
from taskrun_gui.core.run_events import RunEvent, RunQueued
from taskrun_gui.engine import records
from taskrun_gui.storage import journal, op_batches, runs_repo
from taskrun_gui.storage.db import Store
from taskrun_gui.storage.schema import Run
from taskrun_gui.storage.writer import replay_spool
from tests.helpers import add_task

OTHER_UID = 65534  # nobody
needs_root = pytest.mark.skipif(os.getuid() != 0, reason="making another user's files needs root")


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary directory of the test's own (sticky, like /tmp): the fallback lives there."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    tmp.chmod(0o1777)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    yield tmp


def _runs(store: Store, n: int) -> list[RunRecord]:
    task = add_task(store, TaskSpec(name="deploy", command="echo deploying"))
    return [
        records.new_run(task.id, 1, task.spec, {}, Trigger.CLI, store.logs_dir) for _ in range(n)
    ]


def _write(path: Path, events: list[RunEvent], owner: int | None = None, mode: int = 0o600) -> None:
    path.write_bytes(journal.encode(events))
    path.chmod(mode)
    if owner is not None:
        os.chown(path, owner, owner)


def _fallback(store: Store, owner: int | None = None, mode: int = 0o700) -> Path:
    folder = journal.fallback_dir(store.spool_dir)
    for part in (folder.parent, folder):
        part.mkdir(exist_ok=True)
        part.chmod(mode)
        if owner is not None:
            os.chown(part, owner, owner)
    return folder


def _uids() -> set[str]:
    return {r.uid for r in Run.select(Run.uid)}


@needs_root
def test_another_users_fallback_folder_is_never_read(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    victim = tmp_path / "victim_owned_file"
    victim.write_bytes(b"precious\n")
    (rec,) = _runs(store, 1)
    evil = replace(rec, log_path=str(victim))  # inside the logs folder would not help either
    folder = _fallback(store, owner=OTHER_UID, mode=0o777)
    _write(folder / "evil.jsonl", [RunQueued(evil), RunQueued(rec)], OTHER_UID, 0o666)

    with caplog.at_level(logging.WARNING):
        assert replay_spool(store) == 0
        assert replay_spool(store) == 0
    assert _uids() == set()
    assert victim.read_bytes() == b"precious\n"
    assert (folder / "evil.jsonl").exists()  # left as it was: not ours to touch
    for part in (folder, folder.parent):
        st = os.lstat(part)
        assert (st.st_uid, st.st_mode & 0o7777) == (OTHER_UID, 0o777)  # never chmodded
    said = [r.getMessage() for r in caplog.records if "not replaying" in r.getMessage()]
    assert len(said) == 1 and f"belongs to user {OTHER_UID}" in said[0]


@needs_root
def test_in_our_own_folder_only_our_own_regular_files_are_read(
    store: Store, tmp_path: Path
) -> None:
    planted, linked, ours = _runs(store, 3)
    folder = _fallback(store)
    _write(folder / "planted.jsonl", [RunQueued(planted)], OTHER_UID, 0o666)
    elsewhere = tmp_path / "elsewhere.jsonl"
    _write(elsewhere, [RunQueued(linked)])
    (folder / "link.jsonl").symlink_to(elsewhere)
    _write(folder / "ours.jsonl", [RunQueued(ours)])

    assert replay_spool(store) == 0
    assert _uids() == {ours.uid}  # the legit fallback file is replayed
    assert not (folder / "ours.jsonl").exists()
    assert elsewhere.read_bytes() == journal.encode([RunQueued(linked)])


def test_a_run_that_would_log_outside_the_logs_folder_is_dropped(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good, bad, sneaky = _runs(store, 3)
    outside = replace(bad, log_path=str(tmp_path / "victim_owned_file"))
    dotdot = replace(sneaky, log_path=str(store.logs_dir / ".." / ".." / "victim_owned_file"))
    _write(_fallback(store) / "x.jsonl", [RunQueued(outside), RunQueued(good), RunQueued(dotdot)])

    with caplog.at_level(logging.WARNING):
        assert replay_spool(store) == 0
    assert _uids() == {good.uid}
    assert sum("is not in" in r.getMessage() for r in caplog.records) == 2


@pytest.mark.sqlite_only  # another process holding SQLite's write lock
@pytest.mark.parametrize("spool_refused", [False, True])
def test_a_replay_the_store_refuses_leaves_the_records_for_the_next_one(
    store: Store, monkeypatch: pytest.MonkeyPatch, spool_refused: bool
) -> None:
    """`spool_refused`: the disk refuses the new spool file too (full): the claimed file
    itself stays."""
    recs = _runs(store, 3)
    _write(store.spool_dir / "journal-1-1.jsonl", [RunQueued(r) for r in recs])
    store.db.execute_sql("PRAGMA busy_timeout = 50")
    holder = sqlite3.connect(store.db_path)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with monkeypatch.context() as patch:
            if spool_refused:
                patch.setattr(journal, "_write_new", lambda folder, data: False)
            assert replay_spool(store) == 3
    finally:
        holder.rollback()
        holder.close()
    assert _uids() == set()
    assert replay_spool(store) == 0
    assert _uids() == {r.uid for r in recs}
    assert list(store.spool_dir.iterdir()) == []


def test_a_replay_interrupted_before_its_commit_loses_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C (or SIGTERM turned into SystemExit) while the replay waits for the store."""
    recs = _runs(store, 2)
    _write(store.spool_dir / "journal-1-1.jsonl", [RunQueued(r) for r in recs])

    def interrupted(*_args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(op_batches.recorder, "apply", interrupted)
        with pytest.raises(KeyboardInterrupt):
            replay_spool(store)
    (left,) = store.spool_dir.iterdir()
    assert ".claimed-" in left.name  # claimed, not deleted, and its flock free again
    assert replay_spool(store) == 0
    assert _uids() == {r.uid for r in recs}
    assert runs_repo.get_by_uid(recs[0].uid) is not None
    assert list(store.spool_dir.iterdir()) == []


def test_a_finish_whose_retry_would_log_outside_keeps_the_finish(store: Store) -> None:
    from taskrun_gui.core.models import RunStatus
    from taskrun_gui.core.run_events import RunFinished

    (run,) = _runs(store, 1)
    retry = replace(run, uid="retry-" + run.uid, log_path="/elsewhere/retry.log")
    done = RunFinished(run.uid, RunStatus.FAILED, 1, 2, 1, 3, retry=retry)
    _write(store.spool_dir / "x.jsonl", [RunQueued(run), done])
    assert replay_spool(store) == 0
    stored = runs_repo.get_by_uid(run.uid)
    assert stored is not None and (stored.status, stored.exit_code) == (RunStatus.FAILED, 3)
    assert _uids() == {run.uid}  # the finish is there; only the retry was refused


def test_a_busy_journal_is_rewritten_to_what_is_still_pending(store: Store) -> None:
    a, b, c = _runs(store, 3)
    j = journal.Journal(store.spool_dir)
    j.append([RunQueued(a), RunQueued(b)])
    before = j.size
    j.rewrite([RunQueued(c)])  # a and b are committed, c is not yet
    assert 0 < j.size < before
    assert [e.record.uid for e in journal.decode(j.path.read_bytes(), "t")] == [c.uid]
    j.close(keep=False)
