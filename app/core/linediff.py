"""Line diff of git quality, with guardrails: never a hang, never difflib's quadratic worst case.

How it stays fast (ideas from Meld's matcher and git's patience diff; our own code):

1. lines are interned to integers (with ``ignore_whitespace`` the key drops all whitespace);
2. the common prefix and suffix are trimmed first (most of a changed file);
3. lines that occur only on one side are set aside -- they can only be deleted/inserted;
4. what remains is split on *anchors*: lines that occur exactly once in both sides, in the
   longest increasing order (patience diff); the gaps between anchors are diffed recursively;
5. a gap with no anchor goes to Myers' O(ND) greedy algorithm, bounded by an edit-cost cap; a
   gap over the cap becomes one ``replace`` block (still a correct script, just coarser).

Guardrails: ``max_lines``/``max_bytes`` per side give a :class:`LineDiff` with ``too_large``
set (the "too large -- show anyway" state; call again with ``force=True``) instead of a hang.
``cancel`` is a callable polled every few thousand steps; when it returns True the diff raises
:class:`Cancelled` -- the UI calls this from a worker thread and cancels on a newer selection.

The result is data only: opcodes (``equal``/``insert``/``delete``/``replace`` with line ranges,
like :meth:`difflib.SequenceMatcher.get_opcodes`), hunks with context, and intraline
character spans for replaced lines (:mod:`app.core.intraline`). Rendering is the caller's job (CLI, HTML report, Qt view).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Cancelled",
    "Hunk",
    "Intraline",
    "LineDiff",
    "Opcode",
    "diff_lines",
    "intraline_spans",
    "split_lines",
]

DEFAULT_MAX_LINES = 50_000
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
MYERS_MAX_COST = 1_000  # edit distance beyond which a gap becomes one replace block
_POLL_EVERY = 4096
_SMALL_RANGE = 400  # lines (both sides) below which Myers runs without anchors

Line = str | bytes


class Cancelled(Exception):  # noqa: N818 - the name says what happened
    """The ``cancel`` hook returned True; the diff was abandoned."""


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


@dataclass(frozen=True)
class Hunk:
    """A group of opcodes with up to ``context`` equal lines around the changes.

    ``old_start``/``new_start`` are 0-based; add 1 for a unified ``@@`` header.
    """

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    opcodes: tuple[Opcode, ...]

    def header(self) -> str:
        return (f"@@ -{self.old_start + 1},{self.old_count} "
                f"+{self.new_start + 1},{self.new_count} @@")


@dataclass
class LineDiff:
    """The result of :func:`diff_lines`.

    ``too_large`` with ``reason`` means nothing was computed (guardrail); ``opcodes`` is then
    empty. ``intraline`` maps ``(i, j)`` pairs of replaced lines to their character spans.
    """

    old_len: int
    new_len: int
    opcodes: list[Opcode] = field(default_factory=list)
    intraline: dict[tuple[int, int], Intraline] = field(default_factory=dict)
    too_large: bool = False
    reason: str = ""

    @property
    def lines_added(self) -> int:
        return sum(op.j2 - op.j1 for op in self.opcodes if op.tag in ("insert", "replace"))

    @property
    def lines_removed(self) -> int:
        return sum(op.i2 - op.i1 for op in self.opcodes if op.tag in ("delete", "replace"))

    @property
    def changed(self) -> bool:
        return self.too_large or any(op.tag != "equal" for op in self.opcodes)

    def hunks(self, context: int = 3) -> list[Hunk]:
        """Group the opcodes into hunks with ``context`` equal lines around each change."""
        ops = self.opcodes
        if not any(op.tag != "equal" for op in ops):
            return []
        groups: list[list[Opcode]] = []
        current: list[Opcode] = []
        for idx, op in enumerate(ops):
            if op.tag != "equal":
                current.append(op)
                continue
            first, last = idx == 0, idx == len(ops) - 1
            size = op.i2 - op.i1
            if first:
                keep = min(size, context)
                current.append(Opcode("equal", op.i2 - keep, op.i2, op.j2 - keep, op.j2))
            elif last:
                keep = min(size, context)
                current.append(Opcode("equal", op.i1, op.i1 + keep, op.j1, op.j1 + keep))
            elif size > 2 * context:
                current.append(Opcode("equal", op.i1, op.i1 + context, op.j1, op.j1 + context))
                groups.append(current)
                current = [Opcode("equal", op.i2 - context, op.i2, op.j2 - context, op.j2)]
            else:
                current.append(op)
        groups.append(current)
        hunks = []
        for group in groups:
            group = [op for op in group if op.i1 != op.i2 or op.j1 != op.j2]
            if not any(op.tag != "equal" for op in group):
                continue
            i1, j1 = group[0].i1, group[0].j1
            hunks.append(Hunk(i1, group[-1].i2 - i1, j1, group[-1].j2 - j1, tuple(group)))
        return hunks


def split_lines(data: str | bytes) -> list:
    """Split on ``\\n`` only, like git (``\\r``, ``\\f``, U+2028 stay inside a line).

    A final newline does not make an extra empty line.
    """
    sep = b"\n" if isinstance(data, bytes) else "\n"
    lines = data.split(sep)
    if lines and not lines[-1]:
        lines.pop()
    return lines


# --------------------------------------------------------------------------- public entry


def diff_lines(
    a: Sequence[Line],
    b: Sequence[Line],
    *,
    ignore_whitespace: bool = False,
    max_lines: int = DEFAULT_MAX_LINES,
    max_bytes: int = DEFAULT_MAX_BYTES,
    cancel: Callable[[], bool] | None = None,
    force: bool = False,
    intraline: bool = True,
) -> LineDiff:
    """Diff two lists of lines (str or bytes, without their newlines).

    Returns a :class:`LineDiff` whose opcodes turn ``a`` into ``b``. With
    ``ignore_whitespace`` lines that differ only in whitespace compare equal (like
    ``git diff -w``); opcodes still index the original lists. When either side has more than
    ``max_lines`` lines or ``max_bytes`` bytes, returns ``too_large=True`` unless ``force``.
    ``cancel`` is polled during the work; when it returns True :class:`Cancelled` is raised.
    ``intraline=False`` skips the character spans (counting only).
    """
    n, m = len(a), len(b)
    if not force:
        reason = _too_large(a, b, max_lines, max_bytes)
        if reason:
            return LineDiff(n, m, too_large=True, reason=reason)
    keys_a, keys_b = _intern(a, b, ignore_whitespace)
    blocks = matching_blocks(keys_a, keys_b, cancel=cancel)
    result = LineDiff(n, m, opcodes=_opcodes(blocks, n, m))
    if intraline:
        from app.core.intraline import intraline_for  # imports this module's matcher

        result.intraline = intraline_for(result.opcodes, a, b, cancel)
    return result


def _too_large(a, b, max_lines: int, max_bytes: int) -> str:
    for side, lines in (("old", a), ("new", b)):
        if len(lines) > max_lines:
            return f"{side} side has {len(lines)} lines (limit {max_lines})"
        if sum(map(len, lines)) + len(lines) > max_bytes:
            return f"{side} side is over {max_bytes} bytes"
    return ""


_WS_TABLE = {ord(c): None for c in " \t\r\n\f\v"}


def _intern(a, b, ignore_whitespace: bool) -> tuple[list, list]:
    """Comparison keys: the lines themselves, or whitespace-free copies.

    (Mapping lines to ints costs more than it saves: str/bytes cache their hash and compare
    lengths first.)
    """
    if not ignore_whitespace:
        return list(a), list(b)
    out = []
    for lines in (a, b):
        out.append([ln.translate(None, b" \t\r\n\f\v") if isinstance(ln, bytes)
                    else ln.translate(_WS_TABLE) for ln in lines])
    return out[0], out[1]


# --------------------------------------------------------------------------- matching


def matching_blocks(
    a: Sequence, b: Sequence, cancel: Callable[[], bool] | None = None
) -> list[tuple[int, int, int]]:
    """Maximal ``(i, j, size)`` runs with ``a[i:i+size] == b[j:j+size]``, in order.

    Items must be hashable; ``a`` and ``b`` must support slicing (lists, tuples, strings).
    """
    ticker = _Ticker(cancel)
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
        if a[alo + lo: alo + hi] != b[blo + lo: blo + hi]:
            break
        lo, step = hi, step * 2
    else:
        return lo
    while hi - lo > 1:  # a mismatch lies in [lo, hi)
        mid = (lo + hi) // 2
        if a[alo + lo: alo + mid] == b[blo + lo: blo + mid]:
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
        if a[ahi - hi: ahi - lo] != b[bhi - hi: bhi - lo]:
            break
        lo, step = hi, step * 2
    else:
        return lo
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[ahi - mid: ahi - lo] == b[bhi - mid: bhi - lo]:
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


class _Ticker:
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


def _myers(a, b, ilo, ihi, jlo, jhi, ticker: _Ticker) -> list[tuple[int, int, int]]:
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
        trace.append(v[offset - d: offset + d + 1] if d else [v[offset]])
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


def _opcodes(blocks: list[tuple[int, int, int]], n: int, m: int) -> list[Opcode]:
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


# --------------------------------------------------------------------------- intraline


def intraline_spans(
    old: str, new: str
) -> tuple[tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]:
    """Changed character ranges of ``old`` and ``new`` (see :mod:`app.core.intraline`).

    Lines longer than ``INTRALINE_MAX_CHARS`` are marked changed whole.
    """
    from app.core.intraline import intraline_spans as spans

    return spans(old, new)
