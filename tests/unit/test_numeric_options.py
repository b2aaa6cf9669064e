"""Every numeric option of `taskrun` is range-checked as it is read: one line naming the option
and what it accepts, exit code 2 (argparse's), before any store is opened."""

from __future__ import annotations

import pytest

from taskrun_gui.cli.common import duration_seconds
from taskrun_gui.cli.parser import build_parser

ADD = ["task", "add", "t", "--command", "true"]
HUGE = "99999999999999999999999"

REFUSED = [
    # (argv, the option as the message names it)
    ([*ADD, "--timeout", "nan"], "--timeout"),
    ([*ADD, "--timeout", "inf"], "--timeout"),
    ([*ADD, "--timeout", "-1"], "--timeout"),
    ([*ADD, "--timeout", "0"], "--timeout"),
    ([*ADD, "--timeout", "1e400"], "--timeout"),
    ([*ADD, "--timeout", "10000001"], "--timeout"),
    ([*ADD, "--retries", "-1"], "--retries"),
    ([*ADD, "--retries", "101"], "--retries"),
    ([*ADD, "--retries", HUGE], "--retries"),
    ([*ADD, "--retry-backoff", "nan"], "--retry-backoff"),
    ([*ADD, "--retry-backoff", "-1"], "--retry-backoff"),
    ([*ADD, "--max-concurrent", "0"], "--max-concurrent"),
    ([*ADD, "--priority", HUGE], "--priority"),
    (["task", "edit", "t", "--timeout", "nan"], "--timeout"),
    (["--workers", "0", "runs"], "--workers"),
    (["--workers", "-1", "runs"], "--workers"),
    (["run", "t", "--repeat", "0"], "--repeat"),
    (["run", "t", "--repeat", "-1"], "--repeat"),
    (["stats", "--days", "-1"], "--days"),
    (["stats", "--days", "0"], "--days"),
    (["log", "1", "--tail", "-1"], "--tail"),
    (["runs", "--limit", "0"], "--limit"),
    (["runs", "--limit", "-1"], "--limit"),
    (["runs", "--before", "0"], "--before"),
    (["runs", "--before", "-1"], "--before"),
    (["runs", "--before", HUGE], "--before"),
    (["runs", "--exit-code", HUGE], "--exit-code"),
    (["export-runs", "--format", "csv", "--out", "x", "--exit-code", "-256"], "--exit-code"),
    (["cleanup", "--older-than", "-1"], "--older-than"),
    (["cleanup", "--older-than", "nan"], "--older-than"),
    (["cleanup", "--older-than", "inf"], "--older-than"),
    (["cleanup", "--older-than", "1e400"], "--older-than"),
    (["cleanup", "--older-than", "99999999999999"], "--older-than"),
    (["cleanup", "--keep-per-task", "-5"], "--keep-per-task"),
    (["cleanup", "--keep-per-task", "0"], "--keep-per-task"),
    (["log", "0"], "RUN_ID"),
    (["log", "-1"], "RUN_ID"),
    (["cancel", HUGE], "RUN_ID"),
    (["pause", "0"], "RUN_ID"),
    (["task", "diff", "t", "0", "1"], "v1"),
    (["task", "rollback", "t", "-1"], "version"),
    ([*ADD, "--every", ""], "--every"),
    ([*ADD, "--every", HUGE + "d"], "--every"),
    ([*ADD, "--every", "1e400s"], "--every"),
    ([*ADD, "--every", "9" * 400], "--every"),
    ([*ADD, "--every", "0s"], "--every"),
    ([*ADD, "--cron", ""], "--cron"),
    ([*ADD, "--cron", "   "], "--cron"),
    ([*ADD, "--at", ""], "--at"),
    (["runs", "--since", "0001-01-01"], "--since"),
    (["runs", "--until", "99999-01-01"], "--until"),
    (["runs", "--since", "1900-01-01T00:00"], "--since"),
]


@pytest.mark.parametrize(("argv", "option"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_a_bad_value_is_one_line_naming_the_option_and_its_range(
    argv: list[str], option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"taskrun: error: {option}: must "), err
    assert len(err.splitlines()) == 1, err
    assert "usage:" not in err


def test_other_argparse_mistakes_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["nosuch"], ["runs", "--bogus"], ["task", "add"], ["log"]):
        with pytest.raises(SystemExit) as exited:
            build_parser().parse_args(argv)
        assert exited.value.code == 2
        err = capsys.readouterr().err
        assert err.startswith("taskrun: error: ") and len(err.splitlines()) == 1, err


def test_values_in_range_are_taken_as_numbers() -> None:
    a = build_parser().parse_args(
        [
            *ADD,
            "--timeout",
            "0.5",
            "--retries",
            "100",
            "--retry-backoff",
            "0",
            "--priority",
            "-1000",
        ]
    )
    assert (a.timeout, a.retries, a.retry_backoff, a.priority) == (0.5, 100, 0.0, -1000)
    a = build_parser().parse_args(["cleanup", "--older-than", "0.5", "--keep-per-task", "1"])
    assert (a.older_than, a.keep_per_task) == (0.5, 1)
    a = build_parser().parse_args(["--workers", "256", "runs", "--exit-code", "-9"])
    assert (a.workers, a.exit_code, a.limit) == (256, -9, 50)
    a = build_parser().parse_args(["runs", "--since", "2026-01-01T00:00Z"])
    assert a.since == 1767225600000


def test_durations_have_a_range() -> None:
    assert duration_seconds("1.5d") == 129600
    assert duration_seconds("3650d") == 3650 * 86400
    for text in ("3651d", "0.5s", "", "5 weeks", "٣s"):
        with pytest.raises(ValueError, match=r"from 1 s to 3650 d"):
            duration_seconds(text)


def test_a_duration_is_whole_seconds_not_cut_to_them() -> None:
    assert (duration_seconds("1.5m"), duration_seconds("0.1h"), duration_seconds("2.0s")) == (
        90,
        360,
        2,
    )
    for text in ("2.9s", "1.5s", "0.001h"):
        with pytest.raises(ValueError, match=r"must be whole seconds"):
            duration_seconds(text)
