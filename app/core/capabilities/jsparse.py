"""Parsing JavaScript and TypeScript with tree-sitter, bounded, never raising.

tree-sitter is a C parser (maintained wheels, no Node): it returns a tree for any input,
marking what it could not read as ERROR nodes, so a file with syntax errors is still analysed
on what did parse. Very large files are parsed up to :data:`MAX_PARSE` bytes (the rest is left
to the text rules) and the parse itself is stopped after :data:`PARSE_BUDGET_S` seconds.
Parsers are per thread: the window analyses on several worker threads.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import tree_sitter_javascript as tsjs
import tree_sitter_typescript as tsts
from tree_sitter import Language, Node, Parser

MAX_PARSE = (
    1024 * 1024
)  # a tree costs ~50 bytes per source byte: 1 MB keeps the rules on it bounded too (a 3.4 MB bundle of mlflow took 24 GB at 4 MB)
PARSE_BUDGET_S = 20.0

_LANGS = {
    "js": Language(tsjs.language()),
    "ts": Language(tsts.language_typescript()),
    "tsx": Language(tsts.language_tsx()),
}
_local = threading.local()


@dataclass
class Parsed:
    src: bytes
    root: Node | None
    note: str | None  # why parts were not parsed (scan.unparsed), or None


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


def parse(path: str, text: str, kind: str | None = None) -> Parsed:
    """Parse ``text``; ``root`` is None only when nothing could be parsed at all."""
    note = None
    body = text[: MAX_PARSE + 1].encode("utf-8", "replace")  # never a copy of a 50 MB bundle
    if len(body) > MAX_PARSE:
        body = body[:MAX_PARSE]
        mb = (
            len(text.encode("utf-8", "replace")) // (1024 * 1024)
            if len(text) < 64 << 20
            else len(text) >> 20
        )
        note = f"is {mb} MB: only the first {MAX_PARSE // (1024 * 1024)} MB were parsed"
    deadline = time.monotonic() + PARSE_BUDGET_S
    stopped = []

    def read(offset: int, _point: object) -> bytes:
        if time.monotonic() > deadline:
            stopped.append(offset)
            return b""  # ends the input: what was read so far is parsed
        return body[offset : offset + 65536]

    try:
        tree = _parser(kind or dialect(path)).parse(read)
    except (ValueError, RuntimeError) as exc:  # the binding's own errors; never a traceback
        return Parsed(body, None, f"could not be parsed ({exc})")
    if tree is None:
        return Parsed(body, None, "could not be parsed in time")
    root = tree.root_node
    if stopped and note is None:
        note = "took too long to parse: only the start was analysed"
    if root.has_error and note is None:
        note = "has syntax errors: it was analysed where it parsed, plus pattern rules"
    return Parsed(body, root, note)


def line_of(node: Node) -> int:
    return node.start_point.row + 1


def text_of(node: Node, limit: int = 200) -> str:
    return node.text[:limit].decode("utf-8", "replace") if node.text else ""
