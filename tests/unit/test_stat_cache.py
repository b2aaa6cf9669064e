"""The small files read for every run (settings, channels, alert state) are parsed once per
version of the file: a change made by another process, however it writes, is what the next
read returns."""

from __future__ import annotations

import os
import time
from pathlib import Path

from taskrun_gui.core.policy import Policy
from taskrun_gui.storage import channels_store, notify_state, policy_file, stat_cache
from taskrun_gui.storage.channels_store import Channel


def _counting(calls: list[Path]):  # type: ignore[no-untyped-def]
    def parse(path: Path) -> str:
        calls.append(path)
        return path.read_text()

    return parse


def _settled(path: Path) -> None:
    """As if written a while ago (a version younger than the clock tick is read again)."""
    past = time.time_ns() - 10 * stat_cache.RACY_NS
    os.utime(path, ns=(past, past))


def test_parsed_once_per_version_and_every_change_seen(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    calls: list[Path] = []
    parse = _counting(calls)
    assert stat_cache.read(path, parse, lambda: "none") == "none"
    path.write_text("one")
    _settled(path)
    assert [stat_cache.read(path, parse, lambda: "none") for _ in range(3)] == ["one"] * 3
    assert len(calls) == 1
    tmp = tmp_path / "tmp"
    tmp.write_text("two")  # same size, another file put in its place (an atomic rewrite)
    os.replace(tmp, path)
    assert stat_cache.read(path, parse, lambda: "none") == "two"
    with open(path, "a") as fh:  # an edit in place
        fh.write("!")
    assert stat_cache.read(path, parse, lambda: "none") == "two!"
    path.unlink()
    assert stat_cache.read(path, parse, lambda: "none") == "none"


def test_a_version_younger_than_the_clock_tick_is_read_again(tmp_path: Path) -> None:
    """On a file system with a coarse clock a rewrite within the same tick may leave every
    stamp as it was: a version that young is not kept, so a rewrite made at once behind the
    cache's back, same size, is what the next read returns."""
    path = tmp_path / "f.json"
    calls: list[Path] = []
    parse = _counting(calls)
    path.write_text("aaaa")
    assert stat_cache.read(path, parse, lambda: "none") == "aaaa"
    assert stat_cache.read(path, parse, lambda: "none") == "aaaa"
    assert len(calls) == 2  # young: read each time
    with open(path, "r+") as fh:
        fh.write("bbbb")
    assert stat_cache.read(path, parse, lambda: "none") == "bbbb"


def test_a_read_the_disk_refused_is_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("good")
    _settled(path)
    failing = [True]

    def parse(p: Path) -> str:
        if failing[0]:
            raise PermissionError(13, "refused")
        return p.read_text()

    assert stat_cache.read(path, parse, lambda: "fallback") == "fallback"
    failing[0] = False  # the disk takes reads again, the file unchanged
    assert stat_cache.read(path, parse, lambda: "fallback") == "good"


def test_a_channel_added_by_another_process_is_seen(tmp_path: Path) -> None:
    assert channels_store.load(tmp_path) == {}
    channels_store.save(tmp_path, Channel("ops", "json://127.0.0.1:9/hook", frozenset({"failure"})))
    first = channels_store.load(tmp_path)
    assert list(first) == ["ops"]
    first.pop("ops")  # what a caller does with its copy changes nothing kept
    assert list(channels_store.load(tmp_path)) == ["ops"]
    channels_store.save(tmp_path, Channel("mail", "mailto://a@127.0.0.1"))
    assert sorted(channels_store.load(tmp_path)) == ["mail", "ops"]


def test_policy_and_alert_state_follow_their_files(tmp_path: Path) -> None:
    assert policy_file.load(tmp_path) == Policy()  # no file: the defaults
    policy_file.update(tmp_path, retention_days=7)
    assert policy_file.load(tmp_path).retention_days == 7
    policy_file.update(tmp_path, retention_days=9)  # same size, within the same tick maybe
    assert policy_file.load(tmp_path).retention_days == 9
    policy_file.policy_path(tmp_path).write_text("retention_days = 'x'\n")  # by hand, broken
    assert policy_file.load(tmp_path) == Policy()
    with notify_state.changing(tmp_path) as state:
        state.late["3"] = 123
    assert notify_state.peek(tmp_path).late == {"3": 123}
    copy = notify_state.load(tmp_path)
    copy.late.clear()
    assert notify_state.peek(tmp_path).late == {"3": 123}
    with notify_state.changing(tmp_path) as state:
        state.late.pop("3")
    assert notify_state.peek(tmp_path).late == {}
