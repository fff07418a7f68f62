"""What the side-by-side view shows for one file, computed in a worker (no Qt here).

The worker aligns the two sides row by row (filler rows where one side has nothing), keeps
each row's original line number, the intraline spans, the pygments token spans and the
capability hits, all as plain data. The widgets then only paint: no diffing, no lexing and no
parsing happen on the GUI thread (Meld and git-cola keep the same split).

Positions in the spans are UTF-16 offsets into the *visible* row text (see
:mod:`app.ui.safe_text`), which is what Qt's text layout counts in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from app.core.archive.model import shannon_entropy
from app.core.capabilities.model import Hit, severity_rank
from app.core.diff.intraline import intraline_spans
from app.core.diff.lines import diff_lines
from app.ui import safe_text

MAX_LINES = 50_000  # beyond this, or
MAX_BYTES = 4 * 1024 * 1024  # this, the view asks before showing (Meld-style guard)
MAX_LINE_CHARS = 20_000  # an "endless line" (minified code, a blob) also asks first
# Above this many lines (both sides), pygments runs as a second step after the diff is shown:
# it is the slowest part (seconds for 10,000 lines) and colours can arrive a moment later.
INLINE_SYNTAX_LINES = 3_000

EQUAL, ADDED, REMOVED, CHANGED, FILLER = "equal", "added", "removed", "changed", "filler"


@dataclass
class Side:
    """One editor's content: aligned rows and what to paint on them."""

    text: str = ""
    numbers: list[int | None] = field(default_factory=list)  # original 1-based line per row
    kinds: list[str] = field(default_factory=list)
    spans: dict[int, list[tuple[int, int]]] = field(default_factory=dict)  # row -> (start, len)
    syntax: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)  # (start,len,tok)
    hazards: dict[int, list[int]] = field(default_factory=dict)  # row -> utf16 positions
    hits: dict[int, list[Hit]] = field(default_factory=dict)  # row -> hits starting there

    def row_of_line(self, line: int) -> int | None:
        for row, number in enumerate(self.numbers):
            if number is not None and number >= line:
                return row
        return None


@dataclass
class FileView:
    """Everything the diff widget needs for one file of a release diff."""

    path: str
    status: str  # added | removed | modified | renamed | unchanged | type-changed
    mode: str  # split | new-only | old-only | binary | too-large | error
    old_path: str | None = None
    left: Side | None = None
    right: Side | None = None
    change_rows: list[int] = field(default_factory=list)  # first row of each change block
    hit_rows: list[int] = field(default_factory=list)  # rows (right side, else left) with hits
    binary: dict = field(default_factory=dict)  # size, sha256, entropy per side
    too_large_reason: str = ""
    message: str = ""
    added_hit_keys: frozenset = frozenset()
    syntax_pending: bool = False  # colours follow from a second worker step

    @property
    def main_side(self) -> Side | None:
        return self.right if self.right is not None else self.left


# --------------------------------------------------------------------------- helpers


def entropy(data: bytes | None) -> float:
    """Shannon entropy in bits per byte (8.0 = random or encrypted)."""
    return shannon_entropy(data or b"")


def member_entropy(member) -> float:
    """The member's own estimate: large binaries keep it after their bytes were dropped."""
    value = getattr(member, "entropy", None)
    if isinstance(value, float):
        return value
    return entropy(member.data)


