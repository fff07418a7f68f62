"""How commands print machine output: ``--json`` is one JSON document per line, inert."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from app.core.text import HAZARD_RE, terminal_text

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _json_escape(ch: str) -> str:
    """``ch`` as a JSON ``\\u`` escape (a surrogate pair outside the BMP)."""
    code = ord(ch)
    if code > 0xFFFF:
        code -= 0x10000
        return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def json_line(obj: Any) -> str:
    """``obj`` as one line of JSON (no newline inside, whatever the strings hold).

    ``json.dumps`` leaves C1 controls, bidi and invisible characters raw in strings: some are
    line ends to line readers (``\\x85``, ``\\u2028``; Python's ``splitlines``, many log tools)
    and all of them act on a terminal. Every character of :mod:`app.core.text`'s table is
    written as its ``\\u`` escape instead, so the parsed document is the same.
    """
    text = json.dumps(obj, ensure_ascii=False, sort_keys=False)
    if HAZARD_RE.search(text):
        text = HAZARD_RE.sub(lambda m: _json_escape(m.group()), text)
    if _SURROGATE_RE.search(text):
        # A lone surrogate (a JavaScript "\ud800" escape decoded from a package) cannot be
        # written as UTF-8: writing it raw killed the whole --json batch. Its \u escape is
        # valid JSON and parses back to the same string.
        text = _SURROGATE_RE.sub(lambda m: _json_escape(m.group()), text)
    return text


def print_json(obj: Any) -> None:
    """One JSON document on one line: the stable machine interface of ``--json``."""
    sys.stdout.write(json_line(obj) + "\n")


def say(text: str, *, err: bool = False) -> None:
    """One line of human output, inert: every character of the hazard table, any other
    non-printable one, and a newline or tab inside a name or reason are shown escaped
    (:func:`app.core.text.terminal_text`), so a package, report or label cannot move the
    cursor, recolour the terminal, reorder text with bidi controls or forge a line of its
    own. One trailing newline (the line's own end) is dropped before escaping."""
    if text.endswith("\n"):
        text = text[:-1]
    stream = sys.stderr if err else sys.stdout
    stream.write(terminal_text(text, one_line=True) + "\n")
    stream.flush()
