"""When not to build a Python syntax tree: the parser's memory has no limit of its own.

``ast.parse`` keeps every token of a file in memory at once, and its cost follows the tokens,
not the bytes: 2 MB of ``x = o.f().g(1, 2)`` lines take 840 MB, a 16 MB one-line chain of
``.f()`` calls 4 GB. Every place that parses text from a package asks :func:`ast_refusal`
first; a refused file is read by the text rules only, and the scan says so (``scan.unread``).
"""

from __future__ import annotations

MAX_AST_BYTES = 16 * 1024 * 1024
MAX_CHAIN_BRACKETS = 100_000
# 400-800 MB of parser memory per million of the characters counted by parse_units (a 5.4 MB
# generated protobuf module: 0.3 M, 120 MB; the 2 MB of short calls above: 1 M, 840 MB).
# 500,000 keeps one file's parse under ~400 MB, the whole scan under 500 MB.
MAX_AST_UNITS = 500_000
_UNIT_CHARS = "()[]{}.,=:;\n"


def parse_units(text: str) -> int:
    """A cheap stand-in for the token count (C-speed ``str.count``: 0.1 s for 5 MB)."""
    return sum(text.count(c) for c in _UNIT_CHARS)


def chained_line(text: str, lines: list[str] | None = None) -> bool:
    """One line holding a chain of a hundred thousand calls or brackets (``o.f().f()...``).

    The parser keeps every token of such a line in one deep tree before it gives up. Ordinary
    big files spread their calls over many lines and pass.
    """
    if len(text) < MAX_CHAIN_BRACKETS:
        return False
    return any(
        len(line) >= MAX_CHAIN_BRACKETS
        and line.count("(") + line.count("[") + line.count("{") >= MAX_CHAIN_BRACKETS
        for line in (text.split("\n") if lines is None else lines)
    )


def ast_refusal(
    text: str, lines: list[str] | None = None, max_bytes: int = MAX_AST_BYTES
) -> str | None:
    """Why ``text`` must not be parsed (completes "This Python file …"), or None."""
    if len(text) > max_bytes:
        return "too large for AST analysis"
    if chained_line(text, lines):
        return "has a line too deeply chained for AST analysis"
    if parse_units(text) > MAX_AST_UNITS:
        return "is too dense for AST analysis (its syntax tree would take over 400 MB)"
    return None
