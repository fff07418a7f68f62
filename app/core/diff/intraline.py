"""Intraline spans: which characters of a changed line changed.

Lines of a ``replace`` block are paired (by position when the block is square, else each old
line with its most similar later new line), then each pair is tokenised into words, runs of
whitespace and single punctuation characters and diffed with the same matcher as the lines
(:func:`app.core.diff.matcher.matching_blocks`). A lone one-character token between two changes
joins them, so ``example.invalid`` -> ``198.51.100.7`` is one span, not three. Lines over
:data:`INTRALINE_MAX_CHARS` are marked changed whole: no hang on a minified line.
Data only; rendering (``<mark>``, Qt formats) is the caller's job.
"""

from __future__ import annotations

import re
from collections import Counter

from app.core.diff.matcher import (
    Intraline,
    Line,
    Opcode,
    Ticker,
    matching_blocks,
    opcodes_from_blocks,
)

__all__ = ["INTRALINE_MAX_CHARS", "intraline_for", "intraline_spans"]

INTRALINE_MAX_CHARS = 20_000  # longer lines get no character spans (Meld's limit)
_PAIRING_MAX_CELLS = 2_500  # replace blocks larger than this pair lines by position

_TOKEN_RE = re.compile(r"\w+|\s+|[^\w\s]")


def intraline_spans(
    old: str, new: str
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Changed character ranges of ``old`` and ``new``, on word/punctuation boundaries.

    Lines longer than :data:`INTRALINE_MAX_CHARS` are marked changed whole (no hang on a
    minified line).
    """
    if len(old) > INTRALINE_MAX_CHARS or len(new) > INTRALINE_MAX_CHARS:
        return (((0, len(old)),) if old else ()), (((0, len(new)),) if new else ())
    ta = [m.span() for m in _TOKEN_RE.finditer(old)]
    tb = [m.span() for m in _TOKEN_RE.finditer(new)]
    wa = [old[s:e] for s, e in ta]
    wb = [new[s:e] for s, e in tb]
    blocks = matching_blocks(wa, wb)
    ops = opcodes_from_blocks(blocks, len(wa), len(wb))
    # A lone one-character token between two changes ("." in a host name) joins them.
    merged: list[Opcode] = []
    for idx, op in enumerate(ops):
        if (
            op.tag == "equal"
            and 0 < idx < len(ops) - 1
            and op.i2 - op.i1 == 1
            and len(wa[op.i1]) == 1
            and merged
            and merged[-1].tag != "equal"
        ):
            nxt = ops[idx + 1]
            prev = merged.pop()
            merged.append(Opcode("replace", prev.i1, nxt.i1, prev.j1, nxt.j1))
            continue
        if op.tag != "equal" and merged and merged[-1].tag != "equal":
            prev = merged.pop()
            op = Opcode("replace", prev.i1, op.i2, prev.j1, op.j2)
        merged.append(op)
    old_spans: list[tuple[int, int]] = []
    new_spans: list[tuple[int, int]] = []
    for op in merged:
        if op.tag == "equal":
            continue
        if op.i2 > op.i1:
            old_spans.append((ta[op.i1][0], ta[op.i2 - 1][1]))
        if op.j2 > op.j1:
            new_spans.append((tb[op.j1][0], tb[op.j2 - 1][1]))
    return tuple(old_spans), tuple(new_spans)


def _as_text(line: Line) -> str:
    return line.decode("utf-8", "replace") if isinstance(line, bytes) else line


def _char_overlap(x: str, y: str) -> float:
    """2 * shared characters (as multisets) / total length: a cheap, linear line similarity."""
    if not x and not y:
        return 1.0
    cx = Counter(x)
    common = 0
    for ch, n in Counter(y).items():
        common += min(n, cx.get(ch, 0))
    return 2.0 * common / (len(x) + len(y))


def _pair_replaced(op: Opcode, a, b) -> list[tuple[int, int]]:
    """Which old and new lines of a replace block are "the same line, edited".

    Equal-sized blocks pair by position. Otherwise each old line pairs with the most similar
    later new line (at least half its characters shared), in order, so an inserted line at
    the top of a block does not shift every pair. Large blocks fall back to position.
    """
    n, m = op.i2 - op.i1, op.j2 - op.j1
    if n == m or n * m > _PAIRING_MAX_CELLS:
        return [(op.i1 + k, op.j1 + k) for k in range(min(n, m))]
    pairs = []
    start = op.j1
    texts_b = [_as_text(b[j]) for j in range(op.j1, op.j2)]
    for i in range(op.i1, op.i2):
        old = _as_text(a[i])
        best, best_score = -1, 0.5
        for j in range(start, op.j2):
            score = _char_overlap(old, texts_b[j - op.j1])
            if score > best_score:
                best, best_score = j, score
        if best >= 0:
            pairs.append((i, best))
            start = best + 1
    return pairs


def intraline_for(ops, a, b, cancel=None) -> dict[tuple[int, int], Intraline]:
    """Pair the lines of each replace block and compute their character spans."""
    out: dict[tuple[int, int], Intraline] = {}
    ticker = Ticker(cancel)
    for op in ops:
        if op.tag != "replace":
            continue
        for i, j in _pair_replaced(op, a, b):
            old, new = _as_text(a[i]), _as_text(b[j])
            old_spans, new_spans = intraline_spans(old, new)
            out[(i, j)] = Intraline(i, j, old_spans, new_spans)
            ticker.tick(len(old) + len(new) + 1)
    return out
