"""Bounded JSON: every refusal is a JSONInputError (a ValueError) saying why, never a crash."""

import pytest

from app.core.jsondata import MAX_DEPTH, JSONInputError, loads_bounded


def test_the_depth_limit_is_exact_and_counts_objects_and_lists():
    assert loads_bounded("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(JSONInputError, match=f"nested deeper than {MAX_DEPTH}"):
        loads_bounded("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    mixed = '{"a": [' * 40 + "1" + "]}" * 40  # 80 levels
    with pytest.raises(JSONInputError, match="nested deeper"):
        loads_bounded(mixed)
    assert loads_bounded(mixed, max_depth=80)["a"][0]["a"][0] is not None


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{", "not valid JSON"),
        (b"1" * 5000, "not valid JSON"),  # an integer Python refuses to convert
        (b"[1]" + b" " * 100, "larger than 50 bytes"),
    ],
    ids=["deep", "not-utf8", "truncated", "huge-int", "too-large"],
)
def test_hostile_input_is_refused_with_a_reason(data, why):
    with pytest.raises(JSONInputError, match=why):
        loads_bounded(data, max_bytes=50 if b" " in data else None)
    assert issubclass(JSONInputError, ValueError)  # callers' except ValueError still refuse it
