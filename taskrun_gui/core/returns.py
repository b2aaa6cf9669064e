"""Carriage returns as a terminal shows them: a progress bar that rewrites its line stays
one line.

pip, curl, tqdm, rsync and docker redraw a line by printing ``\\r`` and the new state. The
log file keeps every byte; a viewer keeps only what a terminal would show: the text after
the last lone ``\\r`` of each line. ``\\r\\n`` is an ordinary line end. Output arrives in
chunks that can split ``\\r`` from its ``\\n``, so a trailing ``\\r`` is decided by the next
chunk. Pure Python, no Qt: it runs on the worker that replays a file and on the UI thread
for live batches alike.
"""

from __future__ import annotations

import re

from taskrun_gui.core.ansi import Span

__all__ = ["ReturnFolder"]

_SPLIT = re.compile(r"(\r|\n)")


class ReturnFolder:
    """Feed it styled spans (with their ``\\r`` kept) chunk by chunk; it drops what a later
    ``\\r`` on the same line overwrote."""

    def __init__(self) -> None:
        self._pending = False  # the last chunk ended in "\r": a rewrite unless "\n" follows

    def feed(self, spans: list[Span]) -> tuple[bool, list[Span]]:
        """(whether the line already shown before these spans must be emptied first, the
        spans to add). The spans returned hold no ``\\r``."""
        done: list[Span] = []  # pieces up to the last line end seen
        line: list[Span] = []  # pieces of the line still open
        clear_shown = False
        seen_newline = False
        for span in spans:
            if "\r" not in span.text and not self._pending:
                cut = span.text.rfind("\n") + 1
                if cut:
                    done += line
                    done.append(Span(span.text[:cut], span.style))
                    line = [Span(span.text[cut:], span.style)]
                    seen_newline = True
                else:
                    line.append(span)
                continue
            for token in _SPLIT.split(span.text):
                if token == "\r":
                    self._pending = True
                elif token == "\n":
                    self._pending = False
                    done += line
                    done.append(Span("\n", span.style))
                    line = []
                    seen_newline = True
                elif token:
                    if self._pending:
                        self._pending = False
                        line = []
                        clear_shown = clear_shown or not seen_newline
                    line.append(Span(token, span.style))
        return clear_shown, _merged(done + line)


def _merged(pieces: list[Span]) -> list[Span]:
    """Adjacent pieces of one style as one span, joined once (no quadratic concatenation)."""
    spans: list[Span] = []
    group: list[str] = []
    for piece in pieces:
        if not piece.text:
            continue
        if group and spans[-1].style != piece.style:
            spans[-1] = Span("".join(group), spans[-1].style)
            group = []
        if not group:
            spans.append(piece)
        group.append(piece.text)
    if group:
        spans[-1] = Span("".join(group), spans[-1].style)
    return spans
