"""Row alignment, spans and guards of the side-by-side model (no widgets needed)."""

from __future__ import annotations

import pytest

from app.core.capabilities.model import Hit
from app.ui import safe_text
from app.ui.file_model import ADDED, CHANGED, EQUAL, FILLER, REMOVED, build_file_view, entropy


@pytest.mark.parametrize(
    "old, new, left_kinds, right_kinds",
    [
        ("a\nb\nc\n", "a\nb\nc\n", [EQUAL] * 3, [EQUAL] * 3),
        ("a\nc\n", "a\nb\nc\n", [EQUAL, FILLER, EQUAL], [EQUAL, ADDED, EQUAL]),
        ("a\nb\nc\n", "a\nc\n", [EQUAL, REMOVED, EQUAL], [EQUAL, FILLER, EQUAL]),
        ("a\nx = 1\nc\n", "a\nx = 2\nc\n", [EQUAL, CHANGED, EQUAL], [EQUAL, CHANGED, EQUAL]),
    ],
)
def test_rows_are_aligned_with_fillers(old, new, left_kinds, right_kinds):
    view = build_file_view("m.py", "modified", old, new, highlight=False)
    assert view.left.kinds == left_kinds
    assert view.right.kinds == right_kinds
    assert len(view.left.text.split("\n")) == len(view.right.text.split("\n"))
    assert [n for n in view.right.numbers if n] == list(range(1, new.count("\n") + 1))


def test_change_rows_and_intraline_spans_point_at_the_difference():
    view = build_file_view("m.py", "modified", "a\nx = 1\nc\n", "a\nx = 2\nc\nd\n", highlight=False)
    assert view.change_rows == [1, 3]
    ((start, length),) = view.right.spans[1]
    assert view.right.text.split("\n")[1][start : start + length] == "2"


def test_hits_land_on_their_rows_and_in_hit_rows():
    hit = Hit("exec.dynamic", "high", "m.py", 3, 3, 0, "exec(x)", "", "R1", "runs code")
    view = build_file_view(
        "m.py", "modified", "a\nb\n", "a\nb\nexec(x)\n", new_hits=[hit], highlight=False
    )
    assert view.right.hits == {2: [hit]}
    assert view.hit_rows == [2]


def test_added_file_is_single_pane_and_syntax_is_precomputed():
    view = build_file_view("new.py", "added", None, "import os\nos.system('id')\n")
    assert view.mode == "new-only" and view.left is None
    tokens = {t for spans in view.right.syntax.values() for _s, _n, t in spans}
    assert any(t.startswith("Keyword") for t in tokens)


def test_huge_files_and_endless_lines_ask_first():
    big = "x = 1\n" * 60_000
    assert build_file_view("big.py", "modified", "", big).mode == "too-large"
    endless = "var a='" + "z" * 30_000 + "';\n"
    view = build_file_view("min.js", "added", None, endless)
    assert view.mode == "too-large" and "line" in view.too_large_reason
    assert build_file_view("min.js", "added", None, endless, force=True).mode == "new-only"


def test_positions_are_utf16_for_characters_outside_the_bmp():
    view = build_file_view(
        "e.py", "modified", "s = '\U0001f600a'\n", "s = '\U0001f600b'\n", highlight=False
    )
    ((start, length),) = view.right.spans[0]
    assert (start, length) == (7, 1)  # the emoji counts two UTF-16 units


def test_visible_replaces_hazards_one_for_one():
    raw = "a\x1b[0m\u202eb\u200bc"
    shown = safe_text.visible(raw)
    assert len(shown) == len(raw)
    assert shown == "a\u241b[0m\u2194b\u2423c"
    assert safe_text.hazards(raw) == [1, 5, 7]


def test_entropy_of_random_bytes_is_high_and_of_text_is_low():
    import os

    assert entropy(os.urandom(4096)) > 7.5
    assert entropy(b"aaaaabbbbb") == pytest.approx(1.0)