def too_large(text: str | None) -> str:
    """Why a text is too large to show without asking, or ``""``."""
    if not text:
        return ""
    if len(text) > MAX_BYTES:
        return f"{len(text):,} characters"
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        return f"{lines:,} lines"
    longest = max((len(x) for x in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARS:
        return f"a line of {longest:,} characters"
    return ""


def _line_diff(a: list[str], b: list[str], cancel: Callable[[], bool] | None):
    """(opcodes, intraline spans by (i, j)) from the core line diff."""
    result = diff_lines(a, b, cancel=cancel, force=True)
    spans = {
        key: ([(s, e - s) for s, e in v.old_spans], [(s, e - s) for s, e in v.new_spans])
        for key, v in result.intraline.items()
    }
    return [op.as_tuple() for op in result.opcodes], spans


def intraline(a: str, b: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Changed character ranges (start, length) in ``a`` and in ``b``, from the core's
    word-boundary spans (lines past its size limit are marked changed whole)."""
    old, new = intraline_spans(a, b)
    return [(s, e - s) for s, e in old], [(s, e - s) for s, e in new]


def _lexer_for(path: str, text: str):
    from pygments.lexers import TextLexer, get_lexer_for_filename
    from pygments.util import ClassNotFound

    name = path.rsplit("/", 1)[-1]
    if name.endswith(".pth"):
        from pygments.lexers import PythonLexer

        return PythonLexer(stripnl=False, ensurenl=False)
    try:
        return get_lexer_for_filename(name, text[:4096], stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


def token_lines(
    path: str,
    text: str,
    cancel: Callable[[], bool] | None = None,
) -> list[list[tuple[int, int, str]]]:
    """pygments tokens per original line: (start, length, token type name), code points."""
    lexer = _lexer_for(path, text)
    out: list[list[tuple[int, int, str]]] = [[]]
    col = 0
    for n, (ttype, value) in enumerate(lexer.get_tokens(text)):
        if cancel is not None and n % 2048 == 0 and cancel():
            return out
        name = str(ttype)[6:] if str(ttype).startswith("Token.") else str(ttype)
        parts = value.split("\n")
        for i, part in enumerate(parts):
            if i:
                out.append([])
                col = 0
            if part and name not in (
                "Text",
                "Text.Whitespace",
                "Whitespace",
                "Name",
                "Punctuation",
            ):
                out[-1].append((col, len(part), name))
            col += len(part)
    return out


# --------------------------------------------------------------------------- building


class _SideBuilder:
    def __init__(
        self,
        lines: list[str],
        tokens: list[list[tuple[int, int, str]]] | None,
        text: str | None = None,
    ):
        self.lines = lines
        self.tokens = tokens
        self.rows: list[str] = []
        self.side = Side()
        # Whole-text checks first: most files need no per-line conversion at all.
        whole = text if text is not None else "\n".join(lines)
        self.plain = whole.isascii() and not safe_text.has_hazards(whole)
        self.wide = not whole.isascii() and safe_text.has_wide(whole)

    def add(self, index: int | None, kind: str, spans: Iterable[tuple[int, int]] = ()) -> None:
        row = len(self.rows)
        side = self.side
        if index is None:
            self.rows.append("")
            side.numbers.append(None)
            side.kinds.append(FILLER)
            return
        raw = self.lines[index]
        side.numbers.append(index + 1)
        side.kinds.append(kind)
        if self.plain:
            self.rows.append(raw)
            if spans:
                side.spans[row] = list(spans)
            if self.tokens is not None and index < len(self.tokens) and self.tokens[index]:
                side.syntax[row] = self.tokens[index]
            return
        shown = safe_text.visible(raw)
        self.rows.append(shown)
        conv = safe_text.utf16_offsets(raw) if self.wide else None

        def u(pos: int) -> int:
            return conv[min(pos, len(conv) - 1)] if conv else pos

        spans = [(u(s), u(s + n) - u(s)) for s, n in spans]
        if spans:
            side.spans[row] = spans
        if self.tokens is not None and index < len(self.tokens) and self.tokens[index]:
            side.syntax[row] = [(u(s), u(s + n) - u(s), t) for s, n, t in self.tokens[index]]
        if shown is not raw:
            side.hazards[row] = [u(p) for p in safe_text.hazards(raw)]

    def add_range(self, start: int, count: int, kind: str) -> None:
        """Rows for ``count`` lines from ``start`` with no spans (equal, added, removed runs):
        list slices instead of a Python call per row when the text needs no conversion."""
        if not self.plain:
            for k in range(count):
                self.add(start + k, kind)
            return
        row = len(self.rows)
        side = self.side
        self.rows.extend(self.lines[start : start + count])
        side.numbers.extend(range(start + 1, start + count + 1))
        side.kinds.extend([kind] * count)
        if self.tokens is not None:
            tokens = self.tokens
            for k in range(count):
                index = start + k
                if index < len(tokens) and tokens[index]:
                    side.syntax[row + k] = tokens[index]

    def add_fillers(self, count: int) -> None:
        self.rows.extend([""] * count)
        self.side.numbers.extend([None] * count)
        self.side.kinds.extend([FILLER] * count)

    def finish(self, hits: list[Hit]) -> Side:
        self.side.text = "\n".join(self.rows)
        row_for_line = {n: r for r, n in enumerate(self.side.numbers) if n is not None}
        for hit in sorted(hits, key=lambda h: -severity_rank(h.severity)):
            row = row_for_line.get(hit.line)
            if row is not None:
                self.side.hits.setdefault(row, []).append(hit)
        return self.side


def _split(text: str) -> list[str]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [x[:-1] if x.endswith("\r") else x for x in lines]


def build_file_view(
    path: str,
    status: str,
    old_text: str | None,
    new_text: str | None,
    *,
    old_hits: list[Hit] = (),
    new_hits: list[Hit] = (),
    old_path: str | None = None,
    added_hit_keys: frozenset = frozenset(),
    force: bool = False,
    highlight: bool = True,
    cancel: Callable[[], bool] | None = None,
) -> FileView:
    """Align ``old_text`` and ``new_text`` (either may be ``None``) into a :class:`FileView`."""
    view = FileView(
        path=path, status=status, mode="split", old_path=old_path, added_hit_keys=added_hit_keys
    )
    if not force:
        reason = too_large(new_text) or too_large(old_text)
        if reason:
            view.mode, view.too_large_reason = "too-large", reason
            return view
    a = _split(old_text) if old_text is not None else None
    b = _split(new_text) if new_text is not None else None
    if highlight and len(a or ()) + len(b or ()) > INLINE_SYNTAX_LINES:
        highlight, view.syntax_pending = False, True
    ta = token_lines(old_path or path, old_text, cancel) if highlight and old_text else None
    tb = token_lines(path, new_text, cancel) if highlight and new_text else None
    if cancel and cancel():
        return view
    if a is None or b is None:
        lines, tokens, hits = (b, tb, new_hits) if b is not None else (a, ta, old_hits)
        kind = ADDED if b is not None else REMOVED
        builder = _SideBuilder(lines or [], tokens, new_text if b is not None else old_text)
        builder.add_range(0, len(lines or []), kind if status in ("added", "removed") else EQUAL)
        side = builder.finish(list(hits))
        if b is not None:
            view.mode, view.right = "new-only", side
        else:
            view.mode, view.left = "old-only", side
        view.hit_rows = sorted(side.hits)
        return view
    left, right = _SideBuilder(a, ta, old_text), _SideBuilder(b, tb, new_text)
    opcodes, inline = _line_diff(a, b, cancel)
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if cancel and n % 256 == 0 and cancel():
            return view
        if tag == "equal":
            left.add_range(i1, i2 - i1, EQUAL)
            right.add_range(j1, j2 - j1, EQUAL)
            continue
        view.change_rows.append(len(left.rows))
        if tag == "replace":
            paired = min(i2 - i1, j2 - j1)
            for k in range(max(i2 - i1, j2 - j1)):
                li = i1 + k if k < i2 - i1 else None
                rj = j1 + k if k < j2 - j1 else None
                if k < paired:
                    pair = inline.get((li, rj)) if inline is not None else None
                    ls, rs = pair if pair is not None else intraline(a[li], b[rj])
                    left.add(li, CHANGED, ls)
                    right.add(rj, CHANGED, rs)
                else:
                    left.add(li, REMOVED if li is not None else FILLER)
                    right.add(rj, ADDED if rj is not None else FILLER)
        elif tag == "delete":
            left.add_range(i1, i2 - i1, REMOVED)
            right.add_fillers(i2 - i1)
        elif tag == "insert":
            left.add_fillers(j2 - j1)
            right.add_range(j1, j2 - j1, ADDED)
    view.left = left.finish(list(old_hits))
    view.right = right.finish(list(new_hits))
    view.hit_rows = sorted(set(view.right.hits) | set(view.left.hits))
    return view


def side_syntax(
    side: Side | None, path: str, text: str | None, cancel: Callable[[], bool] | None = None
) -> dict:
    """Second step for big files: pygments spans per row of an already aligned side."""
    if side is None or not text:
        return {}
    tokens = token_lines(path, text, cancel)
    lines = _split(text)
    out: dict[int, list[tuple[int, int, str]]] = {}
    for row, number in enumerate(side.numbers):
        if number is None or number - 1 >= len(tokens) or not tokens[number - 1]:
            continue
        conv = safe_text.utf16_offsets(lines[number - 1]) if number - 1 < len(lines) else None
        if conv is None:
            out[row] = tokens[number - 1]
        else:
            out[row] = [
                (conv[st], conv[min(st + n, len(conv) - 1)] - conv[st], t)
                for st, n, t in tokens[number - 1]
            ]
    return out


def binary_view(path: str, status: str, old_member, new_member) -> FileView:
    """Size, sha256 and entropy of each side of a binary (or type-changed) file."""
    view = FileView(path=path, status=status, mode="binary")
    for label, member in (("old", old_member), ("new", new_member)):
        if member is None:
            continue
        view.binary[label] = {
            "size": member.size,
            "sha256": member.sha256,
            "entropy": round(member_entropy(member), 3),
            "kind": member.kind,
            "link_target": getattr(member, "link_target", None),
        }
    return view
