"""Where a Python file's bare string statements (docstrings) lie, found by the tokenizer.

A string that is a statement of its own (a module's, class's or function's docstring, or any
string expression standing alone) is never run: Python evaluates it and drops it. Layout rules
that look for code hidden off-screen (``txt.pushed_right``) ask here whether what they found
sits inside such a string: SWIG writes the C++ API's documentation, tables padded to hundreds
of columns included, into the docstrings of its generated modules. Only files the parser
accepted are asked, so the tokenizer agrees with what Python reads.
"""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterator

from app.core.capabilities.patterns import LineIndex

_SKIPPED = (tokenize.NL, tokenize.COMMENT)
_STATEMENT_START = (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
_STATEMENT_END = (tokenize.NEWLINE, tokenize.ENDMARKER)


class BareStrings:
    """Offsets asked in ascending order: does one fall inside a bare string statement? The
    tokenizer runs lazily, only as far as the offsets asked, and once."""

    def __init__(self, text: str):
        self._index = LineIndex(text)
        self._spans = _bare_string_spans(text)
        self._current: tuple[tuple[int, int], tuple[int, int]] | None = None

    def holds(self, offset: int) -> bool:
        at = self._index.locate(offset)
        while self._current is None or self._current[1] <= at:
            self._current = next(self._spans, None)
            if self._current is None:
                self._spans = iter(())
                return False
        return self._current[0] <= at


def bare_strings(text: str) -> BareStrings:
    """See :class:`BareStrings`."""
    return BareStrings(text)


def _bare_string_spans(text: str) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) as (line, column) of each string statement, in order: one or more string
    tokens (implicit concatenation) after a statement's start and before its end. A text the
    tokenizer fails on yields what came before."""
    feed = io.StringIO(text).readline
    previous = tokenize.NEWLINE
    run: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(feed):
            if tok.type in _SKIPPED:
                continue
            if tok.type == tokenize.STRING and (run or previous in _STATEMENT_START):
                run.append(tok)
                continue
            if run and tok.type in _STATEMENT_END:
                yield run[0].start, run[-1].end
            run = []
            previous = tok.type
    except (tokenize.TokenError, SyntaxError, ValueError):
        return
