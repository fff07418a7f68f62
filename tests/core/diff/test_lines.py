"""Line diff: correct scripts, minimal on small inputs, guardrails instead of hangs."""

import difflib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.diff.lines import diff_lines, intraline_spans, split_lines
from app.errors import Cancelled


def apply_opcodes(a, b, ops):
    """Rebuild b from a and the opcodes; equal blocks must really be equal."""
    out = []
    pos_a = pos_b = 0
    for op in ops:
        assert (op.i1, op.j1) == (pos_a, pos_b), "opcodes must be contiguous"
        if op.tag == "equal":
            assert a[op.i1 : op.i2] == b[op.j1 : op.j2]
            out.extend(a[op.i1 : op.i2])
        else:
            out.extend(b[op.j1 : op.j2])
        pos_a, pos_b = op.i2, op.j2
    assert (pos_a, pos_b) == (len(a), len(b))
    return out


def lcs_length(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


lines = st.lists(st.sampled_from(["a", "b", "c", "}", "", "def f():", "  return 1"]), max_size=40)


@settings(max_examples=300, deadline=None)
@given(lines, lines)
def test_opcodes_turn_a_into_b_and_are_minimal(a, b):
    d = diff_lines(a, b)
    assert apply_opcodes(a, b, d.opcodes) == b
    equal = sum(op.i2 - op.i1 for op in d.opcodes if op.tag == "equal")
    assert equal == lcs_length(a, b)  # Myers gives a shortest edit script
    assert d.lines_added == len(b) - equal
    assert d.lines_removed == len(a) - equal


@pytest.mark.parametrize("seed", range(40))
def test_large_inputs_take_the_anchored_path_and_stay_correct(seed):
    # Over the small-range size the patience anchors split the work; still a valid script.
    import random

    rnd = random.Random(seed)
    alphabet = rnd.choice([50, 500, 5000])  # few, some, many unique lines
    a = [str(rnd.randrange(alphabet)) for _ in range(rnd.randint(300, 900))]
    b = list(a)
    for _ in range(rnd.randint(1, 60)):
        pos = rnd.randrange(len(b) + 1)
        action = rnd.choice(["insert", "delete", "replace", "block"])
        if action == "insert":
            b.insert(pos, str(rnd.randrange(alphabet)))
        elif action == "delete" and pos < len(b):
            del b[pos]
        elif action == "replace" and pos < len(b):
            b[pos] = "new"
        else:
            b[pos:pos] = [str(rnd.randrange(alphabet)) for _ in range(rnd.randint(1, 200))]
    d = diff_lines(a, b, intraline=False)
    assert apply_opcodes(a, b, d.opcodes) == b


def test_simple_edit_matches_difflib_counts():
    a = ["import os", "", "def main():", "    print('hi')", "    return 0", ""]
    b = ["import os", "import sys", "", "def main():", "    print('hello')", "    return 0", ""]
    d = diff_lines(a, b)
    ref = difflib.SequenceMatcher(None, a, b).get_opcodes()
    assert [op.as_tuple() for op in d.opcodes] == ref
    assert (d.lines_added, d.lines_removed) == (2, 1)


def test_hunks_have_context_and_unified_headers():
    a = [f"line {i}" for i in range(100)]
    b = list(a)
    b[10] = "changed 10"
    b[80] = "changed 80"
    hunks = diff_lines(a, b).hunks(context=3)
    assert [h.header() for h in hunks] == ["@@ -8,7 +8,7 @@", "@@ -78,7 +78,7 @@"]


def test_nothing_changed_gives_no_hunks():
    d = diff_lines(["x", "y"], ["x", "y"])
    assert not d.changed and d.hunks() == []


def test_guardrail_gives_too_large_state_and_force_computes():
    a = [f"{i}" for i in range(2000)]
    b = a[:-1] + ["new"]
    d = diff_lines(a, b, max_lines=1000)
    assert d.too_large and "2000 lines" in d.reason and d.opcodes == []
    assert d.changed  # the UI shows "too large — show anyway", not "no changes"
    forced = diff_lines(a, b, max_lines=1000, force=True)
    assert not forced.too_large and (forced.lines_added, forced.lines_removed) == (1, 1)
    by_bytes = diff_lines(["x" * 100] * 20, ["y"], max_bytes=1000)
    assert by_bytes.too_large and "bytes" in by_bytes.reason


def test_cancel_hook_stops_a_long_diff():
    a = [f"a{i % 7} {i}" for i in range(30000)]
    b = [f"b{i % 7} {i}" for i in range(30000)]
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 1

    with pytest.raises(Cancelled):
        diff_lines(a, b, cancel=cancel)
    assert calls


def test_pathological_input_does_not_hang():
    # Many repeated lines defeat anchors; the Myers cost cap keeps this bounded.
    a = ["}", "", "x"] * 4000
    b = ["", "}", "y"] * 4000
    start = time.perf_counter()
    d = diff_lines(a, b, intraline=False)
    assert apply_opcodes(a, b, d.opcodes) == b
    assert time.perf_counter() - start < 20  # generous: a quadratic matcher takes minutes


def test_ignore_whitespace_keeps_original_indices():
    a = ["def f():", "    return 1", "x = 1"]
    b = ["def f():", "\treturn  1", "x = 2"]
    d = diff_lines(a, b, ignore_whitespace=True)
    assert [op.as_tuple() for op in d.opcodes] == [("equal", 0, 2, 0, 2), ("replace", 2, 3, 2, 3)]
    assert diff_lines(a, b).lines_added == 2


def test_bytes_lines_work_too():
    d = diff_lines([b"a", b"b"], [b"a", b"c"])
    assert (d.lines_added, d.lines_removed) == (1, 1)
    assert d.intraline[(1, 1)].old_spans == ((0, 1),)


def test_intraline_spans_mark_only_the_changed_word():
    old, new = "url = 'https://example.invalid/a'", "url = 'https://198.51.100.7/a'"
    old_spans, new_spans = intraline_spans(old, new)
    assert [old[s:e] for s, e in old_spans] == ["example.invalid"]
    assert [new[s:e] for s, e in new_spans] == ["198.51.100.7"]
    d = diff_lines([old], [new])
    assert d.intraline[(0, 0)].new_spans == new_spans


def test_intraline_on_huge_line_marks_whole_line_without_work():
    old, new = "a" * 50000, "b" * 50000
    assert intraline_spans(old, new) == (((0, 50000),), ((0, 50000),))


def test_split_lines_splits_on_newline_only():
    assert split_lines("a\r\nb\u2028c\n") == ["a\r", "b\u2028c"]
    assert split_lines(b"x\ny") == [b"x", b"y"]
    assert split_lines("") == []


def test_intraline_pairs_edited_line_not_the_inserted_one():
    a = ["x = 1"]
    b = ["import base64", "x = 2"]
    d = diff_lines(a, b)
    assert list(d.intraline) == [(0, 1)]
    assert d.intraline[(0, 1)].new_spans == ((4, 5),)
