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
character spans for replaced lines (:mod:`app.core.diff.intraline`). The matching itself is
:mod:`app.core.diff.matcher`. Rendering is the caller's job (CLI, HTML report, Qt view).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from app.core.diff.intraline import intraline_for, intraline_spans
from app.core.diff.matcher import Intraline, Line, Opcode, matching_blocks, opcodes_from_blocks

__all__ = [
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
        return (
            f"@@ -{self.old_start + 1},{self.old_count} +{self.new_start + 1},{self.new_count} @@"
        )


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
    lines: list
    if isinstance(data, bytes):
        lines = data.split(b"\n")
    else:
        lines = data.split("\n")
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
    result = LineDiff(n, m, opcodes=opcodes_from_blocks(blocks, n, m))
    if intraline:
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
        out.append(
            [
                ln.translate(None, b" \t\r\n\f\v")
                if isinstance(ln, bytes)
                else ln.translate(_WS_TABLE)
                for ln in lines
            ]
        )
    return out[0], out[1]
