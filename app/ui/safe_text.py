"""Make package text visible and harmless before any widget shows it (no Qt here).

A package can carry ANSI escape sequences, other control characters and Unicode bidi
controls ("Trojan Source", CVE-2021-42574) that make code look different from what it is.
We never drop them silently: each is replaced by ONE visible stand-in character, so every
column offset computed on the original text (intraline spans, hits, syntax tokens) still
points at the same place, and the positions are reported so the view can mark them.

Which characters are hazards is :mod:`app.core.text`'s table, shared with the terminal and
the HTML report; only the stand-ins and the UTF-16 bookkeeping are particular to Qt.

Qt counts string positions in UTF-16 code units while Python counts code points;
:func:`utf16_offsets` converts when a line holds characters outside the BMP.
"""

from __future__ import annotations

import re

from app.core.text import BIDI, HAZARD_RE, HAZARDS, INVISIBLE, has_hazards, hazards

__all__ = [
    "BIDI",
    "INVISIBLE",
    "has_hazards",
    "hazards",
    "visible",
    "one_line",
    "has_wide",
    "utf16_offsets",
]

BIDI_STAND_IN = "\u2194"  # ↔
INVISIBLE_STAND_IN = "\u2423"  # ␣
C1_STAND_IN = "\u2426"  # ␦


def _stand_in(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (ESC shows as ␛)
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F:
        return C1_STAND_IN
    if ch in BIDI:
        return BIDI_STAND_IN
    return INVISIBLE_STAND_IN


def visible(text: str) -> str:
    """``text`` with every hazardous character replaced one-for-one by a visible stand-in."""
    if not HAZARD_RE.search(text):
        return text
    return HAZARD_RE.sub(lambda m: _stand_in(m.group(0)), text)


def one_line(text: str, limit: int = 300) -> str:
    """A visible, single-line, length-capped form of a name or metadata value."""
    text = visible(str(text)).replace("\n", "\u2424").replace("\t", " ")
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


_WIDE_RE = re.compile("[\U00010000-\U0010ffff]")


def _wide(c: str) -> bool:
    """Does ``c`` take two UTF-16 units once shown? (A hazard shows as a one-unit stand-in.)"""
    return ord(c) > 0xFFFF and c not in HAZARDS


def has_wide(text: str) -> bool:
    """Does ``text``, as :func:`visible` shows it, hold characters that take two UTF-16 units
    (emoji, rare CJK)?"""
    return any(_wide(m.group()) for m in _WIDE_RE.finditer(text))


def utf16_offsets(line: str) -> list[int] | None:
    """``None`` when code points and UTF-16 units agree, else the UTF-16 offset of each index
    in ``visible(line)`` (with one extra entry for the end of the line): positions computed
    on the raw line, mapped to where Qt finds them in the shown one."""
    if not has_wide(line):
        return None
    out = [0]
    for c in line:
        out.append(out[-1] + (2 if _wide(c) else 1))
    return out
