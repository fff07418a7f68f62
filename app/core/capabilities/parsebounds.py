"""When not to build a Python syntax tree: the parser's memory has no limit of its own.

``ast.parse`` keeps every token of a file in memory at once, and its cost follows the tokens,
not the bytes: 2 MB of ``x = o.f().g(1, 2)`` lines take 840 MB, a 16 MB one-line chain of
``.f()`` calls 4 GB. Every place that parses text from a package asks :func:`ast_refusal`
first; a refused file is read by the text rules only, and the scan says so (``scan.unread``).
"""

from __future__ import annotations

import ast
import re
import tokenize
from collections.abc import Iterator

from app.core.astparse import parse_python

MAX_AST_BYTES = 16 * 1024 * 1024
# A module between MAX_AST_BYTES and this is read in pieces (:func:`top_level_pieces`): cloud
# SDKs generate 17-21 MB operation modules, which one tree would take over 1 GB to hold.
MAX_PIECES_BYTES = 64 * 1024 * 1024
TOO_LARGE = "too large for AST analysis"
TOO_LARGE_FOR_ONE_TREE = "is too large for one syntax tree (over 16 MB)"
MAX_CHAIN_BRACKETS = 100_000
# 400-800 MB of parser memory per million of the characters counted by parse_units (a 5.4 MB
# generated protobuf module: 0.3 M, 120 MB; the 2 MB of short calls above: 1 M, 840 MB).
# 500,000 keeps one file's parse under ~400 MB, the whole scan under 500 MB.
MAX_AST_UNITS = 500_000
_UNIT_CHARS = "()[]{}.,=:;\n"
_UNIT_BYTES = _UNIT_CHARS.encode()


def parse_units(text: str) -> int:
    """A cheap stand-in for the token count: how many of ``_UNIT_CHARS`` the text holds.

    Counted as the bytes ``bytes.translate`` deletes from the UTF-8 text, in one pass (twelve
    ``str.count`` passes took 2 % of a scan); the characters are ASCII, and UTF-8 never puts an
    ASCII byte inside a longer character, so the count is the same.
    """
    data = text.encode("utf-8", "surrogatepass")
    return len(data) - len(data.translate(None, _UNIT_BYTES))


def chained_line(text: str, lines: list[str] | None = None) -> bool:
    """One line holding a chain of a hundred thousand calls or brackets (``o.f().f()...``).

    The parser keeps every token of such a line in one deep tree before it gives up. Ordinary
    big files spread their calls over many lines and pass.
    """
    if len(text) < MAX_CHAIN_BRACKETS:
        return False
    lines = text.split("\n") if lines is None else lines
    if max(map(len, lines), default=0) < MAX_CHAIN_BRACKETS:  # C speed: most big files stop here
        return False
    return any(
        len(line) >= MAX_CHAIN_BRACKETS
        and line.count("(") + line.count("[") + line.count("{") >= MAX_CHAIN_BRACKETS
        and not _one_string(line)
        for line in lines
    )


def _one_string(line: str) -> bool:
    """``NAME = '...'``: a generated page or template held in one literal on one line. Its
    brackets are the CSS and script inside the string, one token to the parser (x402 ships
    2 MB paywall pages so)."""
    head = _TARGET.match(line)
    if head is None:
        return False
    m = _STRING.match(line, head.end())
    return m is not None and not line[m.end() :].strip(" \t;")


def ast_refusal(text: str, lines: list[str] | None = None) -> str | None:
    """Why ``text`` must not be parsed (completes "This Python file …"), or None."""
    if len(text) > MAX_AST_BYTES:
        return TOO_LARGE_FOR_ONE_TREE if len(text) <= MAX_PIECES_BYTES else TOO_LARGE
    if chained_line(text, lines):
        return "has a line too deeply chained for AST analysis"
    # every unit is one character, so a text no longer than the bound cannot pass it: most
    # files are, and skip the UTF-8 copy and the count
    if len(text) > MAX_AST_UNITS and parse_units(text) > MAX_AST_UNITS:
        return "is too dense for AST analysis (its syntax tree would take over 400 MB)"
    return None


# A dense module is parsed in pieces of at most this many units (about 100 MB of parser memory
# each), cut where a top-level statement starts. Only the refusals for density and for size up
# to MAX_PIECES_BYTES are lifted this way: an over-long chained line or a larger file still gets
# the text rules only.
PIECE_UNITS = MAX_AST_UNITS // 4
_CONTINUATIONS = ("else", "elif", "except", "finally", "case ")


def dense_only(reason: str | None) -> bool:
    """Whether ``reason`` (from :func:`ast_refusal`) is density or size alone, which pieces
    can lift."""
    return reason is not None and (
        reason.startswith("is too dense") or reason == TOO_LARGE_FOR_ONE_TREE
    )


