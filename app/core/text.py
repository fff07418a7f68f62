"""The one table of characters that make package text lie about itself (no Qt, no HTML here).

A package can carry ANSI escapes and other control characters, Unicode bidi controls ("Trojan
Source", CVE-2021-42574) and invisible characters that make code read differently from what it
is. Every place that shows package text -- the terminal, the HTML report, the Qt views -- must
catch the same characters, or a trick hidden from one view shows in another only by luck. So
the table lives here once; each renderer only decides how a hazard looks (an escape, a marked
escape, a one-for-one stand-in).

The table is the union of the tables the CLI, the HTML report and the Qt views used to keep
apart. Tab and newline are layout, not hazards: a renderer that needs one line escapes them
itself (:func:`terminal_text` with ``one_line=True``).
"""

from __future__ import annotations

import re

# Code point ranges (inclusive), by kind.
CONTROL_RANGES = (
    (0x00, 0x08),
    (0x0B, 0x1F),  # C0 controls but tab and newline (ESC starts ANSI sequences)
    (0x7F, 0x9F),  # DEL and the C1 controls (0x9B is an 8-bit CSI, 0x85 a line break)
)
BIDI_RANGES = (
    (0x061C, 0x061C),  # Arabic letter mark
    (0x200E, 0x200F),  # left-to-right / right-to-left marks
    (0x202A, 0x202E),  # embeddings and overrides
    (0x2066, 0x2069),  # isolates
)
INVISIBLE_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x115F, 0x1160),  # Hangul fillers
    (0x180E, 0x180E),  # Mongolian vowel separator
    (0x200B, 0x200D),  # zero-width space, non-joiner, joiner
    (0x2028, 0x2029),  # line and paragraph separators
    (0x2060, 0x2065),  # word joiner, invisible operators
    (0x206A, 0x206F),  # deprecated format characters
    (0x3164, 0x3164),  # Hangul filler
    (0xFEFF, 0xFEFF),  # zero-width no-break space (BOM)
    (0xFFF9, 0xFFFB),  # interlinear annotations
    (0xE0000, 0xE007F),  # tag characters (invisible "ASCII")
)
HAZARD_RANGES = CONTROL_RANGES + BIDI_RANGES + INVISIBLE_RANGES


def _chars(ranges) -> str:
    return "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))


def _escape_code(code: int) -> str:
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


CONTROLS = _chars(CONTROL_RANGES)
BIDI = _chars(BIDI_RANGES)
INVISIBLE = _chars(INVISIBLE_RANGES)
HAZARDS = frozenset(CONTROLS + BIDI + INVISIBLE)
# The character class is written with escapes, so no table entry can mean regex syntax.
HAZARD_RE = re.compile(
    "["
    + "".join(
        _escape_code(lo) + ("-" + _escape_code(hi) if hi > lo else "") for lo, hi in HAZARD_RANGES
    )
    + "]"
)


def is_hazard(ch: str) -> bool:
    return ch in HAZARDS


def has_hazards(text: str) -> bool:
    return HAZARD_RE.search(text) is not None


def hazards(text: str) -> list[int]:
    """Code-point positions of hazardous characters in ``text``."""
    return [m.start() for m in HAZARD_RE.finditer(text)]


def escape_char(ch: str) -> str:
    """The inert, visible escape of one character: ``\\x1b``, ``\\u202e``, ``\\U000e0041``."""
    return _escape_code(ord(ch))


_LAYOUT = frozenset("\t\n")


def terminal_text(text: str, *, one_line: bool = False) -> str:
    """``text`` safe to write to a terminal: hazards escaped, and so is anything else that
    :meth:`str.isprintable` refuses (unassigned and private-use code points, odd spaces, lone
    surrogates), since a terminal can neither mark nor reliably draw them. ``one_line`` escapes
    tab and newline too, so a name or a path stays on its row.
    """
    if text.isprintable() and not HAZARD_RE.search(text):
        return text
    keep = () if one_line else _LAYOUT
    return "".join(
        ch if ch in keep or (ch.isprintable() and ch not in HAZARDS) else escape_char(ch)
        for ch in text
    )
