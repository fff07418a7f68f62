"""Search a whole release for text or a regular expression, file by file (no Qt).

A moderator who found a payload URL in one file asks where else the release carries it. This
reads the text members of the artifact under review (and of its baseline, marked ``old``) as
already opened, and returns matches grouped by file, capped so a pattern like ``.`` on a big
release stays an answer, not a hang.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.errors import UsageError

MAX_MATCHES = 2_000
MAX_LINE_SHOWN = 240  # characters of context kept around a match


@dataclass(frozen=True)
class Match:
    path: str  # member path in its artifact
    line: int  # 1-based
    column: int  # 0-based, in characters
    text: str  # the line (clipped around the match)
    old: bool = False  # found in the baseline, not the release


def compile_query(text: str, *, regex: bool = False, case: bool | None = None) -> re.Pattern:
    """The pattern for ``text``; ``case`` None means smart case (any capital: exact case).
    An invalid regular expression is a :class:`UsageError` naming the problem."""
    if not text:
        raise UsageError("nothing to search for")
    if case is None:
        case = any(ch.isupper() for ch in text)
    flags = 0 if case else re.IGNORECASE
    try:
        return re.compile(text if regex else re.escape(text), flags)
    except re.error as exc:
        raise UsageError(f"not a regular expression: {exc}") from None


def _clip(line: str, start: int, end: int) -> str:
    if len(line) <= MAX_LINE_SHOWN:
        return line
    left = max(0, start - 60)
    right = min(len(line), max(end, left + MAX_LINE_SHOWN))
    return ("…" if left else "") + line[left:right] + ("…" if right < len(line) else "")


def search_artifact(artifact, pattern: re.Pattern, *, old: bool = False, limit: int = MAX_MATCHES):
    """Matches of ``pattern`` in the text members of ``artifact``, by path then line."""
    out: list[Match] = []
    if artifact is None:
        return out
    for member in sorted(artifact.members, key=lambda m: m.path):
        text = getattr(member, "text", None)
        if member.kind != "text" or not text:
            continue
        if pattern.search(text) is None:
            continue
        for number, line in enumerate(text.split("\n"), start=1):
            for m in pattern.finditer(line):
                out.append(
                    Match(member.path, number, m.start(), _clip(line, m.start(), m.end()), old)
                )
                if len(out) >= limit:
                    return out
                break  # one entry per line is enough to jump there
    return out


def search_release(bundle, text: str, *, regex: bool = False, case: bool | None = None):
    """``(matches, truncated)`` over the release file under review, then its baseline."""
    pattern = compile_query(text, regex=regex, case=case)
    found = search_artifact(bundle.new, pattern)
    if len(found) < MAX_MATCHES and bundle.baseline is not None and bundle.baseline.path:
        found += search_artifact(bundle.old, pattern, old=True, limit=MAX_MATCHES - len(found))
    return found, len(found) >= MAX_MATCHES