def top_level_pieces(lines: list[str]) -> Iterator[ast.Module] | None:
    """The module as consecutive syntax trees of bounded size, or None when it cannot be cut.

    Generated modules (cloud SDK models, policy tables) are dense but long: thousands of
    top-level classes and assignments. Each piece runs from one top-level statement start to
    another, holds at most PIECE_UNITS, and parses on its own; line numbers are the file's. A
    cut that does not parse (inside a string that starts lines at column 0) is moved on to the
    next start. Only one piece's tree is alive at a time.
    """
    cuts = [
        i
        for i in range(1, len(lines))
        if lines[i][:1].isascii()
        and (lines[i][:1].isalpha() or lines[i][:1] in ("@", "_"))
        and not lines[i].startswith(_CONTINUATIONS)
        and not lines[i - 1].startswith("@")
    ]
    # Definitions are the surest starts: text inside a docstring rarely begins "class ".
    defs = [i for i in cuts if lines[i].startswith(("class ", "def ", "async def ", "@"))]
    units = [0]
    for line in lines:  # running total: units of lines[:k] is units[k]
        units.append(units[-1] + parse_units(line))
    # Cut at every statement start when cutting at definitions leaves a piece too dense: a
    # table of literal data before the functions is then a statement of its own, skipped.
    for starts in (defs, cuts) if defs else (cuts,):
        planned = _plan(lines, [*starts, len(lines)], units)
        if planned is not None:
            plan, skipped = planned
            return iter(()) if skipped and not plan else _parse_pieces(lines, plan)
    return None


def _plan(
    lines: list[str], cuts: list[int], units: list[int]
) -> tuple[list[tuple[int, int]], bool] | None:
    """(line ranges to parse, whether a table of literal data was skipped), or None when a
    statement is denser than any bound."""
    plan: list[tuple[int, int]] = []
    start = 0
    skipped = False
    for j, cut in enumerate(cuts):
        if cut <= start:
            continue
        nxt = cuts[j + 1] if j + 1 < len(cuts) else None
        if nxt is not None and units[nxt] - units[start] <= PIECE_UNITS:
            continue  # the piece can grow to the next start
        if units[cut] - units[start] > MAX_AST_UNITS:
            if literal_data(lines[start:cut]):  # a table: nothing in it runs, the text rules
                start, skipped = cut, True  # read its strings
                continue
            if too_many_tokens(lines[start:cut]):
                return None  # one statement denser than any bound: not cut here
        plan.append((start, cut))
        start = cut
    return plan, skipped


_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_NUMBER = re.compile(
    r"(?<![\w.])(?:0[xXoObB][0-9a-fA-F_]+|\d[\d_]*(?:\.\d*)?(?:[eE][+-]?\d+)?j?)(?![\w.])"
)
_CONSTANT = re.compile(r"\b(?:True|False|None)\b")
_PUNCTUATION_ONLY = re.compile(r"[\s{}\[\](),:+-]*")
# ``name = `` or ``name: dict[int, str] = `` opening a top-level statement
_TARGET = re.compile(r"[A-Za-z_]\w*(?:\s*:\s*[\w\[\], .|]+)?\s*=\s*")


def literal_data(lines: list[str]) -> bool:
    """Whether ``lines`` are one statement binding a name to literal data only: a dict, list,
    set or tuple of one-line strings, numbers, True/False/None (a generated Unicode or
    lookup table of millions of tokens). No name, call, operator or keyword outside the
    strings, so nothing in it can run; found with line regexes, never the parser."""
    if not lines:
        return False
    head = _TARGET.match(lines[0])
    if head is None:
        return False
    for i, line in enumerate(lines):
        rest = line[head.end() :] if i == 0 else line
        rest = _CONSTANT.sub("", _NUMBER.sub("", _STRING.sub("", rest)))
        if _PUNCTUATION_ONLY.fullmatch(rest) is None:
            return False
    return True


def too_many_tokens(lines: list[str]) -> bool:
    """Whether these lines hold over MAX_AST_UNITS tokens, counted by the tokenizer, which
    streams (bounded memory). The cheap unit count also counts characters inside string
    literals: a module holding one big JSON or policy text in a string is few tokens."""
    count = 0
    feed = iter(line + "\n" for line in lines)
    try:
        for _ in tokenize.generate_tokens(lambda: next(feed, "")):
            count += 1
            if count > MAX_AST_UNITS:
                return True
    except (tokenize.TokenError, SyntaxError, ValueError):
        return True
    return False


def _parse_pieces(lines: list[str], plan: list[tuple[int, int]]) -> Iterator[ast.Module] | None:
    # A piece that does not parse is joined to the next, up to the bound.
    def pieces() -> Iterator[ast.Module]:
        carry = None
        first: SyntaxError | None = None  # why the piece being carried did not parse
        for start, end in plan:
            begin = start if carry is None else carry
            text = "\n".join(lines[begin:end])
            try:
                tree = parse_python(text)
            except (SyntaxError, ValueError) as exc:
                if carry is None and isinstance(exc, SyntaxError):
                    first = _in_file(exc, begin)
                carry = begin
                if parse_units(text) > MAX_AST_UNITS and too_many_tokens(lines[begin:end]):
                    raise PiecesFailed(first) from None
                continue
            except (RecursionError, MemoryError):
                raise PiecesFailed from None
            carry, first = None, None
            ast.increment_lineno(tree, begin)
            yield tree
        if carry is not None:
            raise PiecesFailed(first)

    return pieces() if plan else None


class PiecesFailed(Exception):
    """The module could not be read in pieces after all (a piece would not parse).
    ``error`` is the piece's SyntaxError, its line the file's, when one was the reason: a
    dense module that no Python 3 compiles is told apart from one too dense to cut."""

    def __init__(self, error: SyntaxError | None = None):
        super().__init__(error)
        self.error = error


def _in_file(exc: SyntaxError, begin: int) -> SyntaxError:
    """``exc`` raised on a piece starting at line ``begin`` (0-based), with the file's line."""
    if exc.lineno is not None:
        exc.lineno += begin
    return exc
