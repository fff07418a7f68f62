"""The line matcher under every diff: patience anchors, then Myers' O(ND) in the gaps.

Standard library only and no I/O, like Meld's matcher and git-cola's diff helpers: the line
diff (:mod:`app.core.diff.lines`) and the intraline spans (:mod:`app.core.diff.intraline`) both
build on it, so it sits at the bottom of :mod:`app.core.diff` and imports nothing above it.
``cancel`` hooks are polled every few thousand steps and raise :class:`app.errors.Cancelled`.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.errors import Cancelled

__all__ = ["Intraline", "Line", "Opcode", "Ticker", "matching_blocks", "opcodes_from_blocks"]

MYERS_MAX_COST = 1_000  # edit distance beyond which a gap becomes one replace block
_POLL_EVERY = 4096
_SMALL_RANGE = 400  # lines (both sides) below which Myers runs without anchors

Line = str | bytes


@dataclass(frozen=True)
class Opcode:
    """``a[i1:i2]`` becomes ``b[j1:j2]``; tag is equal, insert, delete or replace."""

    tag: str
    i1: int
    i2: int
    j1: int
    j2: int

    def as_tuple(self) -> tuple[str, int, int, int, int]:
        return (self.tag, self.i1, self.i2, self.j1, self.j2)


@dataclass(frozen=True)
class Intraline:
    """Changed character ranges ``[start, end)`` of old line ``i`` against new line ``j``."""

    i: int
    j: int
    old_spans: tuple[tuple[int, int], ...]
    new_spans: tuple[tuple[int, int], ...]


def matching_blocks(
    a: Sequence, b: Sequence, cancel: Callable[[], bool] | None = None
) -> list[tuple[int, int, int]]:
    """Maximal ``(i, j, size)`` runs with ``a[i:i+size] == b[j:j+size]``, in order.

    Items must be hashable; ``a`` and ``b`` must support slicing (lists, tuples, strings).
    """
    ticker = Ticker(cancel)
    raw: list[tuple[int, int, int]] = []
    # An explicit stack (no recursion limit): ("r", alo, ahi, blo, bhi) is a range still to
    # diff, ("m", i, j, size) a match to emit. Items are pushed in reverse so they pop in order.
    stack: list[tuple] = [("r", 0, len(a), 0, len(b))]
    while stack:
        item = stack.pop()
        if item[0] == "m":
            raw.append(item[1:])
            continue
        _, alo, ahi, blo, bhi = item
        pre = _common_prefix(a, b, alo, ahi, blo, bhi)
        suf = _common_suffix(a, b, alo + pre, ahi, blo + pre, bhi)
        if pre:
            raw.append((alo, blo, pre))
        ilo, ihi, jlo, jhi = alo + pre, ahi - suf, blo + pre, bhi - suf
        todo: list[tuple] = []
        if ilo < ihi and jlo < jhi:
            # Small ranges go straight to Myers (minimal); large ones are split on anchors.
            small = (ihi - ilo) + (jhi - jlo) <= _SMALL_RANGE
            anchors = [] if small else _patience_anchors(a, b, ilo, ihi, jlo, jhi)
            if anchors:
                # Consecutive anchors make one run; a gap between two runs that holds the same
                # lines on both sides (the blank and repeated lines of unchanged code, which
                # are never unique) is matched at once by one slice comparison in C instead of
                # going back on the stack.
                pi, pj = ilo, jlo
                ri = rj = size = 0
                for i, j in anchors:
                    if size and i == ri + size and j == rj + size:
                        size += 1
                        continue
                    if size:
                        todo.append(("m", ri, rj, size))
                        pi, pj = ri + size, rj + size
                    if pi < i or pj < j:
                        if i - pi == j - pj and a[pi:i] == b[pj:j]:
                            todo.append(("m", pi, pj, i - pi))
                        else:
                            todo.append(("r", pi, i, pj, j))
                    ri, rj, size = i, j, 1
                todo.append(("m", ri, rj, size))
                pi, pj = ri + size, rj + size
                if pi < ihi or pj < jhi:
                    todo.append(("r", pi, ihi, pj, jhi))
            else:
                todo.extend(("m", *blk) for blk in _myers(a, b, ilo, ihi, jlo, jhi, ticker))
        if suf:
            todo.append(("m", ihi, jhi, suf))
        stack.extend(reversed(todo))
        ticker.tick(1)
    return _merge_blocks(raw)


def _common_prefix(a, b, alo, ahi, blo, bhi) -> int:
    """Length of the common prefix of ``a[alo:ahi]`` and ``b[blo:bhi]``.

    Galloping then bisecting over slice comparisons: the comparing happens in C, which
    matters because most of a changed file is its unchanged head and tail.
    """
    limit = min(ahi - alo, bhi - blo)
    if limit <= 0 or a[alo] != b[blo]:
        return 0
    lo, step = 1, 1  # the first ``lo`` items are known equal
    hi = limit
    while lo < limit:
        hi = min(lo + step, limit)
        if a[alo + lo : alo + hi] != b[blo + lo : blo + hi]:
            break
        lo, step = hi, step * 2
    else:
        return lo
    while hi - lo > 1:  # a mismatch lies in [lo, hi)
        mid = (lo + hi) // 2
        if a[alo + lo : alo + mid] == b[blo + lo : blo + mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _common_suffix(a, b, alo, ahi, blo, bhi) -> int:
    """Length of the common suffix of ``a[alo:ahi]`` and ``b[blo:bhi]`` (as the prefix)."""
    limit = min(ahi - alo, bhi - blo)
    if limit <= 0 or a[ahi - 1] != b[bhi - 1]:
        return 0
    lo, step = 1, 1
    hi = limit
    while lo < limit:
        hi = min(lo + step, limit)
        if a[ahi - hi : ahi - lo] != b[bhi - hi : bhi - lo]:
            break
        lo, step = hi, step * 2
    else:
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[ahi - mid : ahi - lo] == b[bhi - mid : bhi - lo]:
            lo = mid
        else:
            hi = mid
    return lo


def _merge_blocks(raw: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for i, j, size in raw:
        if size <= 0:
            continue
        if merged and merged[-1][0] + merged[-1][2] == i and merged[-1][1] + merged[-1][2] == j:
            pi, pj, ps = merged[-1]
            merged[-1] = (pi, pj, ps + size)
        else:
            merged.append((i, j, size))
    return merged


def _patience_anchors(a, b, ilo, ihi, jlo, jhi) -> list[tuple[int, int]]:
    """Lines unique in both ranges, in the longest order common to both (patience diff)."""
    sa, sb = a[ilo:ihi], b[jlo:jhi]
    count_a, count_b = Counter(sa), Counter(sb)  # counted in C
    unique = [k for k, n in count_a.items() if n == 1 and count_b.get(k) == 1]
    if not unique:
        return []
    pos_a = {k: i for i, k in enumerate(sa, ilo)}  # unique keys: their only position
    pos_b = {k: j for j, k in enumerate(sb, jlo)}
    pairs = sorted((pos_a[k], pos_b[k]) for k in unique)
    if not pairs:
        return []
    js = [j for _, j in pairs]
    if js == sorted(js):  # no line moved (the usual case): all anchors, no LIS loop in Python
        return pairs
    # Longest increasing subsequence on j (patience sorting), O(k log k).
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for idx, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_idx.append(idx)
        else:
            tails[pos] = j
            tail_idx[pos] = idx
        prev[idx] = tail_idx[pos - 1] if pos else -1
    out = []
    idx = tail_idx[-1]
    while idx >= 0:
        out.append(pairs[idx])
        idx = prev[idx]
    out.reverse()
    return out


class Ticker:
    def __init__(self, cancel):
        self.cancel = cancel
        self.count = 0

    def tick(self, n: int) -> None:
        if self.cancel is None:
            return
        self.count += n
        if self.count >= _POLL_EVERY:
            self.count = 0
            if self.cancel():
                raise Cancelled("diff cancelled")


def _myers(a, b, ilo, ihi, jlo, jhi, ticker: Ticker) -> list[tuple[int, int, int]]:
    """Myers' greedy O(ND) diff of ``a[ilo:ihi]`` against ``b[jlo:jhi]`` (no common ends).

    Lines present on one side only are removed first (they cannot match), which shortens
    the sequences Myers walks. Over :data:`MYERS_MAX_COST` edits the range is left unmatched.
    """
    in_b = set(b[jlo:jhi])
    in_a = set(a[ilo:ihi])
    ai = [i for i in range(ilo, ihi) if a[i] in in_b]
    bj = [j for j in range(jlo, jhi) if b[j] in in_a]
    if not ai or not bj:
        return []
    xa = [a[i] for i in ai]
    xb = [b[j] for j in bj]
    n, m = len(xa), len(xb)
    max_d = min(n + m, MYERS_MAX_COST)
    offset = max_d + 1
    v = [0] * (2 * max_d + 3)
    trace: list[list[int]] = []
    found = -1
    for d in range(max_d + 1):
        trace.append(v[offset - d : offset + d + 1] if d else [v[offset]])
        for k in range(-d, d + 1, 2):
            if k == -d or (k != d and v[offset + k - 1] < v[offset + k + 1]):
                x = v[offset + k + 1]
            else:
                x = v[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and xa[x] == xb[y]:
                x += 1
                y += 1
            v[offset + k] = x
            if x >= n and y >= m:
                found = d
                break
        ticker.tick(d + 1)
        if found >= 0:
            break
    if found < 0:
        return []
    # Backtrack through the saved frontiers; trace[d] holds V before step d.
    snakes: list[tuple[int, int, int]] = []
    x, y = n, m
    for d in range(found, 0, -1):
        prev_v = trace[d]  # V after step d-1, k = -d..d stored at index k + d
        k = x - y
        if k == -d or (k != d and prev_v[k - 1 + d] < prev_v[k + 1 + d]):
            prev_k = k + 1
        else:
            prev_k = k - 1
        prev_x = prev_v[prev_k + d]
        prev_y = prev_x - prev_k
        start_x = prev_x if prev_k == k + 1 else prev_x + 1
        start_y = start_x - k
        if x > start_x:
            snakes.append((start_x, start_y, x - start_x))
        x, y = prev_x, prev_y
    if x > 0:
        snakes.append((0, 0, x))
    snakes.reverse()
    # Map back to positions in the original ranges, splitting runs broken by set-aside lines.
    out: list[tuple[int, int, int]] = []
    for sx, sy, size in snakes:
        for t in range(size):
            out.append((ai[sx + t], bj[sy + t], 1))
    return _merge_blocks(out)


def opcodes_from_blocks(blocks: list[tuple[int, int, int]], n: int, m: int) -> list[Opcode]:
    ops: list[Opcode] = []
    i = j = 0
    for bi, bj, size in [*blocks, (n, m, 0)]:
        if i < bi and j < bj:
            ops.append(Opcode("replace", i, bi, j, bj))
        elif i < bi:
            ops.append(Opcode("delete", i, bi, j, j))
        elif j < bj:
            ops.append(Opcode("insert", i, i, j, bj))
        if size:
            ops.append(Opcode("equal", bi, bi + size, bj, bj + size))
        i, j = bi + size, bj + size
    return ops
