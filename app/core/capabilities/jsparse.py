"""Parsing JavaScript and TypeScript with tree-sitter, in bounded pieces, never raising.

tree-sitter is a C parser (maintained wheels, no Node): it returns a tree for any input,
marking what it could not read as ERROR nodes, so a file with syntax errors is still analysed
on what did parse. A tree costs about 55 bytes per source byte for ordinary code and up to
320 for pathological input (thousands of unclosed brackets, random bytes), so a large file is
parsed in *pieces* of :data:`MAX_PARSE` bytes (:data:`SMALL_PIECE` for input that does not
look like ordinary code), each analysed and dropped before the next: a 50 MB bundle costs
the memory of one piece. Pieces are cut at a line break before a top-level statement where
there is one, else after a ``;``. One file gets :data:`FILE_BUDGET_S` seconds of its thread's
CPU for parsing and analysis together; what is left then is marked unparsed.

The source is read through a callback so that tree-sitter can be stopped by the budget; such a
tree has no copy of the source, so ``node.text`` must never be used (it calls back into Python
for the whole node and the binding keeps what it read): text is sliced from ``Parsed.src``.
Parsers are per thread: the window analyses on several worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Generator
from dataclasses import dataclass

import tree_sitter_javascript as tsjs
import tree_sitter_typescript as tsts
from tree_sitter import Language, Node, Parser

# bytes per tree: ~110 MB of tree for ordinary code, ~80 MB for the worst small piece
MAX_PARSE = 2 * 1024 * 1024
SMALL_PIECE = 256 * 1024
FILE_BUDGET_S = 60.0  # thread CPU seconds, parsing and analysis of one file together
_WORD = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$ ."

_LANGS = {
    "js": Language(tsjs.language()),
    "ts": Language(tsts.language_typescript()),
    "tsx": Language(tsts.language_tsx()),
}
_local = threading.local()


@dataclass
class Parsed:
    src: bytes  # the piece's source: every node's text is a slice of it
    root: Node | None
    note: str | None  # why parts were not parsed (scan.unparsed), or None
    line0: int = 0  # lines before the piece
    col0: int = 0  # columns before the piece on its first line (a cut inside a long line)


def dialect(path: str) -> str:
    low = path.lower()
    if low.endswith((".ts", ".mts", ".cts")) and not low.endswith(".d.ts"):
        return "ts"
    if low.endswith(".tsx"):
        return "tsx"
    return "js"


def _parser(kind: str) -> Parser:
    parsers = getattr(_local, "parsers", None)
    if parsers is None:
        parsers = _local.parsers = {}
    if kind not in parsers:
        parsers[kind] = Parser(_LANGS[kind])
    return parsers[kind]


def _ordinary(sample: bytes) -> bool:
    """Code a tree stays small on: mostly words, brackets roughly balanced."""
    if not sample:
        return True
    words = len(sample) - len(sample.translate(None, _WORD))
    opened = sample.count(b"(") + sample.count(b"[") + sample.count(b"{")
    closed = sample.count(b")") + sample.count(b"]") + sample.count(b"}")
    return words >= 0.55 * len(sample) and abs(opened - closed) < 2000


def _cut(body: bytes, start: int, end: int) -> int:
    """Where a piece ending near ``end`` should end: after a line break before a statement
    (a line starting in column 0), else after a ``;``, else before a UTF-8 character."""
    if end >= len(body):
        return len(body)
    low = start + (end - start) * 3 // 4
    nl = end
    for _ in range(2000):
        nl = body.rfind(b"\n", low, nl)
        if nl < 0:
            break
        if body[nl + 1 : nl + 2] not in (b" ", b"\t", b"}", b")", b"]", b"\n", b"\r", b"."):
            return nl + 1
    semi = body.rfind(b";", low, end)
    if semi >= 0:
        return semi + 1
    while end > start + 1 and 0x80 <= body[end] <= 0xBF:
        end -= 1
    return end


def _parse_piece(piece: bytes, kind: str, deadline: float) -> tuple[Node | None, str | None]:
    stopped = []

    def read(offset: int, _point: object) -> bytes:
        if time.thread_time() > deadline:
            stopped.append(offset)
            return b""  # ends the input: what was read so far is parsed
        return piece[offset : offset + 65536]

    try:
        tree = _parser(kind).parse(read)
    except (ValueError, RuntimeError) as exc:  # the binding's own errors; never a traceback
        return None, f"could not be parsed ({exc})"
    if tree is None:
        return None, "could not be parsed in time"
    root = tree.root_node
    if stopped:
        return root, "took too long to parse: only the start was analysed"
    if root.has_error:
        return root, "has syntax errors: it was analysed where it parsed, plus pattern rules"
    return root, None


def parse_pieces(path: str, text: str, kind: str | None = None) -> Generator[Parsed, None, None]:
    """The file's pieces, parsed one at a time (the caller drops each before the next).

    The last one yielded carries the file's note: why parts were not parsed, or None.
    """
    kind = kind or dialect(path)
    body = text.encode("utf-8", "replace")
    deadline = time.thread_time() + FILE_BUDGET_S
    start = line0 = col0 = count = 0
    errors = False
    while True:
        size = MAX_PARSE if _ordinary(body[start : start + MAX_PARSE]) else SMALL_PIECE
        end = _cut(body, start, start + size)
        piece = body[start:end]
        root, note = _parse_piece(piece, kind, deadline)
        count += 1
        errors = errors or note is not None
        done = end >= len(body) or note is not None and "too long" in note
        if done or time.thread_time() > deadline:
            if end < len(body):
                note = (
                    f"is {len(body) >> 20} MB: the first {end >> 20} MB were analysed in the "
                    f"time budget, the rest by pattern rules only"
                )
            elif count > 1 and errors:
                note = (
                    f"is {len(body) >> 20} MB, parsed in {count} pieces: syntax errors where "
                    "it was cut inside a line or in the code; analysed where it parsed, plus "
                    "pattern rules"
                )
            yield Parsed(piece, root, note, line0, col0)
            return
        yield Parsed(piece, root, None, line0, col0)
        root = None  # the caller has dropped this tree: never hold two
        newlines = piece.count(b"\n")
        line0 += newlines
        col0 = (
            len(piece) - piece.rfind(b"\n") - 1 if newlines else col0 + len(piece)
        )  # bytes, close enough to columns for a cut line
        start = end


def parse(path: str, text: str, kind: str | None = None) -> Parsed:
    """One piece: decoded code found inside a file (at most a few MB, one tree)."""
    pieces = parse_pieces(path, text, kind)
    first = next(pieces)
    if first.note is None and len(first.src) < len(text.encode("utf-8", "replace")):
        first.note = "is too large: only its first part was analysed"
    pieces.close()
    return first
