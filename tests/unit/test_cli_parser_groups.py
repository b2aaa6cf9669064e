"""build_parser(argv) builds only the command group argv names: what it parses must be exactly
what the full parser parses, and anything it cannot tell for sure gets the full parser."""

from __future__ import annotations

import pytest

from taskrun_gui.cli.parser import build_parser, command_word

SAME = [
    ["run", "noop"],
    ["--data-dir", "/tmp/x", "run", "noop", "--repeat", "3", "--wait"],
    ["--data=/tmp/x", "--workers", "4", "runs", "--limit", "20", "--status", "failed"],
    ["--data-dir", "runs", "run", "noop"],  # a data dir named like a command
    ["--w", "2", "daemon", "--exit-when-idle"],
    ["task", "add", "t", "--command", "true"],
    ["stats", "--days", "7", "--json"],
    ["host", "list"],
    ["cancel", "12"],
]


@pytest.mark.parametrize("argv", SAME)
def test_the_group_parses_as_the_whole_parser(argv: list[str]) -> None:
    assert vars(build_parser(argv).parse_args(argv)) == vars(build_parser().parse_args(argv))


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["--data-dir", "runs", "run", "noop"], "run"),
        (["--data-dir=/x", "log", "3"], "log"),
        (["--help"], None),
        (["-h", "run"], None),
        (["--da", "/x", "task", "list"], "task"),  # --d: --data-dir or --db
        (["--d", "/x", "task", "list"], None),
        (["--x", "run"], None),  # not a root option: the full parser says what is wrong
        (["bogus"], None),
        (["--data-dir"], None),
    ],
)
def test_command_word(argv: list[str], word: str | None) -> None:
    assert command_word(argv) == word


def test_an_unknown_command_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        build_parser(["bogus"]).parse_args(["bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'bogus'" in err and "'host'" in err and "'task'" in err
