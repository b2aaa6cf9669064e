"""A stateful ANSI SGR parser: turns terminal output into styled spans.

Pure Python (no Qt) so it can run on a worker thread while a log file is replayed, and so
it can be tested without a QApplication; the log widgets map a `Style` to a Qt text format
(ui/widgets/log_text.py). Colours are ``#rrggbb`` names that ``QColor`` accepts.
Everything that is not a colour or font attribute (cursor moves, erase, OSC titles and
hyperlinks, charset switches) is stripped, because a log view is not a terminal.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

__all__ = ["AnsiParser", "Span", "Style", "xterm_colour"]

_ESC = "\x1b"

#: The 16 base colours (normal, then bright). Mid-tone values stay legible on both light
#: and dark backgrounds, unlike pure xterm primaries.
BASE_COLOURS: tuple[str, ...] = (
    "#000000",
    "#cd3131",
    "#0dbc79",
    "#b5b50e",
    "#2472c8",
    "#bc3fbc",
    "#11a8cd",
    "#e5e5e5",
    "#666666",
    "#f14c4c",
    "#23d18b",
    "#d6d620",
    "#3b8eea",
    "#d670d6",
    "#29b8db",
    "#ffffff",
)

_CUBE_LEVELS = (0, 95, 135, 175, 215, 255)

_CSI = re.compile(r"\x1b\[([0-?]*)[ -/]*([@-~])")
_CSI_PREFIX = re.compile(r"\x1b\[[0-?]*[ -/]*\Z")
_OTHER_ESC = re.compile(r"\x1b[ -/]*[0-~]")
_OTHER_ESC_PREFIX = re.compile(r"\x1b[ -/]*\Z")
_STRING_INTRODUCERS = "]PX^_"  # OSC, DCS, SOS, PM, APC: run until BEL or ST (ESC \)
_STRING_END = re.compile(r"\x07|\x1b\\")

#: An unterminated OSC/DCS string longer than this is garbage, not a sequence still arriving.
MAX_HELD_BACK = 64 * 1024

# C0 controls other than tab and newline, and DEL, carry nothing a log viewer can show.
# A lone carriage return is dropped too: overwriting progress bars is a terminal's job.
_CONTROLS = {c: None for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F) if c != 0x1B}
# A viewer that folds progress bars (core/returns.py) keeps them to know where a line restarts.
_CONTROLS_BUT_CR = {c: None for c in _CONTROLS if c != 0x0D}


def xterm_colour(index: int) -> str:
    """The ``#rrggbb`` name of xterm 256-colour palette entry ``index`` (0-255)."""
    if index < 16:
        return BASE_COLOURS[index]
    if index < 232:
        n = index - 16
        r, g, b = (_CUBE_LEVELS[n // 36], _CUBE_LEVELS[(n // 6) % 6], _CUBE_LEVELS[n % 6])
        return f"#{r:02x}{g:02x}{b:02x}"
    grey = 8 + 10 * (index - 232)
    return f"#{grey:02x}{grey:02x}{grey:02x}"


@dataclass(frozen=True, slots=True)
class Style:
    """Text attributes; frozen and hashable so views can cache one format per style."""

    fg: str | None = None
    bg: str | None = None
    bold: bool = False
    italic: bool = False
    underline: bool = False


PLAIN = Style()


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text that shares one style."""

    text: str
    style: Style = PLAIN


class AnsiParser:
    """Feed it chunks of output as they arrive; it remembers style and split sequences.

    Output arrives in arbitrary chunks, so an escape sequence can be cut in two. The
    incomplete tail of one chunk is held back and parsed together with the next ``feed``.
    """

    def __init__(self, keep_returns: bool = False) -> None:
        self._style = PLAIN
        self._held = ""
        self._controls = _CONTROLS_BUT_CR if keep_returns else _CONTROLS

    @property
    def style(self) -> Style:
        """The style the next text will get."""
        return self._style

    def reset(self) -> None:
        """Forget style and any held-back partial sequence (for a new, unrelated stream)."""
        self._style = PLAIN
        self._held = ""

    def feed(self, text: str) -> list[Span]:
        """Parse ``text`` and return its visible spans (adjacent equal styles merged)."""
        text = self._held + text
        self._held = ""
        spans: list[Span] = []
        pos = 0
        while True:
            esc = text.find(_ESC, pos)
            if esc < 0:
                self._emit(spans, text[pos:])
                return spans
            self._emit(spans, text[pos:esc])
            pos = self._consume_escape(text, esc)
            if pos < 0:  # incomplete: keep it for the next feed
                held = text[esc:]
                self._held = held if len(held) <= MAX_HELD_BACK else ""
                return spans

    def _emit(self, spans: list[Span], chunk: str) -> None:
        chunk = chunk.translate(self._controls)
        if not chunk:
            return
        if spans and spans[-1].style == self._style:
            spans[-1] = Span(spans[-1].text + chunk, self._style)
        else:
            spans.append(Span(chunk, self._style))

    def _consume_escape(self, text: str, esc: int) -> int:
        """Handle the sequence starting at ``esc``; return where text resumes, or -1."""
        if esc + 1 >= len(text):
            return -1
        kind = text[esc + 1]
        if kind == "[":
            match = _CSI.match(text, esc)
            if match:
                if match.group(2) == "m":
                    self._apply_sgr(match.group(1))
                return match.end()
            return -1 if _CSI_PREFIX.match(text, esc) else esc + 2
        if kind in _STRING_INTRODUCERS:
            end = _STRING_END.search(text, esc + 2)
            return end.end() if end else -1
        match = _OTHER_ESC.match(text, esc)
        if match:
            return match.end()
        return -1 if _OTHER_ESC_PREFIX.match(text, esc) else esc + 1

    def _apply_sgr(self, params: str) -> None:
        if params[:1] in ("<", "=", ">", "?"):
            return  # private modes (e.g. xterm modifyOtherKeys), not text attributes
        style = self._style
        fields = params.split(";") if params else ["0"]
        i = 0
        while i < len(fields):
            field = fields[i]
            i += 1
            if ":" in field:  # ITU form: 38:5:n or 38:2:[colourspace]:r:g:b
                style = _apply_colon_colour(style, field.split(":"))
                continue
            code = _to_int(field)
            if code in (38, 48):
                colour, used = _extended_colour(fields[i:])
                i += used
                if colour is not None:
                    style = _with_colour(style, code, colour)
            else:
                style = _apply_code(style, code)
        self._style = style


def _to_int(field: str) -> int:
    return int(field) if field.isdigit() else 0


def _apply_code(style: Style, code: int) -> Style:
    replace = dataclasses.replace
    if code == 0:
        return PLAIN
    if code == 1:
        return replace(style, bold=True)
    if code == 3:
        return replace(style, italic=True)
    if code in (4, 21):
        return replace(style, underline=True)
    if code == 22:
        return replace(style, bold=False)
    if code == 23:
        return replace(style, italic=False)
    if code == 24:
        return replace(style, underline=False)
    if 30 <= code <= 37:
        return replace(style, fg=BASE_COLOURS[code - 30])
    if 90 <= code <= 97:
        return replace(style, fg=BASE_COLOURS[code - 90 + 8])
    if code == 39:
        return replace(style, fg=None)
    if 40 <= code <= 47:
        return replace(style, bg=BASE_COLOURS[code - 40])
    if 100 <= code <= 107:
        return replace(style, bg=BASE_COLOURS[code - 100 + 8])
    if code == 49:
        return replace(style, bg=None)
    return style  # blink, inverse, fonts...: nothing a log view needs


def _extended_colour(rest: list[str]) -> tuple[str | None, int]:
    """Parse the ``5;n`` or ``2;r;g;b`` after 38/48; return (colour, fields consumed)."""
    if not rest:
        return None, 0
    mode = _to_int(rest[0])
    if mode == 5 and len(rest) >= 2:
        return xterm_colour(min(_to_int(rest[1]), 255)), 2
    if mode == 2 and len(rest) >= 4:
        r, g, b = (min(_to_int(v), 255) for v in rest[1:4])
        return f"#{r:02x}{g:02x}{b:02x}", 4
    return None, len(rest)


def _apply_colon_colour(style: Style, parts: list[str]) -> Style:
    code = _to_int(parts[0])
    if code not in (38, 48) or len(parts) < 3:
        return style
    colour: str | None = None
    if parts[1] == "5":
        colour = xterm_colour(min(_to_int(parts[2]), 255))
    elif parts[1] == "2" and len(parts) >= 5:
        r, g, b = (min(_to_int(v), 255) for v in parts[-3:])
        colour = f"#{r:02x}{g:02x}{b:02x}"
    return style if colour is None else _with_colour(style, code, colour)


def _with_colour(style: Style, code: int, colour: str) -> Style:
    """Set the foreground (code 38) or background (code 48) colour."""
    if code == 38:
        return dataclasses.replace(style, fg=colour)
    return dataclasses.replace(style, bg=colour)
