"""One table of hazardous characters, and every renderer of package text catches all of it.

Why: the terminal, the HTML report and the Qt views each kept their own table, and they had
drifted (the window let line separators, Hangul fillers and tag characters through; ``inspect``
let Hangul fillers through). A character missing from one table is a Trojan-Source trick that
works in that view only, so each rendering is checked against every character of the table.
"""

import json

import pytest

from app.commands._output import json_line
from app.commands.inspect import safe
from app.core.diff.html_report import html_text, make_visible
from app.core.text import BIDI, HAZARDS, INVISIBLE, escape_char, has_hazards, hazards, terminal_text
from app.ui import safe_text

TABLE = sorted(HAZARDS)
# What the separate tables held before they became one: the union must keep all of it.
OLD_QT = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
    "\u200b\u200c\u200d\u2060\ufeff\u00ad"
    + "".join(map(chr, [*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]))
)
OLD_HTML = "\u00ad\u061c\u115f\u1160\u180e\u2028\u2029\u3164\ufeff" + "".join(
    map(
        chr,
        [
            *range(0x09),
            *range(0x0B, 0x20),
            *range(0x7F, 0xA0),
            *range(0x200B, 0x2010),
            *range(0x202A, 0x202F),
            *range(0x2060, 0x2070),
            *range(0xFFF9, 0xFFFC),
            *range(0xE0000, 0xE0080),
        ],
    )
)
ORDINARY = "def f(x):\n\treturn x  # café 数据 ∑ \U0001f600 \\ <b> &amp;"


def test_the_table_is_the_union_of_the_old_ones():
    assert set(OLD_QT) | set(OLD_HTML) == HAZARDS
    assert set(BIDI) <= HAZARDS and set(INVISIBLE) <= HAZARDS
    assert "\t" not in HAZARDS and "\n" not in HAZARDS and " " not in HAZARDS


@pytest.mark.parametrize("ch", TABLE, ids=[f"U+{ord(c):04X}" for c in TABLE])
def test_every_rendering_catches_every_character_of_the_table(ch):
    text = f"a{ch}b"
    esc = escape_char(ch)
    assert has_hazards(text) and hazards(text) == [1]
    # terminal: the diff text, the inspect listing, and --json
    assert terminal_text(text) == terminal_text(text, one_line=True) == f"a{esc}b"
    assert make_visible(text) == safe(text) == f"a{esc}b"
    line = json_line({"s": text})
    assert ch not in line and json.loads(line) == {"s": text}
    # HTML: a marked, inert escape
    assert html_text(text) == f'a<span class="ctl">{esc}</span>b'
    # Qt: one visible stand-in in the same place, and the position reported for marking
    shown = safe_text.visible(text)
    assert len(shown) == 3 and shown[0] == "a" and shown[2] == "b"
    assert shown[1] != ch and not has_hazards(shown) and shown[1].isprintable()
    assert safe_text.hazards(text) == [1] and safe_text.has_hazards(text)
    assert ch not in safe_text.one_line(text)


def test_ordinary_text_is_left_alone():
    assert not has_hazards(ORDINARY)
    assert terminal_text(ORDINARY) == make_visible(ORDINARY) == ORDINARY
    assert safe_text.visible(ORDINARY) == ORDINARY
    assert html_text(ORDINARY) == ORDINARY.replace("&", "&amp;").replace("<", "&lt;").replace(
        ">", "&gt;"
    )
    assert json.loads(json_line(ORDINARY)) == ORDINARY and "\U0001f600" in json_line(ORDINARY)


def test_one_line_terminal_text_escapes_layout_and_unprintables():
    assert terminal_text("a\tb\nc") == "a\tb\nc"
    assert terminal_text("a\tb\nc", one_line=True) == "a\\x09b\\x0ac"
    assert (
        terminal_text("nbsp\u00a0pua\ue000unassigned\U000effff")
        == "nbsp\\xa0pua\\ue000unassigned\\U000effff"
    )


def test_qt_offsets_follow_the_shown_text_when_an_astral_hazard_becomes_a_stand_in():
    line = "x\U000e0041y\U0001f600z"  # a tag character, then an emoji
    shown = safe_text.visible(line)
    offsets = safe_text.utf16_offsets(line)
    assert offsets == [0, 1, 2, 3, 5, 6]
    assert offsets[-1] == len(shown.encode("utf-16-le")) // 2
    assert safe_text.utf16_offsets("x\U000e0041y") is None  # shown, it is all BMP
    assert not safe_text.has_wide("x\U000e0041y")
