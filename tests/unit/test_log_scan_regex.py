"""Regular expressions over logs: RE2 where it takes the pattern (linear in the log's size:
`re` backtracks, `epoch.*NaN` over a progress bar's one-line log took minutes), `re` for the
rest, the same answers as `re` either way; the line shown for a match in a progress bar's
log is the state that holds it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from taskrun_gui.engine import log_scan
from taskrun_gui.engine.log_scan import Pattern

LOG = (
    b"fetch 12 files\n\x1b[31mERROR\x1b[0m: disk full on /dev/sda1\r\n"
    b"50%\r75%\rdone \xff\xfe raw bytes\nCaf\xc3\xa9 ok\nlast line without end"
)
PATTERNS = [
    r"disk \w+",
    r"^done",
    r"(?i)error.*sda\d",
    r"\d+%",
    r"end$",
    r"raw\s+bytes",
    r"\xff\xfe",
    r"f(?:ull|etch)",
    r"(\w)\1",  # a back-reference: `re`'s
    r"(?<=Caf).",  # a look-behind: `re`'s
    r"nothing here",
    r"^",
]


@pytest.mark.parametrize("regex", PATTERNS)
@pytest.mark.parametrize("ignore_case", [False, True])
def test_the_same_first_match_as_re(tmp_path: Path, regex: str, ignore_case: bool) -> None:
    log = tmp_path / "run.log"
    log.write_bytes(LOG)
    flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
    expected = re.compile(regex.encode("latin-1"), flags).search(LOG)
    found = log_scan.scan_file(str(log), Pattern(regex, regex=True, ignore_case=ignore_case))
    if expected is None:
        assert found.offset is None
    else:
        assert found.offset == expected.start() and found.match == expected.group()


def test_a_progress_bars_log_is_searched_and_shows_the_state_that_matched(
    tmp_path: Path,
) -> None:
    log = tmp_path / "run.log"
    states = b"".join(b"\rprogress epoch %d loss 0.%04d" % (i, i % 9999) for i in range(40_000))
    log.write_bytes(states + b"\n")  # one line of 1.2 MB: `re` took ~30 s for the first
    assert log_scan.scan_file(str(log), Pattern("epoch.*NaN", regex=True)).offset is None
    found = log_scan.scan_file(str(log), Pattern(r"epoch 5 loss", regex=True))
    assert found.line == b"progress epoch 5 loss 0.0005"  # it showed "progress epoch 13 l"
    found = log_scan.scan_file(str(log), Pattern("epoch 39999 loss"))
    assert found.line == b"progress epoch 39999 loss 0.0003"


def test_a_match_across_a_progress_bars_states_shows_the_state_it_ends_in(
    tmp_path: Path,
) -> None:
    """(after review) it showed the first state, which did not hold what was looked for."""
    log = tmp_path / "run.log"
    log.write_bytes(b"epoch 1 loss 0.1\repoch 2 loss 0.2\repoch 6 loss NaN\r\ndone\n")
    found = log_scan.scan_file(str(log), Pattern("epoch.*NaN", regex=True))
    assert found.line == b"epoch 6 loss NaN"


def test_the_regex_engine_is_re2_where_it_takes_the_pattern() -> None:
    """(after review) otherwise the answers hold but a progress bar's log takes minutes."""
    assert type(log_scan._Finder(Pattern("a.*b", regex=True))._re).__module__.startswith("re2")
    backref = log_scan._Finder(Pattern(r"(\w)\1", regex=True))._re
    assert isinstance(backref, re.Pattern)  # what RE2 does not take: `re`
