"""engine/serving.py ThreadHost.try_serve_soon: a daemon that finds the host lock held by a
command looking at it (host_alive, recovery: no live owner) looks again and serves; one held
by a live host is left at once."""

from __future__ import annotations

import subprocess

from taskrun_gui.engine.locks import host_alive, host_lock
from taskrun_gui.engine.serving import ThreadHost
from taskrun_gui.storage.db import Store


def _counting(host: ThreadHost, after_a_refusal=None) -> list[bool]:  # type: ignore[no-untyped-def]
    """Record each try_serve's answer; `after_a_refusal` is called after each refused one."""
    tries: list[bool] = []
    real = host.try_serve

    def try_serve() -> bool:
        ok = real()
        tries.append(ok)
        if not ok and after_a_refusal is not None:
            after_a_refusal()
        return ok

    host.try_serve = try_serve  # type: ignore[method-assign]
    return tries


def test_a_lock_held_for_a_look_is_taken_once_the_look_is_over(store: Store) -> None:
    look = host_lock(store.locks_dir)
    assert look.try_acquire()  # what host_alive and recovery do for a moment: no owner said
    host = ThreadHost(store, workers=1)
    tries = _counting(host, after_a_refusal=look.release)
    try:
        assert host.try_serve_soon()
        assert tries == [False, True]
        assert host_alive(store.locks_dir)
    finally:
        host.close()


def test_a_lock_a_live_host_holds_is_left_at_once(store: Store) -> None:
    other = subprocess.Popen(["sleep", "30"])  # a live process named as the lock's owner
    lock = host_lock(store.locks_dir)
    try:
        assert lock.try_acquire()
        lock.write_owner(f"{other.pid}\n")
        host = ThreadHost(store, workers=1)
        tries = _counting(host)
        assert not host.try_serve_soon(wait=30.0)
        assert tries == [False]  # no second look
        host.close()
    finally:
        lock.release()
        other.kill()
        other.wait()


def test_a_lock_named_for_a_dead_host_is_looked_at_until_the_wait_is_over(
    store: Store,
) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # its pid names no process now
    lock = host_lock(store.locks_dir)
    try:
        assert lock.try_acquire()
        lock.write_owner(f"{gone.pid}\n")  # a host gone, its pid left in the file
        host = ThreadHost(store, workers=1)
        tries = _counting(host)
        assert not host.try_serve_soon(wait=0.3)
        assert len(tries) > 1 and not any(tries)
        host.close()
    finally:
        lock.release()
