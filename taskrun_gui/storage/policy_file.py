"""Reading and writing a data dir's policy (`settings.toml`): a missing file is the default
policy; a broken one is reported and the defaults apply, so a typo never stops runs."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import tomllib
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import tomli_w

from taskrun_gui.core.policy import CHECKS, Policy
from taskrun_gui.storage import stat_cache

log = logging.getLogger(__name__)
FILE_NAME = "settings.toml"
_DEFAULT = Policy()  # frozen: one for every data dir without a settings file


class PolicyError(ValueError):
    """A policy file or value that cannot be used; the message names the field."""


def policy_path(data_dir: Path) -> Path:
    return _path_in(str(data_dir))


@functools.lru_cache(maxsize=64)
def _path_in(data_dir: str) -> Path:
    """The file's path, made once per data dir (load runs for every run)."""
    return Path(data_dir) / FILE_NAME


def parse(data: dict[str, Any], source: str) -> Policy:
    known = {f.name for f in fields(Policy)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise PolicyError(f"{source}: {key}: unknown setting")
        problem = CHECKS[key](value)
        if problem is not None:
            raise PolicyError(f"{source}: {key}: {problem}")
        values[key] = value
    return Policy(**values)


def load(data_dir: Path) -> Policy:
    """The policy in force (re-read when the file changes; cheap to call per run)."""
    return stat_cache.read(policy_path(data_dir), _read, _default)


def _default() -> Policy:
    return _DEFAULT


def _read(path: Path) -> Policy:
    """The file's policy; the defaults for a broken file (kept until it changes). A read the
    disk refused is raised (the defaults apply to that call only; the next reads again)."""
    try:
        with open(path, "rb") as fh:
            return parse(tomllib.load(fh), str(path))
    except OSError as exc:
        log.warning("the data dir's settings cannot be read, defaults apply: %s", exc)
        raise
    except ValueError as exc:  # also not UTF-8, bad TOML, a bad value (PolicyError)
        said = str(exc) if str(path) in str(exc) else f"{path}: {exc}"
        log.warning("the data dir's settings cannot be used, defaults apply: %s", said)
        return Policy()


def update(data_dir: Path, **changes: Any) -> Policy:
    """Change some settings, keep the others as the file has them; returns the new policy.
    Raises PolicyError for a value that cannot be used (nothing is written then)."""
    for key, value in changes.items():
        check = CHECKS.get(key)
        problem = "unknown setting" if check is None else check(value)
        if problem is not None:
            raise PolicyError(f"{key}: {problem}")
    policy = replace(load(data_dir), **changes)
    save(data_dir, policy)
    return policy


def save(data_dir: Path, policy: Policy) -> None:
    """Write the policy atomically, 0600."""
    path = policy_path(data_dir)
    tmp = path.with_name(f".{FILE_NAME}.{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(asdict(policy), fh)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        stat_cache.forget(path)
