"""Building :class:`Hit` objects: trimmed matches and a snippet with one line of context."""

from __future__ import annotations

import hashlib
import re

from app.core.capabilities.model import Hit

MAX_MATCH = 200
MAX_SNIPPET_LINE = 240
_WS_RE = re.compile(r"\s+")


def match_digest(text: str) -> str:
    """sha256 of a match too long to keep whole, whitespace removed (the release diff pairs
    re-indented code with itself); empty when the match is kept whole."""
    text = text.replace("\r", "")
    if len(text) <= MAX_MATCH:
        return ""
    return hashlib.sha256(_WS_RE.sub("", text).encode("utf-8", "surrogatepass")).hexdigest()


def trim(text: str, limit: int = MAX_MATCH) -> str:
    text = text.replace("\r", "")
    if len(text) <= limit:
        return text
    return text[: limit - 1] + "…"


def snippet(lines: list[str], line: int) -> str:
    """The line (1-based) with one line of context each side, each line trimmed."""
    if not lines:
        return ""
    start = max(0, line - 2)
    end = min(len(lines), line + 1)
    return "\n".join(trim(text, MAX_SNIPPET_LINE) for text in lines[start:end])


def make_hit(
    capability: str,
    severity: str,
    path: str,
    lines: list[str],
    line: int,
    end_line: int | None,
    column: int,
    match: str,
    rule: str,
    explanation: str,
    place: str = "",
) -> Hit:
    line = max(1, line)
    return Hit(
        capability=capability,
        severity=severity,
        path=path,
        line=line,
        end_line=max(line, end_line or line),
        column=max(0, column),
        match=trim(match),
        match_sha256=match_digest(match),
        snippet=snippet(lines, line),
        rule=rule,
        explanation=explanation,
        place=place,
    )
