"""The host inventory: every query of the `host` table."""

from __future__ import annotations

from taskrun_gui.core.hosts import HostDef
from taskrun_gui.core.timefmt import now_ms
from taskrun_gui.storage.schema import Host


def _to_def(row: Host) -> HostDef:
    return HostDef(
        name=row.name,
        address=row.address,
        user=row.user,
        port=row.port,
        identity=row.identity,
        tags=[t for t in row.tags.split(",") if t],
        host_key=row.host_key,
        tested_at=row.tested_at,
        latency_ms=row.latency_ms,
        remote_os=row.remote_os,
        test_error=row.test_error,
    )


def all_hosts() -> list[HostDef]:
    return [_to_def(r) for r in Host.select().order_by(Host.name)]


def get(name: str) -> HostDef | None:
    row = Host.get_or_none(Host.name == name)
    return None if row is None else _to_def(row)


def add(host: HostDef) -> None:
    """Insert a new host (the caller has checked the name is free and pinned its key)."""
    now = now_ms()
    Host.create(
        name=host.name,
        address=host.address,
        user=host.user,
        port=host.port,
        identity=host.identity,
        tags=",".join(host.tags),
        host_key=host.host_key,
        created_at=now,
        updated_at=now,
    )


def remove(name: str) -> bool:
    return bool(Host.delete().where(Host.name == name).execute())


def record_test(
    name: str, latency_ms: float | None, remote_os: str | None, error: str | None
) -> None:
    """How the last `host test` went: what the inventory shows as reachability."""
    Host.update(
        tested_at=now_ms(), latency_ms=latency_ms, remote_os=remote_os, test_error=error
    ).where(Host.name == name).execute()


def set_tags(name: str, tags: list[str]) -> bool:
    return bool(
        Host.update(tags=",".join(tags), updated_at=now_ms()).where(Host.name == name).execute()
    )
